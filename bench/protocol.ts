/**
 * What the bench's client side, workflows and activities agree on: the prompt that tells the
 * instant model how many steps to take and how slow to be, deterministic tool-use ids, and the
 * floor workflows' messages. Workflow-safe: no Node, no I/O.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { bindingFor } from '../src/agent/binding.js';
import { beforeToolCallInterruptId, type InterruptResponse } from '../src/agent/interrupts.js';
import type { ModelRequest } from '../src/agent/types.js';

export const BENCH_AGENT = 'bench-instant';
export const BENCH_APPROVAL_AGENT = 'bench-approval';
export const NOOP_TOOL = 'bench_noop';
export const APPROVAL_NAME = 'approve';
export const INSTANT_PROVIDER = 'instant';
export const INSTANT_MODEL = { provider: INSTANT_PROVIDER, modelId: 'instant' };
/** The product's Bedrock provider against the bench's fake Bedrock over HTTP (the floor calls the same server). */
export const HTTP_MODEL = { provider: 'bedrock', modelId: 'bench-http' };
/** The same provider and fake, answering in streamed text as the prompt says (bench/streaming.ts). */
export const STREAM_MODEL = { provider: 'bedrock', modelId: 'bench-stream' };

/** What a run's prompt asks of the instant model. */
export interface StepSpec {
  /** Tool steps before the model ends its turn. */
  steps: number;
  /** Simulated latency of each model call. */
  modelMs: number;
  /** Simulated latency of each tool call. */
  toolMs: number;
}

export function promptFor(spec: StepSpec): string {
  return `bench ${JSON.stringify(spec)}`;
}

export function specOf(prompt: string): StepSpec {
  const json = prompt.startsWith('bench ') ? prompt.slice('bench '.length) : '{}';
  const parsed = JSON.parse(json) as Partial<StepSpec>;
  return { steps: parsed.steps ?? 1, modelMs: parsed.modelMs ?? 0, toolMs: parsed.toolMs ?? 0 };
}

/** What the bench model answers, given the prompt and how many tool results the conversation holds. */
export type BenchTurn = { toolUse: { toolUseId: string; name: string; input: { step: number; sleepMs: number } } } | { text: string };

export function benchTurn(prompt: string, toolResults: number): BenchTurn {
  const spec = specOf(prompt);
  if (toolResults >= spec.steps) return { text: `done after ${toolResults} steps` };
  const step = toolResults + 1;
  return { toolUse: { toolUseId: toolUseIdFor(step), name: NOOP_TOOL, input: { step, sleepMs: spec.toolMs } } };
}

/** The instant model names its tool uses by step, so that the bench knows every interrupt id in advance. */
export function toolUseIdFor(step: number): string {
  return `bench-${step}`;
}

export function approvalIdFor(step: number): string {
  return beforeToolCallInterruptId(toolUseIdFor(step), APPROVAL_NAME);
}

/** The question the approval agent asks before step `step`. */
export function approvalReason(step: number): { message: string; step: number } {
  return { message: `approve step ${step}?`, step };
}

/** A yes to step `step` of run `run` (its first execution `execution`), bound as the run binds its question (src/agent/binding.ts). */
export function approvalAnswerFor(step: number, run: { namespace: string; workflowId: string; execution: string }, toolMs = 0): InterruptResponse {
  const interruptId = approvalIdFor(step);
  const binding = bindingFor(run, { id: interruptId, name: APPROVAL_NAME, reason: approvalReason(step) }, { tool: NOOP_TOOL, input: { step, sleepMs: toolMs } });
  return { interruptId, response: 'y', respondedBy: 'bench', binding };
}

/** The key under which a tool start is reported: the tool's idempotency key, `<workflowId>:<toolUseId>`. */
export function toolKey(workflowId: string, step: number): string {
  return `${workflowId}:${toolUseIdFor(step)}`;
}

// The floor: bare workflows doing the same activities in the same pattern, nothing else.
export const FLOOR_STEPS_WORKFLOW = 'floorSteps';
export const FLOOR_APPROVALS_WORKFLOW = 'floorApprovals';
/** Holds updates until released: the floor of a held `wait`. */
export const FLOOR_HOLD_WORKFLOW = 'floorHold';

export interface FloorStepsInput {
  steps: number;
  modelMs?: number;
  toolMs?: number;
  /** Call the fake Bedrock over HTTP with the conversation an agent would send at this step. */
  http?: boolean;
}

export interface FloorApprovalsInput {
  steps: number;
}

/** Approves the next step (fire-and-forget). */
export const floorApproveSignal = defineSignal('floorApprove');
/** Approves the next step; returns how many steps are approved. */
export const floorApproveUpdate = defineUpdate<number>('floorApproveUpdate');
/** The step waiting for approval, or 0 when none waits. */
export const floorWaitingQuery = defineQuery<number>('floorWaiting');

/** Held until the workflow is released or `timeoutMs` passes (like our `wait` update). */
export const floorHoldUpdate = defineUpdate<number, [{ timeoutMs: number }]>('floorHold');
export const floorReleaseSignal = defineSignal('floorRelease');

/** Hosts a stream; one activity calls the Bedrock provider and publishes its text there (the floor of streaming). */
export const FLOOR_STREAM_WORKFLOW = 'floorStream';
export const FLOOR_STREAM_TOPIC = 'floor-events';
export type FloorStreamEvent = { type: 'text-delta'; delta: string } | { type: 'finish' };

export interface FloorStreamInput {
  modelId: string;
  prompt: string;
}

/** The request the streaming floor (and the bench's direct call) sends: the bench agent's system prompt, the prompt, no tools. */
export function streamRequest(input: FloorStreamInput): ModelRequest {
  return {
    model: { provider: STREAM_MODEL.provider, modelId: input.modelId },
    system: 'You are a benchmark agent. Call bench_noop until you are done.',
    messages: [{ role: 'user', content: [{ text: input.prompt }] }],
    tools: [],
  };
}
