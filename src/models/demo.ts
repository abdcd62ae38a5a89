/**
 * The offline demo model: deterministic, no network, honest about what it is. It takes every
 * token of the prompt that looks like a file name, inspects those files, asks the agent's delete
 * tool to delete them all in one call, then reports the tool's result in one sentence. An agent
 * with a sub-agent tool instead of file tools hands the files to it; an agent with no tools writes
 * a plan naming them.
 */
import { resultText, type ContentBlock, type JsonObject, type Message, type ModelRequest, type ModelResponse, type ToolResult, type ToolSpec } from '../agent/types.js';
import type { ModelProvider } from './provider.js';

const MAX_EXTENSION = 8;

/** Characters a file name may hold: letters, digits, `_`, `.`, `/`, `-`. Everything else separates words. */
function isPathChar(code: number): boolean {
  return isAlnum(code) || code === 0x5f /* _ */ || code === 0x2e /* . */ || code === 0x2f /* / */ || code === 0x2d /* - */;
}

function isAlnum(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/**
 * Every word of `text` that looks like a file name (`name.ext`, `dir/name.ext`, with an extension
 * of 1 to 8 letters or digits), once each, in order. One pass, no regex: a hostile 200 KB word
 * costs what reading it costs (a backtracking pattern here once stalled the worker for 25 s).
 */
export function fileNamesIn(text: string): string[] {
  const names = new Set<string>();
  let start = -1;
  for (let index = 0; index <= text.length; index++) {
    const inWord = index < text.length && isPathChar(text.charCodeAt(index));
    if (inWord && start < 0) start = index;
    if (!inWord && start >= 0) {
      const name = asFileName(text, start, index);
      if (name) names.add(name);
      start = -1;
    }
  }
  return [...names];
}

/** The word `text[start, end)` without trailing `.`, `/`, `-` (sentence ends), if it ends in `<word char>.<ext>`. */
function asFileName(text: string, start: number, end: number): string | undefined {
  while (end > start && !isAlnum(text.charCodeAt(end - 1)) && text.charCodeAt(end - 1) !== 0x5f) end--;
  let dot = end - 1;
  while (dot > start && end - dot <= MAX_EXTENSION + 1 && isAlnum(text.charCodeAt(dot))) dot--;
  const extension = end - dot - 1;
  if (dot <= start || text.charCodeAt(dot) !== 0x2e || extension < 1 || extension > MAX_EXTENSION) return undefined;
  const before = text.charCodeAt(dot - 1);
  if (!isAlnum(before) && before !== 0x5f) return undefined;
  return text.slice(start, end);
}

/** Tools the demo model calls itself: `inspect_files`, and the agent's delete tool (`delete_files`, `smart_delete`). */
function isFileTool(tool: ToolSpec): boolean {
  return tool.name === 'inspect_files' || tool.name.includes('delete');
}

/**
 * Whether the demo model can drive this request: the example file agents (an inspect or delete
 * tool), and, when the prompt names files, a planner without tools or a coordinator whose tools
 * are all sub-agents. Anything else would end at once with a sentence about file names, which
 * helps nobody: the `auto` provider refuses it instead (see auto.ts).
 */
export function demoModelDrives(request: Pick<ModelRequest, 'messages' | 'tools'>): boolean {
  const { tools } = request;
  if (tools.some(isFileTool)) return true;
  if (!tools.every((tool) => isPromptTool(tool.inputSchema))) return false;
  return fileNamesIn(promptOf(request.messages).text).length > 0;
}

/** The run's prompt: the last user message with text, and where it is. */
function promptOf(messages: Message[]): { index: number; text: string } {
  const index = messages.findLastIndex((message) => message.role === 'user' && message.content.some((block) => 'text' in block));
  return { index, text: messages[index]?.content.flatMap((block) => ('text' in block ? [block.text] : [])).join(' ') ?? '' };
}

export class DemoProvider implements ModelProvider {
  async invoke(request: ModelRequest): Promise<ModelResponse> {
    const { messages, tools } = request;
    const { index: promptIndex, text: prompt } = promptOf(messages);
    const paths = fileNamesIn(prompt);
    const since = messages.slice(promptIndex + 1);
    const calledTools = since.flatMap((message) => message.content.flatMap((block) => ('toolUse' in block ? [block.toolUse.name] : [])));
    const inspect = tools.find((tool) => tool.name === 'inspect_files');
    const remove = tools.find((tool) => tool.name.includes('delete'));

    // A sub-agent tool takes a prompt: hand it the file work.
    const delegate = tools.find((tool) => isPromptTool(tool.inputSchema));

    if (paths.length === 0) return reply([{ text: '[offline demo model] I found no file names in your request, so I did nothing.' }], 'end_turn', prompt);
    // An agent without tools plans: the plan names the files, for the agent that carries it out.
    if (tools.length === 0) return reply([{ text: `[offline demo model] Plan: delete ${paths.join(', ')} after inspecting them.` }], 'end_turn', prompt);
    if (inspect && !calledTools.includes(inspect.name)) return callTool(inspect.name, { paths }, messages.length, prompt);
    if (remove && !calledTools.includes(remove.name)) return callTool(remove.name, { paths }, messages.length, prompt);
    if (!inspect && !remove && delegate && !calledTools.includes(delegate.name)) {
      return callTool(delegate.name, { prompt: `Delete these files: ${paths.join(', ')}` }, messages.length, prompt);
    }

    const last = lastToolResult(since);
    const outcome = last ? resultText(last) : 'no tool was called';
    const verdict = last?.status === 'error' ? 'The delete did not happen' : 'Done';
    return reply([{ text: `[offline demo model] ${verdict}: ${outcome}` }], 'end_turn', prompt);
  }
}

function callTool(name: string, input: JsonObject, turn: number, prompt: string): ModelResponse {
  return reply([{ toolUse: { toolUseId: `demo_${turn}_${name}`, name, input } }], 'tool_use', prompt);
}

/** A tool whose input is one required `prompt` string: how sub-agent tools look to a model. */
function isPromptTool(schema: JsonObject): boolean {
  const required = schema.required;
  return Array.isArray(required) && required.length === 1 && required[0] === 'prompt';
}

function reply(content: ContentBlock[], stopReason: ModelResponse['stopReason'], prompt: string): ModelResponse {
  const inputTokens = Math.ceil(prompt.length / 4);
  const outputTokens = Math.ceil(JSON.stringify(content).length / 4);
  return { message: { role: 'assistant', content }, stopReason, usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens } };
}

function lastToolResult(messages: Message[]): ToolResult | undefined {
  const results = messages.flatMap((message) => message.content.flatMap((block) => ('toolResult' in block ? [block.toolResult] : [])));
  return results.at(-1);
}
