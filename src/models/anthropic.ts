/**
 * Anthropic Messages (non-streaming) through the official `@anthropic-ai/sdk` client, configured
 * by `ANTHROPIC_BASE_URL` / `ANTHROPIC_API_KEY`. The client's retries are off: Temporal retries.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { ContentBlockParam, MessageParam, Tool } from '@anthropic-ai/sdk/resources/messages/messages.js';
import { z } from 'zod';
import { describeIssues, resultText, type ContentBlock, type JsonValue, type Message, type ModelRequest, type ModelResponse } from '../agent/types.js';
import { classifyApiError, credentialsMissing, malformedResponse, type SdkErrorClasses, type ServiceDescription } from './api-errors.js';
import { MODEL_REQUEST_TIMEOUT_MS, type ModelProvider } from './provider.js';
import { parseModelResponse } from './response-schema.js';

export interface AnthropicOptions {
  apiKey?: string;
  /** Default: `ANTHROPIC_BASE_URL`, else Anthropic itself. */
  baseURL?: string;
  timeoutMs?: number;
  /** The Messages API requires a limit; used when the request sets none. */
  defaultMaxTokens?: number;
}

const DEFAULT_BASE_URL = 'https://api.anthropic.com';
const DEFAULT_MAX_TOKENS = 4096;

export function anthropicOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): AnthropicOptions {
  return {
    ...(env.ANTHROPIC_API_KEY?.trim() ? { apiKey: env.ANTHROPIC_API_KEY.trim() } : {}),
    ...(env.ANTHROPIC_BASE_URL?.trim() ? { baseURL: env.ANTHROPIC_BASE_URL.trim() } : {}),
  };
}

export class AnthropicProvider implements ModelProvider {
  private readonly options: AnthropicOptions;
  private readonly service: ServiceDescription;
  private client: Promise<{ client: Anthropic; errors: SdkErrorClasses }> | undefined;

  /** Options override the environment. No client is built until the first call: a worker starts without a key. */
  constructor(options: AnthropicOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    this.options = { ...anthropicOptionsFromEnv(env), ...options };
    const timeoutMs = this.options.timeoutMs ?? MODEL_REQUEST_TIMEOUT_MS;
    this.service = { vendor: 'Anthropic', baseURL: this.options.baseURL ?? DEFAULT_BASE_URL, keyVariable: 'ANTHROPIC_API_KEY', timeoutMs };
  }

  async invoke(request: ModelRequest): Promise<ModelResponse> {
    const { client, errors } = await this.connect();
    let body: unknown;
    try {
      body = await client.messages.create({
        model: request.model.modelId,
        max_tokens: request.maxTokens ?? this.options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS,
        ...(request.system ? { system: request.system } : {}),
        messages: toAnthropicMessages(request.messages),
        ...(request.tools.length > 0 ? { tools: request.tools.map(toAnthropicTool) } : {}),
      });
    } catch (error) {
      throw classifyApiError(error, errors, this.service);
    }
    const parsed = fromAnthropicMessage(body);
    if (!parsed.ok) throw malformedResponse('Anthropic', parsed.problem);
    return parsed.value;
  }

  /** The SDK is loaded with the first call: a worker that never calls Anthropic never loads it. */
  private connect(): Promise<{ client: Anthropic; errors: SdkErrorClasses }> {
    const apiKey = this.options.apiKey;
    if (!apiKey) throw credentialsMissing('anthropic:<model>', 'ANTHROPIC_API_KEY', '');
    this.client ??= import('@anthropic-ai/sdk').then((sdk) => ({
      client: new sdk.default({ apiKey, baseURL: this.service.baseURL, maxRetries: 0, timeout: this.service.timeoutMs }),
      errors: { BaseError: sdk.AnthropicError, APIError: sdk.APIError, APIConnectionError: sdk.APIConnectionError, APIConnectionTimeoutError: sdk.APIConnectionTimeoutError },
    }));
    return this.client;
  }
}

function toAnthropicTool(tool: ModelRequest['tools'][number]): Tool {
  return { name: tool.name, description: tool.description, input_schema: { ...tool.inputSchema, type: 'object' } };
}

/** Converse messages as Messages API turns; consecutive turns of one role are merged (the API requires alternation). */
export function toAnthropicMessages(messages: Message[]): MessageParam[] {
  const ids = new WireToolIds();
  const out: Array<{ role: 'user' | 'assistant'; content: ContentBlockParam[] }> = [];
  for (const message of messages) {
    if (message.role === 'assistant') ids.nextTurn();
    const content = message.content.map((block) => toAnthropicBlock(block, ids));
    const previous = out.at(-1);
    if (previous?.role === message.role) previous.content.push(...content);
    else out.push({ role: message.role, content });
  }
  // tool_result blocks must open their user turn.
  for (const turn of out) turn.content.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'));
  return out;
}

/**
 * Tool ids as the Messages API accepts them: `[a-zA-Z0-9_-]+` and unique in the conversation.
 * Ids a model repeated (`call_0` every turn) or that another provider made are renamed on the
 * wire only, each result following its call in order; the conversation keeps its own ids.
 */
class WireToolIds {
  private readonly used = new Set<string>();
  /** This assistant turn's wire ids by conversation id, in call order (a model may repeat one within a turn). */
  private turn = new Map<string, string[]>();

  nextTurn(): void {
    this.turn = new Map();
  }

  forUse(id: string): string {
    const base = id.replace(/[^a-zA-Z0-9_-]/g, '_') || 'call';
    let wire = base;
    for (let n = 2; this.used.has(wire); n += 1) wire = `${base}_${n}`;
    this.used.add(wire);
    this.turn.set(id, [...(this.turn.get(id) ?? []), wire]);
    return wire;
  }

  forResult(id: string): string {
    return this.turn.get(id)?.shift() ?? id.replace(/[^a-zA-Z0-9_-]/g, '_');
  }
}

function toAnthropicBlock(block: ContentBlock, ids: WireToolIds): ContentBlockParam {
  if ('text' in block) return { type: 'text', text: block.text };
  if ('toolUse' in block) {
    const { toolUseId, name, input } = block.toolUse;
    // tool_use input must be an object; a value another provider produced is wrapped.
    return { type: 'tool_use', id: ids.forUse(toolUseId), name, input: isObject(input) ? input : { input } };
  }
  const { toolUseId, status } = block.toolResult;
  const text = resultText(block.toolResult, '\n');
  return { type: 'tool_result', tool_use_id: ids.forResult(toolUseId), ...(text ? { content: text } : {}), ...(status === 'error' ? { is_error: true } : {}) };
}

const isObject = (value: JsonValue): value is { [key: string]: JsonValue } => value !== null && typeof value === 'object' && !Array.isArray(value);

const textBlock = z.object({ type: z.literal('text'), text: z.string() });
const toolUseBlock = z.object({ type: z.literal('tool_use'), id: z.string().nullish(), name: z.string().min(1), input: z.record(z.string(), z.unknown()) });
// thinking and server-tool blocks: not requested, and not part of the Converse conversation
const otherBlock = z.object({ type: z.string().refine((type) => type !== 'text' && type !== 'tool_use') });

const anthropicMessage = z.object({
  role: z.literal('assistant'),
  content: z.array(z.union([textBlock, toolUseBlock, otherBlock])),
  stop_reason: z.string().nullish(),
  usage: z.object({
    input_tokens: z.number(),
    output_tokens: z.number(),
    cache_creation_input_tokens: z.number().nullish(),
    cache_read_input_tokens: z.number().nullish(),
  }),
});

const STOP_REASONS: Record<string, string> = { refusal: 'content_filtered' };

export function fromAnthropicMessage(body: unknown): ReturnType<typeof parseModelResponse> {
  const wire = anthropicMessage.safeParse(body);
  if (!wire.success) return { ok: false, problem: describeIssues(wire.error.issues.slice(0, 3), '(response)') };
  const { content: blocks, stop_reason, usage } = wire.data;
  const content: ContentBlock[] = [];
  // The union let a `text` or `tool_use` block through only in its full shape.
  let uses = 0;
  for (const block of blocks) {
    if (block.type === 'text') {
      const { text } = block as z.infer<typeof textBlock>;
      if (text !== '') content.push({ text });
    } else if (block.type === 'tool_use') {
      const { id, name, input } = block as z.infer<typeof toolUseBlock>;
      // A missing id gets the call's position, as with OpenAI.
      content.push({ toolUse: { toolUseId: id || `call_${uses}`, name, input: input as JsonValue } });
      uses += 1;
    }
  }
  // Cached prompt tokens are counted apart from input_tokens; they are input all the same.
  const inputTokens = usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
  return parseModelResponse({
    message: { role: 'assistant', content },
    stopReason: stop_reason && (STOP_REASONS[stop_reason] ?? stop_reason),
    usage: { inputTokens, outputTokens: usage.output_tokens, totalTokens: inputTokens + usage.output_tokens },
  });
}
