/**
 * Scripted model turns: the offline model anyone can use (`--model scripted:FILE`) and the tests'
 * `ScriptedModels` share the turn type, the script's shape and the turn-to-response code here.
 *
 * A script travels with the run, inline in the model choice: `{ provider: 'scripted', modelId:
 * '[{"tools":[...]},{"text":"..."}]' }`. The worker's `scripted` provider answers turn N from the
 * conversation itself (the assistant turns since the prompt), so retries, worker restarts and
 * replays get the same answers and no worker keeps any state.
 *
 * Workflow-safe (zod and types only): `scriptedModel()` is exported from
 * `durable-hitl-agents/workflow` for the programs that start runs.
 */
import { z } from 'zod';
import type { ContentBlock, JsonValue, Message, ModelChoice, ModelResponse } from './types.js';
import { OUTPUT_REQUEST } from './structured-output.js';

/** The run's request for structured output after a text answer (structured-output.ts): part of the same script, not a new prompt. */
function isOutputRequest(message: Message): boolean {
  return message.content.length === 1 && (message.content[0] as { text?: unknown }).text === OUTPUT_REQUEST;
}

/** One model turn: plain text (ends the turn), or tool calls. */
export type ScriptedTurn = { text: string } | { tools: Array<{ name: string; input: JsonValue; id?: string }> };

export const SCRIPTED_PROVIDER = 'scripted';

/** A script travels with the run (in every model call's input): at most this many characters of compact JSON. */
export const MAX_SCRIPT_CHARS = 8 * 1024;

const EXAMPLE = '[{"tools":[{"name":"issue_refund","input":{"orderId":"A-1","amount":20}}]},{"text":"Refunded A-1."}]';

const toolCall = z.strictObject({
  name: z.string({ error: 'must be the tool\'s name, a string' }).min(1, { error: 'must not be empty' }).max(128),
  input: z.record(z.string(), z.json(), { error: 'must be a JSON object: the tool\'s input, e.g. {"orderId": "A-1"}' }),
  id: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(128).optional(),
});

const textTurn = z.strictObject({ text: z.string({ error: 'must be a string: what the model says when it ends its turn' }) });
const toolsTurn = z.strictObject({
  tools: z.array(toolCall, { error: 'must be an array of tool calls, e.g. [{"name": "issue_refund", "input": {...}}]' }).min(1, { error: 'must hold at least one tool call' }),
});

/** Where a zod issue is, as `tools[0].input`. */
function pathOf(path: readonly PropertyKey[]): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');
}

/** The turns, checked; a TypeError whose one-line message names what is wrong otherwise. */
export function checkScript(value: unknown, what = 'the script'): ScriptedTurn[] {
  if (!Array.isArray(value)) throw new TypeError(`${what} must be a JSON array of turns, e.g. ${EXAMPLE}`);
  if (value.length === 0) throw new TypeError(`${what} has no turns; e.g. ${EXAMPLE}`);
  value.forEach((turn: unknown, index) => {
    const where = `${what}, turn ${index + 1}`;
    if (typeof turn !== 'object' || turn === null || Array.isArray(turn)) {
      throw new TypeError(`${where} must be an object: {"text": "..."} or {"tools": [...]}`);
    }
    const hasText = 'text' in turn;
    const hasTools = 'tools' in turn;
    if (hasText === hasTools) {
      const keys = Object.keys(turn).map((key) => JSON.stringify(key)).join(', ');
      throw new TypeError(`${where} must have either "text" (the model's answer, ending its turn) or "tools" (tool calls)${hasText ? ', not both' : keys ? `; it has ${keys}` : ''}`);
    }
    const checked = (hasText ? textTurn : toolsTurn).safeParse(turn);
    const issue = checked.error?.issues[0];
    if (issue) {
      const at = pathOf(issue.path);
      throw new TypeError(`${where}: ${at ? `${at} ` : ''}${issue.message}`);
    }
  });
  return value as ScriptedTurn[];
}

/** The script as it travels in the model choice: compact JSON within MAX_SCRIPT_CHARS. */
function encode(turns: ScriptedTurn[], what: string): string {
  const json = JSON.stringify(turns);
  if (json.length > MAX_SCRIPT_CHARS) {
    throw new TypeError(`${what} is ${json.length} characters of compact JSON; a script travels with the run and may hold at most ${MAX_SCRIPT_CHARS}`);
  }
  return json;
}

/** The turns of a script's JSON text (a file's content), checked; a TypeError naming what is wrong otherwise. */
export function parseScript(text: string, what = 'the script'): ScriptedTurn[] {
  if (text.length > 64 * MAX_SCRIPT_CHARS) throw new TypeError(`${what} is ${text.length} characters; a script may hold at most ${MAX_SCRIPT_CHARS} of compact JSON`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`${what} is not JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  const turns = checkScript(value, what);
  encode(turns, what);
  return turns;
}

/**
 * The model choice of an inline script: the offline model every worker has as `scripted`. For the
 * programs that start runs: `agents.start({ agent, prompt, model: scriptedModel(turns) })`.
 */
export function scriptedModel(turns: readonly ScriptedTurn[]): ModelChoice {
  const checked = checkScript(turns);
  return { provider: SCRIPTED_PROVIDER, modelId: encode(checked, 'the script') };
}

/** A model id that holds an inline script (rather than the name of a test's script). */
export function isInlineScript(modelId: string): boolean {
  return modelId.startsWith('[');
}

/** The turns of an inline script's model id; a TypeError naming what is wrong when it is not one. */
export function inlineScript(modelId: string): ScriptedTurn[] {
  return parseScript(modelId, 'the inline script');
}

/**
 * Which turn the model is asked for: the number of assistant turns since the run's prompt (the
 * last user message with text and no tool results). Runs of a session carry the earlier runs'
 * conversation; each run starts its script again.
 */
export function turnIndex(messages: readonly Message[]): number {
  let turns = 0;
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]!;
    if (message.role === 'assistant') turns += 1;
    else if (message.content.some((block) => 'text' in block) && !message.content.some((block) => 'toolResult' in block) && !isOutputRequest(message)) break;
  }
  return turns;
}

/** The model's response for one turn; tool calls without an id get `<ids>-<position>`. */
export function scriptedResponse(turn: ScriptedTurn, ids: string): ModelResponse {
  const content: ContentBlock[] =
    'text' in turn
      ? [{ text: turn.text }]
      : turn.tools.map((tool, index) => ({ toolUse: { toolUseId: tool.id ?? `${ids}-${index}`, name: tool.name, input: tool.input } }));
  return {
    message: { role: 'assistant', content },
    stopReason: 'text' in turn ? 'end_turn' : 'tool_use',
    usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
  };
}

/** A short description of an inline script's model choice, for people: `scripted (2 turns)`. */
export function describeInlineScript(modelId: string): string | undefined {
  if (!isInlineScript(modelId)) return undefined;
  try {
    const turns = JSON.parse(modelId) as unknown;
    return Array.isArray(turns) ? `${SCRIPTED_PROVIDER} (${turns.length} turn${turns.length === 1 ? '' : 's'})` : undefined;
  } catch {
    return undefined;
  }
}
