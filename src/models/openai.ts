/**
 * OpenAI Chat Completions through the official `openai` client, so the same provider serves
 * OpenAI and every OpenAI-compatible server (Ollama, vLLM, LM Studio, llama.cpp) by
 * `OPENAI_BASE_URL`. The client's retries are off: Temporal retries the activity. Given
 * `onText`, the call streams (`stream: true`, usage in the last chunk) and the chunks are put back
 * together into the completion the non-streaming call returns, parsed by the same code.
 */
import type OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions/completions.js';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { describeIssues, resultText, UNPARSEABLE_ARGUMENTS, type ContentBlock, type JsonValue, type Message, type ModelRequest, type ModelResponse } from '../agent/types.js';
import { classifyApiError, credentialsMissing, malformedResponse, streamTimedOut, type SdkErrorClasses, type ServiceDescription } from './api-errors.js';
import { MODEL_REQUEST_TIMEOUT_MS, type InvokeOptions, type ModelProvider } from './provider.js';
import { parseModelResponse } from './response-schema.js';
import { CallerError, StreamDeadline, textSink } from './streaming.js';

export interface OpenAIOptions {
  apiKey?: string;
  /** e.g. `http://localhost:11434/v1` for Ollama. Default: `OPENAI_BASE_URL`, else OpenAI itself. */
  baseURL?: string;
  timeoutMs?: number;
}

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export function openaiOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): OpenAIOptions {
  return {
    ...(env.OPENAI_API_KEY?.trim() ? { apiKey: env.OPENAI_API_KEY.trim() } : {}),
    ...(env.OPENAI_BASE_URL?.trim() ? { baseURL: env.OPENAI_BASE_URL.trim() } : {}),
  };
}

export class OpenAIProvider implements ModelProvider {
  private readonly options: OpenAIOptions;
  private readonly service: ServiceDescription;
  private client: Promise<{ client: OpenAI; errors: SdkErrorClasses }> | undefined;

  /** Options override the environment. No client is built until the first call: a worker starts without a key. */
  constructor(options: OpenAIOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    this.options = { ...openaiOptionsFromEnv(env), ...options };
    const timeoutMs = this.options.timeoutMs ?? MODEL_REQUEST_TIMEOUT_MS;
    this.service = { vendor: 'OpenAI', baseURL: this.options.baseURL ?? DEFAULT_BASE_URL, keyVariable: 'OPENAI_API_KEY', timeoutMs };
  }

  async invoke(request: ModelRequest, options: InvokeOptions = {}): Promise<ModelResponse> {
    const { client, errors } = await this.connect();
    const params: ChatCompletionCreateParamsNonStreaming = {
      model: request.model.modelId,
      messages: toChatMessages(request),
      ...(request.tools.length > 0 ? { tools: request.tools.map(toChatTool) } : {}),
      // Structured output: the model must call the output tool (agent/structured-output.ts).
      ...(request.toolChoice ? { tool_choice: { type: 'function' as const, function: { name: request.toolChoice.tool } } } : {}),
      ...(request.maxTokens !== undefined ? { max_completion_tokens: request.maxTokens } : {}),
    };
    let body: unknown;
    try {
      body = options.onText ? await this.stream(client, params, options.onText) : await client.chat.completions.create(params);
    } catch (error) {
      if (error instanceof CallerError) throw error.error;
      throw error instanceof ApplicationFailure ? error : classifyApiError(error, errors, this.service);
    }
    const parsed = fromChatCompletion(body);
    if (!parsed.ok) throw malformedResponse('OpenAI', parsed.problem);
    return parsed.value;
  }

  /** The streamed completion as the non-streaming call would have returned it. */
  private async stream(client: OpenAI, params: ChatCompletionCreateParamsNonStreaming, onText: (delta: string) => void): Promise<unknown> {
    const deadline = new StreamDeadline(this.service.timeoutMs);
    const completion = new CompletionFromChunks(textSink(onText));
    try {
      const chunks = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } }, { signal: deadline.signal });
      for await (const chunk of chunks) completion.add(chunk);
    } catch (error) {
      if (deadline.expired) throw streamTimedOut('OpenAI', deadline.ms, completion.started);
      throw error;
    } finally {
      deadline.clear();
    }
    // The SDK ends the iteration quietly when the request is aborted.
    if (deadline.expired) throw streamTimedOut('OpenAI', deadline.ms, completion.started);
    return completion.result();
  }

  /** The SDK is loaded with the first call: a worker that never calls OpenAI never loads it. */
  private connect(): Promise<{ client: OpenAI; errors: SdkErrorClasses }> {
    const apiKey = this.options.apiKey;
    if (!apiKey) throw credentialsMissing('openai:<model>', 'OPENAI_API_KEY', ' (any value for a local server that ignores it, e.g. Ollama)');
    this.client ??= import('openai').then((sdk) => ({
      client: new sdk.default({ apiKey, baseURL: this.service.baseURL, maxRetries: 0, timeout: this.service.timeoutMs }),
      errors: { BaseError: sdk.OpenAIError, APIError: sdk.APIError, APIConnectionError: sdk.APIConnectionError, APIConnectionTimeoutError: sdk.APIConnectionTimeoutError },
    }));
    return this.client;
  }
}

interface StreamedToolCall {
  id?: string | null;
  name: string;
  arguments: string;
}

/**
 * Chunks put back together as a `chat.completion`: the text, tool calls by index (id and name
 * from their first delta, arguments from every fragment), the finish reason and the usage that
 * `include_usage` adds as the last chunk. Only the first choice counts, as without streaming.
 */
class CompletionFromChunks {
  private chunks = 0;
  private content = '';
  private refusal = '';
  private readonly calls = new Map<number, StreamedToolCall>();
  private finishReason: string | null = null;
  private usage: unknown = null;
  private lastIndex: number | undefined;

  constructor(private readonly onText: (delta: string) => void) {}

  get started(): boolean {
    return this.chunks > 0;
  }

  add(chunk: ChatCompletionChunk): void {
    this.chunks += 1;
    if (typeof chunk !== 'object' || chunk === null) return;
    if (chunk.usage) this.usage = chunk.usage;
    const choice = (chunk.choices ?? []).find((c) => (c.index ?? 0) === 0);
    if (!choice) return;
    const { delta } = choice;
    if (typeof delta?.content === 'string') {
      this.content += delta.content;
      this.onText(delta.content);
    }
    if (typeof delta?.refusal === 'string') {
      this.refusal += delta.refusal;
      this.onText(delta.refusal);
    }
    for (const part of delta?.tool_calls ?? []) {
      const index = this.indexOf(part);
      const call = this.calls.get(index) ?? { name: '', arguments: '' };
      this.calls.set(index, call);
      this.lastIndex = index;
      // A later empty or missing id does not undo the one the call began with.
      if (typeof part.id === 'string' && (part.id !== '' || call.id === undefined)) call.id = part.id;
      if (part.function?.name) call.name = part.function.name;
      if (part.function?.arguments) call.arguments += part.function.arguments;
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
  }

  /** The call a delta belongs to: its index; without one (some local servers), a new id opens the next call and anything else continues the last. */
  private indexOf(part: { index?: number; id?: string }): number {
    if (typeof part.index === 'number') return part.index;
    const last = this.lastIndex === undefined ? undefined : this.calls.get(this.lastIndex);
    if (last && !(part.id && part.id !== last.id)) return this.lastIndex!;
    return Math.max(-1, ...this.calls.keys()) + 1;
  }

  /**
   * What `fromChatCompletion` takes: nothing when no chunk came (it says what is missing). A stream
   * that ended (cleanly) before its finish reason is cut short, malformed like a truncated body;
   * a cut connection fails the iteration instead, and is retried.
   */
  result(): unknown {
    if (this.chunks === 0) return {};
    if (!this.finishReason) throw malformedResponse('OpenAI', 'the stream ended before a finish_reason');
    const toolCalls = [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, call]) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));
    return {
      choices: [
        {
          message: { role: 'assistant', content: this.content || null, refusal: this.refusal || null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
          finish_reason: this.finishReason,
        },
      ],
      usage: this.usage,
    };
  }
}

function toChatTool(tool: ModelRequest['tools'][number]): ChatCompletionTool {
  return { type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.inputSchema } };
}

export function toChatMessages(request: Pick<ModelRequest, 'system' | 'messages'>): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = request.system ? [{ role: 'system', content: request.system }] : [];
  for (const message of request.messages) out.push(...(message.role === 'assistant' ? [assistantMessage(message)] : userMessages(message)));
  return out;
}

function assistantMessage(message: Message): ChatCompletionMessageParam {
  const text = texts(message.content);
  const toolCalls = message.content.flatMap((block) =>
    'toolUse' in block
      ? [{ id: block.toolUse.toolUseId, type: 'function' as const, function: { name: block.toolUse.name, arguments: argumentsText(block.toolUse.input) } }]
      : [],
  );
  return { role: 'assistant', content: text || null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
}

/** Tool results first (they must follow the assistant's tool calls directly), then any text. */
function userMessages(message: Message): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = message.content.flatMap((block) => {
    if (!('toolResult' in block)) return [];
    const { toolUseId, status } = block.toolResult;
    const text = resultText(block.toolResult, '\n');
    return [{ role: 'tool' as const, tool_call_id: toolUseId, content: status === 'error' ? `Error: ${text}` : text }];
  });
  const text = texts(message.content);
  if (text) out.push({ role: 'user', content: text });
  return out;
}

const texts = (content: ContentBlock[]): string => content.flatMap((block) => ('text' in block ? [block.text] : [])).join('\n');

/** The arguments as the model wrote them: unparseable ones go back verbatim. */
function argumentsText(input: JsonValue): string {
  const raw = input !== null && typeof input === 'object' && !Array.isArray(input) ? input[UNPARSEABLE_ARGUMENTS] : undefined;
  return typeof raw === 'string' ? raw : JSON.stringify(input);
}

const chatCompletion = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          refusal: z.string().nullish(),
          tool_calls: z
            .array(z.object({ id: z.string().nullish(), function: z.object({ name: z.string().min(1), arguments: z.string().nullish() }) }))
            .nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1, 'no choices'),
  // Some local servers leave usage out; the call still happened.
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number().optional() }).nullish(),
});

const STOP_REASONS: Record<string, string> = { stop: 'end_turn', tool_calls: 'tool_use', length: 'max_tokens', content_filter: 'content_filtered' };

export function fromChatCompletion(body: unknown): ReturnType<typeof parseModelResponse> {
  const wire = chatCompletion.safeParse(body);
  if (!wire.success) return { ok: false, problem: describeIssues(wire.error.issues.slice(0, 3), '(response)') };
  const { choices, usage } = wire.data;
  const { message, finish_reason } = choices[0]!;
  const text = message.content || message.refusal;
  const content: ContentBlock[] = text ? [{ text }] : [];
  (message.tool_calls ?? []).forEach((call, index) => {
    content.push({ toolUse: { toolUseId: call.id || `call_${index}`, name: call.function.name, input: parseArguments(call.function.arguments ?? '') } });
  });
  const hasToolCalls = content.some((block) => 'toolUse' in block);
  const inputTokens = usage?.prompt_tokens ?? 0;
  const outputTokens = usage?.completion_tokens ?? 0;
  return parseModelResponse({
    message: { role: 'assistant', content },
    // Local servers often say "stop" although they called tools.
    stopReason: hasToolCalls ? 'tool_use' : finish_reason && (STOP_REASONS[finish_reason] ?? finish_reason),
    usage: { inputTokens, outputTokens, totalTokens: usage?.total_tokens ?? inputTokens + outputTokens },
  });
}

/** JSON-string arguments; empty means none; anything unparseable is marked for the loop to refuse. */
function parseArguments(raw: string): JsonValue {
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw) as JsonValue;
  } catch {
    return { [UNPARSEABLE_ARGUMENTS]: raw };
  }
}
