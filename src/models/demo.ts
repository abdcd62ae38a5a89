/**
 * The offline demo model: deterministic, no network, honest about what it is. It takes every
 * token of the prompt that looks like a file name, inspects those files, asks the agent's delete
 * tool to delete them all in one call, then reports the tool's result in one sentence.
 */
import { resultText, type ContentBlock, type Message, type ModelRequest, type ModelResponse, type ToolResult } from '../agent/types.js';
import type { ModelProvider } from './provider.js';

const FILE_NAME = /[\w./-]*\w\.[A-Za-z0-9]{1,8}\b/g;

export class DemoProvider implements ModelProvider {
  async invoke(request: ModelRequest): Promise<ModelResponse> {
    const { messages, tools } = request;
    const promptIndex = messages.findLastIndex((message) => message.role === 'user' && message.content.some((block) => 'text' in block));
    const prompt = messages[promptIndex]?.content.flatMap((block) => ('text' in block ? [block.text] : [])).join(' ') ?? '';
    const paths = [...new Set((prompt.replace(/['"[\],]/g, ' ').match(FILE_NAME) ?? []))];
    const since = messages.slice(promptIndex + 1);
    const calledTools = since.flatMap((message) => message.content.flatMap((block) => ('toolUse' in block ? [block.toolUse.name] : [])));
    const inspect = tools.find((tool) => tool.name === 'inspect_files');
    const remove = tools.find((tool) => tool.name.includes('delete'));

    if (paths.length === 0) return reply([{ text: '[offline demo model] I found no file names in your request, so I did nothing.' }], 'end_turn', prompt);
    if (inspect && !calledTools.includes(inspect.name)) return callTool(inspect.name, paths, messages.length, prompt);
    if (remove && !calledTools.includes(remove.name)) return callTool(remove.name, paths, messages.length, prompt);

    const last = lastToolResult(since);
    const outcome = last ? resultText(last) : 'no tool was called';
    const verdict = last?.status === 'error' ? 'The delete did not happen' : 'Done';
    return reply([{ text: `[offline demo model] ${verdict}: ${outcome}` }], 'end_turn', prompt);
  }
}

function callTool(name: string, paths: string[], turn: number, prompt: string): ModelResponse {
  return reply([{ toolUse: { toolUseId: `demo_${turn}_${name}`, name, input: { paths } } }], 'tool_use', prompt);
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
