/**
 * Keeps what crosses Temporal under its 2 MB payload limit, so that no run ever fails a workflow
 * task in a loop because of size. Every measure leaves a plain marker rather than silent loss:
 * - a prompt over `MAX_PROMPT_BYTES` is refused at the door;
 * - a tool result larger than `TOOL_RESULT_MAX_BYTES` is cut, with a marker saying how much;
 * - when the conversation outgrows its budget, the oldest tool results are elided first, then the
 *   oldest tool inputs and long texts, then the oldest turns, keeping every toolUse paired with its
 *   toolResult;
 * - anything else a workflow hands to Temporal (its result, query and update results, audit
 *   entries, continue-as-new input, signals) goes through `fitJson`, which shortens the largest
 *   strings and lists first until the whole fits `PAYLOAD_BUDGET`.
 */
import { resultText, type ContentBlock, type Message, type ToolResult } from './types.js';

export const TOOL_RESULT_MAX_BYTES = 256 * 1024;
/** A tool input travels to the tool activity beside the state: the model must split larger work. */
export const TOOL_INPUT_MAX_BYTES = 512 * 1024;
export const CONVERSATION_MAX_BYTES = 1024 * 1024;
/** Any one payload a workflow produces; Temporal refuses payloads over 2 MB. */
export const PAYLOAD_BUDGET = 1536 * 1024;
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

/**
 * Shrinks the conversation in place until it fits; returns how many blocks were elided or turns
 * dropped. Oldest first, in rounds of growing harm: tool results, tool inputs, long texts, turns.
 */
export function fitConversation(messages: Message[], maxBytes = CONVERSATION_MAX_BYTES): number {
  let size = jsonBytes(messages);
  let elided = 0;
  const rounds: Array<(block: ContentBlock) => ContentBlock | undefined> = [elideToolResult, elideToolInput, clipText];
  for (const shrink of rounds) {
    for (const message of messages) {
      for (const [index, block] of message.content.entries()) {
        if (size <= maxBytes) return elided;
        const replacement = shrink(block);
        if (!replacement) continue;
        size -= jsonBytes(block) - jsonBytes(replacement);
        message.content[index] = replacement;
        elided += 1;
      }
    }
  }
  // Still too big: drop the oldest turns. What remains starts with a user message that is not a
  // tool result, so no toolResult is left without its toolUse; the last exchange always stays.
  while (size > maxBytes && messages.length > 2) {
    let cut = 1;
    while (cut < messages.length - 1 && !startsTurn(messages[cut]!)) cut++;
    if (cut >= messages.length - 1) break;
    size -= jsonBytes(messages.slice(0, cut)) - 1;
    messages.splice(0, cut);
    elided += cut;
  }
  return elided;
}

const ELIDED_MARK = '[elided by the agent runtime';

function elideToolResult(block: ContentBlock): ContentBlock | undefined {
  if (!('toolResult' in block) || isElided(block.toolResult)) return undefined;
  const text = `${ELIDED_MARK}: an old tool result of ${jsonBytes(block)} bytes, removed to keep the conversation under the payload limit]`;
  return { toolResult: { ...block.toolResult, content: [{ text }] } };
}

function elideToolInput(block: ContentBlock): ContentBlock | undefined {
  if (!('toolUse' in block) || jsonBytes(block.toolUse.input) < 1024) return undefined;
  return { toolUse: { ...block.toolUse, input: { elided: `${ELIDED_MARK}: an old tool input of ${jsonBytes(block.toolUse.input)} bytes]` } } };
}

function clipText(block: ContentBlock): ContentBlock | undefined {
  if (!('text' in block) || block.text.length <= 4096 || block.text.includes(ELIDED_MARK)) return undefined;
  return { text: `${block.text.slice(0, 4096)}\n${ELIDED_MARK}: ${block.text.length - 4096} more characters]` };
}

function startsTurn(message: Message): boolean {
  return message.role === 'user' && !message.content.some((block) => 'toolResult' in block);
}

/**
 * A copy of `value` that fits `maxBytes` as JSON: the largest strings and lists are shortened first,
 * each with a marker saying how much was left out. Objects keep their keys, so typed shapes hold.
 */
export function fitJson<T>(value: T, maxBytes = PAYLOAD_BUDGET): T {
  let size = jsonBytes(value);
  if (size <= maxBytes) return value;
  const holder = { root: JSON.parse(JSON.stringify(value)) as T };
  for (let round = 0; round < 64 && size > maxBytes; round++) {
    const largest = shrinkable(holder).sort((a, b) => b.bytes - a.bytes);
    if (largest.length === 0) break;
    for (const node of largest) {
      if (size <= maxBytes) break;
      size -= node.bytes - node.shrink(Math.min(node.bytes / 2, node.bytes - (size - maxBytes)));
    }
  }
  return holder.root;
}

interface Shrinkable {
  bytes: number;
  /** Shortens the node to about `targetBytes`; returns its new size. */
  shrink(targetBytes: number): number;
}

function shrinkable(holder: { root: unknown }): Shrinkable[] {
  const found: Shrinkable[] = [];
  const visit = (parent: Record<string, unknown> | unknown[], key: string | number): void => {
    const value = (parent as Record<string, unknown>)[key as string];
    if (typeof value === 'string' && value.length > 256) {
      found.push({
        bytes: jsonBytes(value),
        shrink: (target) => {
          const keep = Math.max(128, Math.floor(target / 2));
          const next = `${value.slice(0, keep)}… [${value.length - keep} more characters left out to fit Temporal's payload limit]`;
          (parent as Record<string, unknown>)[key as string] = next;
          return jsonBytes(next);
        },
      });
    } else if (Array.isArray(value)) {
      if (value.length > 8) {
        found.push({
          bytes: jsonBytes(value),
          shrink: (target) => {
            const each = jsonBytes(value) / value.length;
            const keep = Math.max(4, Math.min(value.length - 1, Math.floor(target / each)));
            const next = [...value.slice(0, keep), `… ${value.length - keep} more items left out to fit Temporal's payload limit`];
            (parent as Record<string, unknown>)[key as string] = next;
            return jsonBytes(next);
          },
        });
      }
      value.forEach((_, index) => visit(value, index));
    } else if (value !== null && typeof value === 'object') {
      for (const child of Object.keys(value)) visit(value as Record<string, unknown>, child);
    }
  };
  visit(holder as Record<string, unknown>, 'root');
  return found;
}

function isElided(result: ToolResult): boolean {
  const first = result.content[0];
  return result.content.length === 1 && first !== undefined && 'text' in first && first.text.startsWith(ELIDED_MARK);
}
