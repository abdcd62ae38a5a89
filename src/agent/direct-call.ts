/**
 * Direct tool calls (Strands' `agent.tool.X(...)`): a run that calls one tool from code, through
 * the agent's hooks, approval policy and approvals exactly as if the model had asked for it, and
 * ends with the tool's result without calling a model. Pure and workflow-safe.
 */
import { clipInline } from './escape.js';
import { checkToolInput, type RunTool } from './definition.js';
import { jsonBytes, TOOL_INPUT_MAX_BYTES } from './payload-budget.js';
import type { JsonValue, Message, ToolResult, ToolUse } from './types.js';

/** A tool called from code rather than by the model. */
export interface DirectToolCall {
  /** The tool's name, as the agent (or its MCP servers) names it. */
  name: string;
  /** The tool's input: a JSON object, checked against the tool's schema before anything runs. */
  input: JsonValue;
  /**
   * Adds the call to the run's conversation (default true, as Strands' `record_direct_tool_call`):
   * the request as a user message, the call, its result and an acknowledgement; in a session, the
   * next run's model sees them.
   */
  record?: boolean;
}

/** Why a direct call's input cannot be sent (not an object, too big), or undefined: checked by the client and again by the run. */
export function directInputProblem(input: unknown): string | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return `the tool input must be a JSON object, not ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`;
  }
  let size: number;
  try {
    size = jsonBytes(input);
  } catch (error) {
    return `the tool input is not JSON: ${(error as Error).message}`;
  }
  if (size > TOOL_INPUT_MAX_BYTES) return `the tool input is ${size} bytes; tool inputs are limited to ${TOOL_INPUT_MAX_BYTES} bytes`;
  return undefined;
}

/**
 * Why `call` cannot run among `tools`, or undefined: an unknown tool (naming the tools there are),
 * an input that is not an object, too big, or does not fit the tool's schema. `toolsMayGrow`: the
 * agent has MCP servers whose tools are read only when the run starts, so an unknown name is not
 * refused yet.
 */
export function directCallProblem(agentName: string, tools: readonly RunTool[], call: unknown, toolsMayGrow = false): string | undefined {
  const given = call as Partial<DirectToolCall> | null;
  if (!given || typeof given !== 'object' || typeof given.name !== 'string' || given.name === '') return 'a direct tool call needs the tool\'s name and its input';
  if (given.record !== undefined && typeof given.record !== 'boolean') return 'a direct tool call\'s "record" must be true or false';
  const shown = `"${clipInline(given.name, 80)}"`;
  const tool = tools.find((candidate) => candidate.name === given.name);
  if (!tool) {
    if (toolsMayGrow) return undefined;
    return `agent "${clipInline(agentName, 80)}" has no tool ${shown}; its tools: ${tools.map((candidate) => candidate.name).join(', ') || '(none)'}`;
  }
  const inputProblem = directInputProblem(given.input);
  if (inputProblem) return `${inputProblem} (tool ${shown})`;
  const checked = checkToolInput(tool, given.input);
  if (!checked.ok) return `invalid input for tool ${shown}: ${checked.problem}`;
  return undefined;
}

/** The call's tool-use id: `direct-1`, or the first `direct-N` the conversation does not hold yet (a session's earlier direct calls). */
export function directToolUseId(used: ReadonlySet<string>): string {
  let n = 1;
  while (used.has(`direct-${n}`)) n++;
  return `direct-${n}`;
}

/** The assistant turn the call stands for. */
export function directTurn(toolUse: ToolUse): Message {
  return { role: 'assistant', content: [{ toolUse }] };
}

/** What the conversation records before the call (Strands' wording: the model reads it in later runs). */
export function directRequestMessage(call: DirectToolCall): Message {
  return { role: 'user', content: [{ text: `agent.tool.${call.name} direct tool call.\nInput parameters: ${JSON.stringify(call.input)}\n` }] };
}

/** What the conversation records after the call and its result, so that the next prompt follows an assistant message. */
export function directAcknowledgement(call: DirectToolCall): Message {
  return { role: 'assistant', content: [{ text: `agent.tool.${call.name} was called.` }] };
}

/** The run's final text: the tool result's text. */
export function directResultText(result: ToolResult): string {
  return result.content.map((part) => ('text' in part ? part.text : JSON.stringify(part.json))).join('\n');
}

/** The error a direct call ends its run with when it cannot run (workflows/failures.ts gives it a type of its own). */
export class DirectToolCallError extends Error {
  override name = 'DirectToolCallError';
}
