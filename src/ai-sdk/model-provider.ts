/**
 * Any AI SDK language model as a `ModelProvider`: `@ai-sdk/openai-compatible`, `@ai-sdk/google`,
 * Mistral, Groq, xAI, Ollama's community provider, your own `LanguageModelV4` — any model of the
 * specification `ai` 7 speaks (v4), or of the two before it (v3, v2).
 *
 *   agentsPlugin({ models: { groq: aiSdkProvider(groq) } })       // then model `groq:llama-3.3-70b-versatile`
 *   agentsPlugin({ models: { local: aiSdkProvider((id) => ollama(id)) } })
 *
 * The Converse-shaped request becomes the model's prompt (system, user text, assistant text and
 * tool calls, tool results) and function tools (their JSON Schemas as they are); the model is
 * called once with `doStream`, its text goes to `onText` as it comes, and the stream's text, tool
 * calls, finish reason and usage become a validated ModelResponse. Failures are classified as the
 * built-in providers classify theirs (./errors.ts): Temporal retries what may pass, and nothing
 * else. The provider's own retries never run (the AI SDK retries in `generateText`, not in models).
 */
import type {
  JSONSchema7,
  LanguageModelV2,
  LanguageModelV3,
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4FunctionTool,
  LanguageModelV4Message,
  LanguageModelV4Prompt,
  LanguageModelV4ToolResultOutput,
} from '@ai-sdk/provider';
import { resultText, type ContentBlock, type JsonValue, type Message, type ModelRequest, type ModelResponse, type ToolResult, type ToolSpec, UNPARSEABLE_ARGUMENTS } from '../agent/types.js';
import { MODEL_REQUEST_TIMEOUT_MS, type InvokeOptions, type ModelProvider } from '../models/provider.js';
import { parseModelResponse } from '../models/response-schema.js';
import { CallerError, parseToolInput, StreamDeadline, textSink } from '../models/streaming.js';
import { classifyAiSdkError, malformedResponse, modelTimedOut, streamIncomplete, unsupportedModel } from './errors.js';

/** A language model of any specification the adapter drives. */
export type AiSdkLanguageModel = LanguageModelV4 | LanguageModelV3 | LanguageModelV2;

/** The call settings every request of this provider carries (the request's own `maxTokens` wins over `maxOutputTokens`). */
export type AiSdkCallSettings = Partial<
  Pick<LanguageModelV4CallOptions, 'maxOutputTokens' | 'temperature' | 'topP' | 'topK' | 'seed' | 'stopSequences' | 'presencePenalty' | 'frequencyPenalty' | 'headers' | 'providerOptions'>
>;

export interface AiSdkProviderOptions {
  /** How errors name the service (default: the model's `provider`, e.g. `groq.chat`). */
  vendor?: string;
  /** The whole streamed call, first byte to last (default 110 s: under the model activity's 2-minute timeout). */
  timeoutMs?: number;
  settings?: AiSdkCallSettings;
}

/**
 * A provider for the worker's `models`: `model` is an AI SDK provider (any function from a model id
 * to a language model, such as `groq` or `createOpenAICompatible({...})`), or one language model
 * that serves every model id.
 */
export function aiSdkProvider(model: AiSdkLanguageModel | ((modelId: string) => AiSdkLanguageModel), options: AiSdkProviderOptions = {}): ModelProvider {
  return new AiSdkModelProvider(model, options);
}

export class AiSdkModelProvider implements ModelProvider {
  constructor(
    private readonly model: AiSdkLanguageModel | ((modelId: string) => AiSdkLanguageModel),
    private readonly options: AiSdkProviderOptions = {},
  ) {}

  async invoke(request: ModelRequest, options: InvokeOptions = {}): Promise<ModelResponse> {
    const modelId = request.model.modelId;
    let model: AiSdkLanguageModel;
    try {
      model = typeof this.model === 'function' ? this.model(modelId) : this.model;
    } catch (error) {
      throw classifyAiSdkError(error, { vendor: this.options.vendor ?? 'the AI SDK provider', modelId });
    }
    const vendor = this.options.vendor ?? (typeof model === 'object' && model !== null && typeof model.provider === 'string' ? model.provider : 'the AI SDK model');
    if (typeof model !== 'object' || model === null || !['v2', 'v3', 'v4'].includes((model as { specificationVersion?: unknown }).specificationVersion as string)) {
      throw unsupportedModel(vendor, `"${modelId}" did not give a language model of specification v2, v3 or v4 (a model id string needs the AI SDK gateway, which this adapter does not resolve)`);
    }
    const timeoutMs = this.options.timeoutMs ?? MODEL_REQUEST_TIMEOUT_MS;
    const deadline = new StreamDeadline(timeoutMs);
    const sink = options.onText ? textSink(options.onText) : undefined;
    const collected = new Collected();
    try {
      const settings = this.options.settings ?? {};
      const call: LanguageModelV4CallOptions = {
        ...settings,
        prompt: toPrompt(request),
        ...(request.tools.length > 0
          ? { tools: request.tools.map(toFunctionTool), toolChoice: request.toolChoice ? { type: 'tool' as const, toolName: request.toolChoice.tool } : { type: 'auto' as const } }
          : {}),
        ...(request.maxTokens !== undefined ? { maxOutputTokens: request.maxTokens } : {}),
        abortSignal: deadline.signal,
      };
      // Every specification takes these options; the parts its stream gives are read by their type.
      const { stream } = await (model as LanguageModelV4).doStream(call);
      await collected.read(stream as ReadableStream<StreamPart>, sink);
    } catch (error) {
      if (error instanceof CallerError) throw error.error;
      if (deadline.expired) throw modelTimedOut(vendor, timeoutMs, collected.started);
      throw classifyAiSdkError(error, { vendor, modelId });
    } finally {
      deadline.clear();
    }
    if (!collected.finish) throw streamIncomplete(vendor, 'no finish part');
    if (collected.finish.reason === 'interrupted') throw streamIncomplete(vendor, 'the provider says the stream was interrupted');
    if (collected.finish.reason === 'error') throw classifyAiSdkError(new Error(`the model stopped with an error (${collected.finish.raw ?? 'no reason given'})`), { vendor, modelId });
    const parsed = parseModelResponse(collected.response());
    if (!parsed.ok) throw malformedResponse(vendor, parsed.problem);
    return parsed.value;
  }
}

/** The conversation as the AI SDK's prompt: tool results go in `tool` messages (before any user text of the same turn), naming the tool that was called. */
export function toPrompt(request: Pick<ModelRequest, 'system' | 'messages'>): LanguageModelV4Prompt {
  const prompt: LanguageModelV4Prompt = request.system ? [{ role: 'system', content: request.system }] : [];
  const toolNames = new Map<string, string>();
  for (const message of request.messages) {
    if (message.role === 'assistant') {
      const content = assistantContent(message, toolNames);
      if (content.length > 0) prompt.push({ role: 'assistant', content });
      continue;
    }
    const results = message.content.flatMap((block) => ('toolResult' in block ? [toolResultPart(block.toolResult, toolNames)] : []));
    if (results.length > 0) prompt.push({ role: 'tool', content: results });
    const texts = message.content.flatMap((block) => ('text' in block && block.text !== '' ? [{ type: 'text' as const, text: block.text }] : []));
    if (texts.length > 0) prompt.push({ role: 'user', content: texts });
  }
  return prompt;
}

type AssistantPart = Extract<LanguageModelV4Message, { role: 'assistant' }>['content'][number];

function assistantContent(message: Message, toolNames: Map<string, string>): AssistantPart[] {
  return message.content.flatMap((block): AssistantPart[] => {
    if ('text' in block) return block.text === '' ? [] : [{ type: 'text', text: block.text }];
    if ('toolUse' in block) {
      const { toolUseId, name, input } = block.toolUse;
      toolNames.set(toolUseId, name);
      return [{ type: 'tool-call', toolCallId: toolUseId, toolName: name, input: argumentsOf(input) }];
    }
    return [];
  });
}

/** The arguments as the model wrote them: input it could not parse goes back as the text it was. */
function argumentsOf(input: JsonValue): unknown {
  const raw = input !== null && typeof input === 'object' && !Array.isArray(input) ? input[UNPARSEABLE_ARGUMENTS] : undefined;
  return typeof raw === 'string' ? raw : input;
}

function toolResultPart(result: ToolResult, toolNames: Map<string, string>): Extract<LanguageModelV4Message, { role: 'tool' }>['content'][number] {
  return { type: 'tool-result', toolCallId: result.toolUseId, toolName: toolNames.get(result.toolUseId) ?? 'unknown_tool', output: outputOf(result) };
}

function outputOf(result: ToolResult): LanguageModelV4ToolResultOutput {
  if (result.status === 'error') return { type: 'error-text', value: resultText(result, '\n') };
  const [only, ...rest] = result.content;
  if (only && rest.length === 0) return 'json' in only ? { type: 'json', value: only.json as never } : { type: 'text', value: only.text };
  return { type: 'text', value: resultText(result, '\n') };
}

function toFunctionTool(tool: ToolSpec): LanguageModelV4FunctionTool {
  return { type: 'function', name: tool.name, description: tool.description, inputSchema: tool.inputSchema as JSONSchema7 };
}

/** The stream parts the adapter reads, common to v2, v3 and v4 (usage and finish reason differ in shape). */
type StreamPart =
  | { type: 'text-start'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'text-end'; id: string }
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: string; providerExecuted?: boolean }
  | { type: 'finish'; finishReason: string | { unified: string; raw: string | undefined }; usage: Record<string, unknown> }
  | { type: 'error'; error: unknown }
  | { type: string };

const STOP_REASONS: Record<string, string> = { stop: 'end_turn', length: 'max_tokens', 'content-filter': 'content_filtered', 'tool-calls': 'tool_use' };

/** What one streamed answer said, in order: text blocks and tool calls, then how it finished. */
class Collected {
  private readonly blocks: ContentBlock[] = [];
  /** The text block each text id writes to (`text-start` opens one; text without it goes to the last). */
  private readonly texts = new Map<string, { text: string }>();
  finish: { reason: string; raw: string | undefined; inputTokens: number; outputTokens: number } | undefined;
  started = false;

  async read(stream: ReadableStream<StreamPart>, onText: ((delta: string) => void) | undefined): Promise<void> {
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        this.started = true;
        this.take(value, onText);
      }
    } finally {
      // Stops the provider reading a response nobody will use (after an error, or the caller's).
      await reader.cancel().catch(() => undefined);
    }
  }

  private take(part: StreamPart, onText: ((delta: string) => void) | undefined): void {
    switch (part.type) {
      case 'text-start': {
        const { id } = part as Extract<StreamPart, { type: 'text-start' }>;
        this.textBlock(id);
        return;
      }
      case 'text-delta': {
        const { id, delta } = part as Extract<StreamPart, { type: 'text-delta' }>;
        if (typeof delta !== 'string' || delta === '') return;
        this.textBlock(id).text += delta;
        onText?.(delta);
        return;
      }
      case 'tool-call': {
        const call = part as Extract<StreamPart, { type: 'tool-call' }>;
        // A tool the model's service ran itself has no place in the run's conversation.
        if (call.providerExecuted) return;
        this.blocks.push({ toolUse: { toolUseId: call.toolCallId, name: call.toolName, input: toolInputOf(call.input) } });
        return;
      }
      case 'finish': {
        const { finishReason, usage } = part as Extract<StreamPart, { type: 'finish' }>;
        const reason = typeof finishReason === 'string' ? { unified: finishReason, raw: undefined } : finishReason;
        this.finish = { reason: reason.unified, raw: reason.raw, inputTokens: tokens(usage['inputTokens']), outputTokens: tokens(usage['outputTokens']) };
        return;
      }
      case 'error':
        throw (part as Extract<StreamPart, { type: 'error' }>).error;
      default:
        // Reasoning, sources, files, metadata, tool-input deltas (the tool-call part carries the whole input).
        return;
    }
  }

  private textBlock(id: string): { text: string } {
    const known = this.texts.get(id);
    if (known) return known;
    const block = { text: '' };
    this.texts.set(id, block);
    this.blocks.push(block);
    return block;
  }

  /** The answer as a ModelResponse, to be validated: empty text blocks left out. */
  response(): unknown {
    const content = this.blocks.filter((block) => !('text' in block) || block.text !== '');
    const hasToolCalls = content.some((block) => 'toolUse' in block);
    const finish = this.finish!;
    return {
      message: { role: 'assistant', content },
      // Some servers say "stop" although they called tools.
      stopReason: hasToolCalls ? 'tool_use' : (STOP_REASONS[finish.reason] ?? finish.raw ?? finish.reason),
      usage: { inputTokens: finish.inputTokens, outputTokens: finish.outputTokens, totalTokens: finish.inputTokens + finish.outputTokens },
    };
  }
}

/** v3/v4 usage counts are `{ total, ... }`, v2's are numbers; missing counts are 0. */
function tokens(count: unknown): number {
  const value = typeof count === 'number' ? count : typeof (count as { total?: unknown } | undefined)?.total === 'number' ? (count as { total: number }).total : 0;
  return Number.isInteger(value) && value >= 0 ? value : 0;
}

/** Tool input as the model wrote it: a JSON string (parsed as streamed input is), or already an object. */
function toolInputOf(raw: unknown): JsonValue {
  return typeof raw === 'string' ? parseToolInput(raw) : ((raw ?? {}) as JsonValue);
}
