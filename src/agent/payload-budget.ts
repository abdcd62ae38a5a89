/**
 * Keeps what crosses Temporal under its 2 MB payload limit. Two measures, both visible to the
 * model as plain markers rather than silent loss:
 * - a tool result larger than `TOOL_RESULT_MAX_BYTES` is cut, with a marker saying how much;
 * - when the conversation outgrows `CONVERSATION_MAX_BYTES`, the oldest tool results are elided,
 *   oldest first, keeping every toolUse paired with its toolResult.
 */
import { resultText, type Message, type ToolResult } from './types.js';

export const TOOL_RESULT_MAX_BYTES = 256 * 1024;
export const CONVERSATION_MAX_BYTES = 1024 * 1024;
/** A prompt travels in the run's input, its conversation and its session: larger ones are refused at the door. */
export const MAX_PROMPT_BYTES = 256 * 1024;

/** Why a prompt cannot start a run, or undefined when it can. */
export function promptProblem(prompt: unknown): string | undefined {
  if (typeof prompt !== 'string' || prompt.trim() === '') return 'the prompt is empty';
  const size = jsonBytes(prompt);
  if (size > MAX_PROMPT_BYTES) return `the prompt is ${size} bytes; prompts are limited to ${MAX_PROMPT_BYTES} bytes (put large inputs in a file the agent's tools can read)`;
  return undefined;
}

const encoder = new TextEncoder();
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).length;
}

export function truncateToolResult(result: ToolResult, maxBytes = TOOL_RESULT_MAX_BYTES): ToolResult {
  const size = jsonBytes(result.content);
  if (size <= maxBytes) return result;
  const text = resultText(result, '\n');
  // Cut by characters, then shrink until the UTF-8 size fits (multi-byte text may need more).
  let kept = text.slice(0, maxBytes);
  while (encoder.encode(kept).length > maxBytes - 200) kept = kept.slice(0, Math.floor(kept.length * 0.9));
  const marker = `\n[truncated by the agent runtime: ${kept.length} of ${text.length} characters shown (${size} bytes); Temporal payloads are capped at 2 MB]`;
  return { ...result, content: [{ text: kept + marker }] };
}

/** Elides the oldest tool results in place until the conversation fits; returns how many. */
export function fitConversation(messages: Message[], maxBytes = CONVERSATION_MAX_BYTES): number {
  let size = jsonBytes(messages);
  let elided = 0;
  for (const message of messages) {
    if (size <= maxBytes) break;
    for (const [index, block] of message.content.entries()) {
      if (size <= maxBytes) break;
      if (!('toolResult' in block) || isElided(block.toolResult)) continue;
      const before = jsonBytes(block);
      const replacement = {
        toolResult: {
          ...block.toolResult,
          content: [{ text: `[elided by the agent runtime: an old tool result of ${before} bytes, removed to keep the conversation under the payload limit]` }],
        },
      };
      message.content[index] = replacement;
      size -= before - jsonBytes(replacement);
      elided += 1;
    }
  }
  return elided;
}

function isElided(result: ToolResult): boolean {
  const first = result.content[0];
  return result.content.length === 1 && first !== undefined && 'text' in first && first.text.startsWith('[elided by the agent runtime');
}
