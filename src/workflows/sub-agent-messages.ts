/**
 * How a sub-agent's run talks to the run that called it. Signals go to the caller's workflow id,
 * so they reach it after it continued as new. Defined once, used by both sides.
 */
import { defineSignal } from '@temporalio/workflow';
import type { Interrupt, PathStep } from '../agent/interrupts.js';
import type { StateChange } from '../agent/state.js';

/** In a sub-agent's run input: who called it. */
export interface ParentLink {
  runId: string;
  agent: string;
  toolUseId: string;
  tool: string;
  /** The caller's own way down from the top run (empty for a top run). */
  lineage: PathStep[];
}

/** The sub-agent's questions, each time they change (its own and its sub-agents', with their paths). */
export interface SubAgentWaiting {
  childId: string;
  pending: Interrupt[];
  /**
   * Orders the reports (signals between runs arrive in any order): the workflow time of the report
   * and its number in that run. A caller keeps only the newest; absent from children of older code.
   */
  seq?: [at: number, n: number];
}

/** The sub-agent's end. */
export interface SubAgentFinished {
  childId: string;
  outcome: 'completed' | 'failed' | 'cancelled';
  text?: string;
  error?: string;
  /** What it changed in the state it was given. */
  stateChanges: StateChange[];
}

export const subAgentWaitingSignal = defineSignal<[SubAgentWaiting]>('subAgentWaiting');
export const subAgentFinishedSignal = defineSignal<[SubAgentFinished]>('subAgentFinished');

/** A sub-agent run's workflow id: derived from its caller and the call, so a caller that continued as new finds it again. */
export function subAgentWorkflowId(parentId: string, toolUseId: string): string {
  return `${parentId}--${toolUseId}`;
}
