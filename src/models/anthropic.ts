/**
 * Anthropic Messages through the official `@anthropic-ai/sdk` client, configured by
 * `ANTHROPIC_BASE_URL` / `ANTHROPIC_API_KEY`. The client's retries are off: Temporal retries.
 * Given `onText`, the call streams (`stream: true`): the events are put back together into the
 * message the non-streaming call returns, parsed by the same code.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { ContentBlockParam, MessageCreateParamsNonStreaming, MessageParam, RawMessageStreamEvent, Tool } from '@anthropic-ai/sdk/resources/messages/messages.js';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { describeIssues, resultText, type ContentBlock, type JsonValue, type Message, type ModelRequest, type ModelResponse } from '../agent/types.js';
import { classifyApiError, credentialsMissing, malformedResponse, streamTimedOut, type SdkErrorClasses, type ServiceDescription } from './api-errors.js';
import { MODEL_REQUEST_TIMEOUT_MS, type InvokeOptions, type ModelProvider } from './provider.js';
import { parseModelResponse } from './response-schema.js';
import { CallerError, parseToolInput, StreamDeadline, textSink } from './streaming.js';

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

  async invoke(request: ModelRequest, options: InvokeOptions = {}): Promise<ModelResponse> {
    const { client, errors } = await this.connect();
    const params: MessageCreateParamsNonStreaming = {
      model: request.model.modelId,
      max_tokens: request.maxTokens ?? this.options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS,
      ...(request.system ? { system: request.system } : {}),
      messages: toAnthropicMessages(request.messages),
      ...(request.tools.length > 0 ? { tools: request.tools.map(toAnthropicTool) } : {}),
      // Structured output: the model must call the output tool (agent/structured-output.ts).
      ...(request.toolChoice ? { tool_choice: { type: 'tool' as const, name: request.toolChoice.tool } } : {}),
    };
    let body: unknown;
    try {
      body = options.onText ? await this.stream(client, params, options.onText) : await client.messages.create(params);
    } catch (error) {
      if (error instanceof CallerError) throw error.error;
      throw error instanceof ApplicationFailure ? error : classifyApiError(error, errors, this.service);
    }
    const parsed = fromAnthropicMessage(body);
    if (!parsed.ok) throw malformedResponse('Anthropic', parsed.problem);
    return parsed.value;
  }

  /**
   * The raw event stream rather than `messages.stream()`: that helper turns a dropped connection
   * into its own client error class, which would read as a permanent failure.
   */
  private async stream(client: Anthropic, params: MessageCreateParamsNonStreaming, onText: (delta: string) => void): Promise<unknown> {
    const deadline = new StreamDeadline(this.service.timeoutMs);
    const message = new MessageFromEvents(textSink(onText));
    try {
      const events = await client.messages.create({ ...params, stream: true }, { signal: deadline.signal });
      for await (const event of events) message.add(event);
    } catch (error) {
      if (deadline.expired) throw streamTimedOut('Anthropic', deadline.ms, message.started);
      throw error;
    } finally {
      deadline.clear();
    }
    // The SDK ends the iteration quietly when the request is aborted.
    if (deadline.expired) throw streamTimedOut('Anthropic', deadline.ms, message.started);
    return message.result();
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

type StreamedBlock = { type: string; text?: string; id?: string | null; name?: string; input?: unknown; json?: string };

/**
 * Stream events put back together as a Messages API `message`: message_start's message,
 * content blocks by index (text from text_delta, tool input from its input_json_delta
 * fragments), message_delta's stop reason and usage.
 */
class MessageFromEvents {
  private events = 0;
  private message: { role?: unknown; stop_reason?: unknown; usage?: Record<string, unknown> } | undefined;
  private readonly blocks: StreamedBlock[] = [];
  private stopped = false;

  constructor(private readonly onText: (delta: string) => void) {}

  get started(): boolean {
    return this.events > 0;
  }

  add(event: RawMessageStreamEvent): void {
    this.events += 1;
    switch (event?.type) {
      case 'message_start': {
        const { role, stop_reason, usage } = event.message;
        this.message = { role, stop_reason, usage: usage && { ...usage } };
        break;
      }
      case 'content_block_start':
        this.blocks[event.index] = { ...(event.content_block as StreamedBlock) };
        break;
      case 'content_block_delta': {
        const block = (this.blocks[event.index] ??= { type: event.delta.type === 'input_json_delta' ? 'tool_use' : 'text' });
        if (event.delta.type === 'text_delta') {
          block.text = (block.text ?? '') + event.delta.text;
          this.onText(event.delta.text);
        } else if (event.delta.type === 'input_json_delta') {
          block.json = (block.json ?? '') + event.delta.partial_json;
        }
        break;
      }
      case 'message_delta': {
        if (!this.message) break;
        if (event.delta.stop_reason != null) this.message.stop_reason = event.delta.stop_reason;
        // Counts given here replace message_start's (output_tokens always; the others when known).
        for (const [key, value] of Object.entries(event.usage ?? {})) if (value != null) this.message.usage = { ...this.message.usage, [key]: value };
        break;
      }
      case 'message_stop':
        this.stopped = true;
        break;
      default:
        break;
    }
  }

  /**
   * What `fromAnthropicMessage` takes: nothing when no message_start came (it says what is
   * missing). A stream that ended (cleanly) before message_stop is cut short, malformed like a
   * truncated body; a cut connection fails the iteration instead, and is retried.
   */
  result(): unknown {
    if (!this.message) return {};
    if (!this.stopped) throw malformedResponse('Anthropic', 'the stream ended before message_stop');
    const content = this.blocks.flatMap((block) => {
      if (!block) return [];
      const { json, ...rest } = block;
      // Tool input arrives as JSON fragments; content_block_start's input stands when none came.
      return [rest.type === 'tool_use' && json !== undefined && json.trim() !== '' ? { ...rest, input: parseToolInput(json) } : rest];
    });
    return { role: this.message.role, content, stop_reason: this.message.stop_reason, usage: this.message.usage };
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
