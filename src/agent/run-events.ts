/**
 * What a run tells the people who watch it, as it happens: typed events on the run's stream
 * (src/workflows/run-stream.ts), named after the AI SDK's UI message stream chunks wherever one
 * fits, so that a chat UI can show a durable run as it shows any streamed answer. Plain JSON.
 *
 * A watcher never decides anything from an event alone: an approval shown from a
 * `tool-approval-request` is answered with the binding the event carries, and the run checks it
 * (binding.ts). Anyone who may signal a run could publish on its stream too.
 */
import type { AnswerBinding } from './binding.js';
import type { Interrupt } from './interrupts.js';
import type { JsonValue, Usage } from './types.js';

export type RunEvent =
  /** The run started (or a watcher attached at its beginning). */
  | { type: 'start'; messageId: string; agent: string }
  /** A model turn starts to answer in text; `id` names the turn's message (`m<model call>`). */
  | { type: 'text-start'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'text-end'; id: string }
  /** A model call's attempt failed after streaming some text: drop the text of `id` streamed so far. */
  | { type: 'data-retry'; data: { id: string; attempt: number } }
  /** The model asks for a tool call. */
  | { type: 'tool-input-available'; toolCallId: string; toolName: string; input: JsonValue }
  /** A question waits for a person: `approvalId` is the question's id; answer it with `binding`. */
  | { type: 'tool-approval-request'; approvalId: string; toolCallId?: string; question: Interrupt }
  /** A question was answered. */
  | { type: 'data-answer'; data: { interruptId: string; response: JsonValue; respondedBy?: string; verified?: boolean; answeredAt: string; binding?: AnswerBinding } }
  | { type: 'tool-output-available'; toolCallId: string; output: JsonValue }
  | { type: 'tool-output-error'; toolCallId: string; errorText: string }
  /** The run ended: `finishReason` is the model's stop reason when it completed. */
  | { type: 'finish'; status: 'completed' | 'failed' | 'cancelled'; finishReason?: string; text?: string; usage?: Usage; output?: JsonValue }
  | { type: 'error'; errorText: string };

/** The stream's topic for run events. */
export const RUN_EVENTS_TOPIC = 'run-events';

/** The id of the message model call `n` of a run writes (its text events carry it). */
export function messageIdOf(modelCall: number): string {
  return `m${modelCall}`;
}
