/**
 * Wire types of the agent: plain JSON in the shape of Amazon Bedrock Converse, so that
 * the same objects cross activities, signals, updates and continue-as-new without loss.
 */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface TextBlock {
  text: string;
}
export interface ToolUse {
  toolUseId: string;
  name: string;
  input: JsonValue;
}

/**
 * A provider that receives tool arguments it cannot parse (OpenAI-style JSON strings) passes them
 * on as `{ [UNPARSEABLE_ARGUMENTS]: "<raw text>" }`: the loop answers the model with an error
 * result saying so, and the tool never runs.
 */
export const UNPARSEABLE_ARGUMENTS = '$unparseableArguments';
export interface ToolUseBlock {
  toolUse: ToolUse;
}
export type ToolResultContent = { text: string } | { json: JsonValue };
export interface ToolResult {
  toolUseId: string;
  content: ToolResultContent[];
  status: 'success' | 'error';
}
export interface ToolResultBlock {
  toolResult: ToolResult;
}
export type ContentBlock = TextBlock | ToolUseBlock | ToolResultBlock;

export type Role = 'user' | 'assistant';
export interface Message {
  role: Role;
  content: ContentBlock[];
}

/** Why the model stopped (Converse's enum) or why the run stopped the loop. */
export type ModelStopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'guardrail_intervened'
  | 'content_filtered'
  | 'malformed_model_output'
  | 'malformed_tool_use'
  | 'model_context_window_exceeded'
  // Stop reasons the service adds later pass through unchanged.
  | (string & {});
export type RunStopReason = ModelStopReason | 'max_model_calls';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}
export const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
}

/** A tool as the model sees it: name, description and JSON Schema of its input. */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: JsonObject;
}

export interface ModelChoice {
  /** `bedrock` (default) or `demo` (offline, deterministic), or any provider the worker registers. */
  provider: string;
  modelId: string;
}

export interface ModelRequest {
  model: ModelChoice;
  system: string;
  messages: Message[];
  tools: ToolSpec[];
  maxTokens?: number;
  /**
   * Runs asked for a typed result (structured-output.ts): the name of the tool, among `tools`,
   * whose input is that result. The model activity checks such a call's input against the tool's
   * input schema and says how it fits in `outputCheck`.
   */
  outputTool?: string;
  /** The model must call this tool (providers send their own tool-choice setting); absent: the model chooses. */
  toolChoice?: { tool: string };
}

export interface ModelResponse {
  message: Message;
  stopReason: ModelStopReason;
  usage: Usage;
  /** Set by the model activity when the request has an `outputTool` and the model called it: whether its input fits the schema. */
  outputCheck?: { fits: true } | { fits: false; problem: string };
}

export function isToolUseBlock(block: ContentBlock): block is ToolUseBlock {
  return 'toolUse' in block;
}
export function isTextBlock(block: ContentBlock): block is TextBlock {
  return 'text' in block;
}

export function toolUsesOf(message: Message): ToolUse[] {
  return message.content.filter(isToolUseBlock).map((block) => block.toolUse);
}

export function textOf(message: Message | null | undefined): string {
  if (!message) return '';
  return message.content
    .filter(isTextBlock)
    .map((block) => block.text)
    .join('\n');
}

/** A tool result's content as plain text (JSON parts serialised). */
export function resultText(result: ToolResult, separator = ' '): string {
  return result.content.map((part) => ('text' in part ? part.text : JSON.stringify(part.json))).join(separator);
}

/** One line of at most `max` characters. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A schema error in one line: `path: message; path: message`. */
export function describeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, root = '(input)'): string {
  return issues.map((issue) => `${issue.path.map(String).join('.') || root}: ${issue.message}`).join('; ');
}

export function errorResult(toolUseId: string, text: string): ToolResult {
  return { toolUseId, status: 'error', content: [{ text }] };
}

export function successResult(toolUseId: string, value: JsonValue): ToolResult {
  const content: ToolResultContent[] =
    typeof value === 'string' ? [{ text: value }] : [{ json: value }];
  return { toolUseId, status: 'success', content };
}
