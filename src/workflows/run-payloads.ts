/** What a run hands to Temporal, fitted to the payload budgets (payload-budget.ts). */
import type { AgentRunResult, RunCarry } from '../agent/loop.js';
import { CONVERSATION_MAX_BYTES, fitConversation, fitJson, PAYLOAD_BUDGET } from '../agent/payload-budget.js';

/** Room for the carried audit in a continue-as-new input, beside the conversation, state and prompt. */
const CARRY_BUDGET = 192 * 1024;

/** Room for the questions carried while waiting (shown until they are asked again). */
const WAITS_BUDGET = 64 * 1024;

/**
 * The carry within its budget: the audit and the carried questions may be shortened for display;
 * the waiting turn's tool inputs and held answers never (answers are limited at the door).
 */
export function fitCarry(carry: RunCarry): RunCarry {
  const { waitingTurn, remoteTools, waits, held, ...audit } = carry;
  return {
    ...fitJson(audit, CARRY_BUDGET),
    ...(waits ? { waits: fitJson(waits, WAITS_BUDGET) } : {}),
    ...(held ? { held } : {}),
    ...(remoteTools ? { remoteTools } : {}),
    ...(waitingTurn ? { waitingTurn: { message: waitingTurn.message, results: fitJson(waitingTurn.results, CARRY_BUDGET) } } : {}),
  };
}

/** The result within Temporal's payload limit: the conversation shrunk as the model would see it, then the rest. */
export function fitResult(result: AgentRunResult): AgentRunResult {
  const messages = jsonCopy(result.messages);
  fitConversation(messages, CONVERSATION_MAX_BYTES / 2);
  return fitJson({ ...result, messages }, PAYLOAD_BUDGET);
}

export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
