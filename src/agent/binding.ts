/**
 * What you see is what you sign: an answer is a statement about one call in one run. Every
 * question carries a binding (the namespace, the workflow id and its execution, the question's
 * id, digests of the call that will run and of the question as shown), and an answer repeats the
 * binding of the question its author saw. The run refuses an answer whose binding differs from the
 * question it is about to apply it to, saying which part changed, so an answer cannot be replayed
 * onto another run, another execution under the same id, an edited call or a changed question.
 * Signatures cover the binding (proof.ts). Pure and deterministic: it runs in the workflow.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { canonicalJson } from './canonical-json.js';
import type { JsonValue } from './types.js';

/** Which run asks: the binding's first three parts. */
export interface RunScope {
  namespace: string;
  workflowId: string;
  /** The run's first execution id: the same across continue-as-new, new for a run started again under the same id. */
  execution: string;
}

export interface AnswerBinding extends RunScope {
  interruptId: string;
  /** SHA-256 (hex) of the call that runs if the answer lets it: tool name and canonical input, after edits. */
  call: string;
  /** SHA-256 (hex) of the question as shown: its name and reason. */
  question: string;
}

/** The call a question is about, as its digest covers it. */
export type BoundCall = { tool: string; input: JsonValue } | { tools: Array<{ tool: string; input: JsonValue }> };

/** SHA-256 of the value as JSON carries it (a Date as its ISO text, undefined left out), keys sorted. */
export function digestOf(value: JsonValue): string {
  const asSent = JSON.parse(JSON.stringify(value) ?? 'null') as JsonValue;
  return bytesToHex(sha256(new TextEncoder().encode(canonicalJson(asSent))));
}

/** The call a question is about: its tool call, or a before-tools question's whole batch. */
export function callOf(question: { toolName?: string; toolInput?: JsonValue; calls?: Array<{ tool: string; input: JsonValue }> }): BoundCall {
  if (question.toolName !== undefined) return { tool: question.toolName, input: question.toolInput ?? null };
  return { tools: question.calls ?? [] };
}

/** Whether a question's binding is the one its own content (id, name, reason, call) gives: a question shown elsewhere cannot have been altered. */
export function bindingDescribes(question: { id: string; name: string; reason: JsonValue; binding?: AnswerBinding } & Parameters<typeof callOf>[0], runId: string, interruptId: string): boolean {
  const binding = question.binding;
  if (!binding || binding.workflowId !== runId || binding.interruptId !== interruptId) return false;
  const expected = bindingFor(binding, { ...question, id: interruptId }, callOf(question));
  return expected.call === binding.call && expected.question === binding.question;
}

export function bindingFor(scope: RunScope, question: { id: string; name: string; reason: JsonValue }, call: BoundCall): AnswerBinding {
  return {
    namespace: scope.namespace,
    workflowId: scope.workflowId,
    execution: scope.execution,
    interruptId: question.id,
    call: digestOf(call as JsonValue),
    question: digestOf({ name: question.name, reason: question.reason }),
  };
}

const PARTS = ['namespace', 'workflowId', 'execution', 'interruptId', 'call', 'question'] as const;

/** Exactly the binding's parts (what a signature covers), whatever else the object holds. */
export function bindingParts(binding: AnswerBinding): Record<(typeof PARTS)[number], string> {
  return Object.fromEntries(PARTS.map((part) => [part, binding[part]])) as Record<(typeof PARTS)[number], string>;
}

/**
 * Why `given` is not the binding of the question `expected` belongs to, or undefined when it is.
 * `callNow` describes the call as it will run, for the message when the call changed.
 */
export function bindingProblem(expected: AnswerBinding, given: unknown, callNow: () => string): string | undefined {
  const id = expected.interruptId;
  if (given === undefined) {
    return `"${id}" takes only answers bound to the call they approve: repeat the question's binding (its "binding" in the run's status; hitl and AgentClient add it for you)`;
  }
  if (!given || typeof given !== 'object' || Array.isArray(given)) return 'binding must be an object (the question\'s "binding", as the run\'s status shows it)';
  const answer = given as Record<string, unknown>;
  const wrong = PARTS.find((part) => typeof answer[part] !== 'string');
  if (wrong) return `the answer's binding has no ${wrong}; repeat the question's binding as the run's status shows it`;
  const clip = (value: unknown) => JSON.stringify(String(value).slice(0, 100));
  if (answer.namespace !== expected.namespace) return `this answer was given to a run in namespace ${clip(answer.namespace)}, not in ${clip(expected.namespace)}`;
  if (answer.workflowId !== expected.workflowId) return `this answer was given to another run (${clip(answer.workflowId)}), not to ${clip(expected.workflowId)}`;
  if (answer.execution !== expected.execution) {
    return `this answer was given to another execution of ${clip(expected.workflowId)} (${clip(answer.execution)}); this one (${expected.execution}) asks again: answer what it shows`;
  }
  if (answer.interruptId !== id) return `this answer's binding names question ${clip(answer.interruptId)}, not "${id}"`;
  if (answer.call !== expected.call) return `the call changed since you saw it: it now runs ${callNow()}; answer what the run shows now`;
  if (answer.question !== expected.question) return `the question "${id}" changed since you saw it; answer what the run shows now`;
  return undefined;
}
