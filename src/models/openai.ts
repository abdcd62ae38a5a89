/**
 * OpenAI Chat Completions (non-streaming) through the official `openai` client, so the same
 * provider serves OpenAI and every OpenAI-compatible server (Ollama, vLLM, LM Studio,
 * llama.cpp) by `OPENAI_BASE_URL`. The client's retries are off: Temporal retries the activity.
 */
import type OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions/completions.js';
import { z } from 'zod';
import { describeIssues, resultText, UNPARSEABLE_ARGUMENTS, type ContentBlock, type JsonValue, type Message, type ModelRequest, type ModelResponse } from '../agent/types.js';
import { classifyApiError, credentialsMissing, malformedResponse, type SdkErrorClasses, type ServiceDescription } from './api-errors.js';
import { MODEL_REQUEST_TIMEOUT_MS, type ModelProvider } from './provider.js';
import { parseModelResponse } from './response-schema.js';

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

  async invoke(request: ModelRequest): Promise<ModelResponse> {
    const { client, errors } = await this.connect();
    let body: unknown;
    try {
      body = await client.chat.completions.create({
        model: request.model.modelId,
        messages: toChatMessages(request),
        ...(request.tools.length > 0 ? { tools: request.tools.map(toChatTool) } : {}),
        ...(request.maxTokens !== undefined ? { max_completion_tokens: request.maxTokens } : {}),
      });
    } catch (error) {
      throw classifyApiError(error, errors, this.service);
    }
    const parsed = fromChatCompletion(body);
    if (!parsed.ok) throw malformedResponse('OpenAI', parsed.problem);
    return parsed.value;
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
