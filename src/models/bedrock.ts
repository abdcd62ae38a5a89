/**
 * Amazon Bedrock Converse through the real AWS SDK. The SDK's own retries are off: Temporal
 * retries the activity, and every error is classified here as retryable or not. Given `onText`,
 * the call streams (ConverseStream): the events are put back together into the Converse response,
 * parsed by the same code, and an exception event inside the stream is classified like the same
 * exception before it.
 */
import type { BedrockRuntimeClient, ContentBlock as BedrockContentBlock, ConverseCommandInput, Message as BedrockMessage } from '@aws-sdk/client-bedrock-runtime';
import { ApplicationFailure } from '@temporalio/common';
import type { ModelRequest, ModelResponse } from '../agent/types.js';
import { streamTimedOut } from './api-errors.js';
import { PERMANENT_MODEL_ERRORS } from './errors.js';
import type { InvokeOptions, ModelProvider } from './provider.js';
import { parseModelResponse } from './response-schema.js';
import { CallerError, parseToolInput, StreamDeadline, textSink } from './streaming.js';

export interface BedrockOptions {
  region?: string;
  /** Overrides the service endpoint (tests, VPC endpoints). Also read from `BEDROCK_ENDPOINT`. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  requestTimeoutMs?: number;
}

/** Everything not listed as permanent (throttling, 5xx, timeouts, network) is retried. */
const PERMANENT_ERRORS = new Set(PERMANENT_MODEL_ERRORS);

export function bedrockOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): BedrockOptions {
  const endpoint = env.BEDROCK_ENDPOINT ?? env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME;
  return {
    region: env.BEDROCK_REGION ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
  };
}

const DEFAULT_REQUEST_TIMEOUT_MS = 110_000;

export class BedrockProvider implements ModelProvider {
  private client: Promise<BedrockClient> | undefined;

  constructor(private readonly options: BedrockOptions = bedrockOptionsFromEnv()) {}

  async invoke(request: ModelRequest, options: InvokeOptions = {}): Promise<ModelResponse> {
    const bedrock = await this.connect();
    const input: ConverseCommandInput = {
      modelId: request.model.modelId,
      system: request.system ? [{ text: request.system }] : undefined,
      messages: request.messages as BedrockMessage[],
      inferenceConfig: { maxTokens: request.maxTokens ?? 4096 },
      ...(request.tools.length > 0
        ? {
            toolConfig: {
              tools: request.tools.map((tool) => ({
                toolSpec: { name: tool.name, description: tool.description, inputSchema: { json: tool.inputSchema } },
              })),
              // Structured output: the model must call the output tool (agent/structured-output.ts).
              ...(request.toolChoice ? { toolChoice: { tool: { name: request.toolChoice.tool } } } : {}),
            },
          }
        : {}),
    };
    let output: unknown;
    try {
      output = options.onText ? await this.stream(bedrock, input, options.onText) : await bedrock.client.send(new bedrock.ConverseCommand(input));
    } catch (error) {
      if (error instanceof CallerError) throw error.error;
      throw error instanceof ApplicationFailure ? error : classify(error);
    }
    const response = output as { output?: { message?: { role?: string; content?: BedrockContentBlock[] } }; stopReason?: string; usage?: unknown };
    const parsed = parseModelResponse({
      message: response.output?.message,
      stopReason: response.stopReason,
      usage: response.usage,
    });
    if (!parsed.ok) throw malformed(parsed.problem);
    return parsed.value;
  }

  /** ConverseStream through the same client; the events as the Converse response they add up to. */
  private async stream({ client, ConverseStreamCommand }: BedrockClient, input: ConverseCommandInput, onText: (delta: string) => void): Promise<unknown> {
    const deadline = new StreamDeadline(this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    const response = new ResponseFromEvents(textSink(onText));
    try {
      // The SDK reads the first event before it resolves: an exception event there is thrown here.
      const output = await client.send(new ConverseStreamCommand(input), { abortSignal: deadline.signal });
      for await (const event of output.stream ?? []) response.add(event as StreamEvent);
    } catch (error) {
      if (deadline.expired) throw streamTimedOut('Bedrock', deadline.ms, response.started);
      throw error;
    } finally {
      deadline.clear();
    }
    if (deadline.expired) throw streamTimedOut('Bedrock', deadline.ms, response.started);
    return response.result();
  }

  /** The AWS SDK is loaded with the first call: a worker that never calls Bedrock never loads it. */
  private connect(): Promise<BedrockClient> {
    const options = this.options;
    this.client ??= Promise.all([import('@aws-sdk/client-bedrock-runtime'), import('@smithy/node-http-handler')]).then(([bedrock, http]) => ({
      client: new bedrock.BedrockRuntimeClient({
        region: options.region ?? 'us-east-1',
        maxAttempts: 1,
        // HTTP/1.1 keeps the client usable behind proxies and against plain-HTTP endpoints.
        requestHandler: new http.NodeHttpHandler({ requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS }),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
      }),
      ConverseCommand: bedrock.ConverseCommand,
      ConverseStreamCommand: bedrock.ConverseStreamCommand,
    }));
    return this.client;
  }
}

interface BedrockClient {
  client: BedrockRuntimeClient;
  ConverseCommand: typeof import('@aws-sdk/client-bedrock-runtime').ConverseCommand;
  ConverseStreamCommand: typeof import('@aws-sdk/client-bedrock-runtime').ConverseStreamCommand;
}

/** One ConverseStream event, as far as it is read here (the SDK's union, loosely). */
interface StreamEvent {
  messageStart?: { role?: string };
  contentBlockStart?: { contentBlockIndex?: number; start?: { toolUse?: { toolUseId?: string; name?: string } } };
  contentBlockDelta?: { contentBlockIndex?: number; delta?: { text?: string; toolUse?: { input?: string } } };
  messageStop?: { stopReason?: string };
  metadata?: { usage?: unknown };
}

type StreamedBlock = { text: string } | { toolUse: { toolUseId?: string; name?: string }; json: string };

/**
 * ConverseStream events put back together as a Converse response: messageStart's role, content
 * blocks by contentBlockIndex (text deltas; a toolUse's id and name from contentBlockStart and
 * its input from the deltas' JSON fragments), messageStop's stop reason and metadata's usage.
 */
class ResponseFromEvents {
  private events = 0;
  private role: string | undefined;
  private readonly blocks: StreamedBlock[] = [];
  private stopReason: string | undefined;
  private stopped = false;
  private usage: unknown;

  constructor(private readonly onText: (delta: string) => void) {}

  get started(): boolean {
    return this.events > 0;
  }

  add(event: StreamEvent): void {
    this.events += 1;
    if (event.messageStart) this.role = event.messageStart.role;
    const start = event.contentBlockStart;
    if (start?.start?.toolUse) this.blocks[start.contentBlockIndex ?? 0] = { toolUse: { ...start.start.toolUse }, json: '' };
    const delta = event.contentBlockDelta;
    if (delta?.delta) {
      const index = delta.contentBlockIndex ?? 0;
      const { text, toolUse } = delta.delta;
      if (typeof text === 'string') {
        // Text blocks have no contentBlockStart: their first delta opens them.
        const block = (this.blocks[index] ??= { text: '' });
        if ('text' in block) block.text += text;
        this.onText(text);
      } else if (toolUse) {
        const block = (this.blocks[index] ??= { toolUse: {}, json: '' });
        if ('json' in block) block.json += toolUse.input ?? '';
      }
    }
    if (event.messageStop) {
      this.stopped = true;
      this.stopReason = event.messageStop.stopReason;
    }
    if (event.metadata) this.usage = event.metadata.usage;
  }

  /**
   * The Converse response: nothing when no event came (the parser says what is missing). A stream
   * that ended (cleanly) before messageStop is cut short, malformed like a truncated body; a cut
   * connection fails the iteration instead, and is retried.
   */
  result(): { output?: { message: { role: string | undefined; content: unknown[] } }; stopReason?: string | undefined; usage?: unknown } {
    if (this.events === 0) return {};
    if (!this.stopped) throw malformed('the stream ended before messageStop');
    const content = this.blocks.flatMap((block): unknown[] => (!block ? [] : 'text' in block ? [block] : [{ toolUse: { ...block.toolUse, input: parseToolInput(block.json) } }]));
    return { output: { message: { role: this.role, content } }, stopReason: this.stopReason, usage: this.usage };
  }
}

function malformed(problem: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'MalformedModelResponse', message: `Bedrock returned a malformed response: ${problem}`, nonRetryable: true });
}

function classify(error: unknown): ApplicationFailure {
  const err = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = err?.name ?? 'Error';
  const status = err?.$metadata?.httpStatusCode;
  const firstLine = (err?.message ?? String(error)).split('\n')[0];
  // A body the SDK could not parse (a proxy's HTML page, truncated JSON) is a deserialization error.
  const malformed = name === 'SyntaxError' || /Deserialization error/.test(err?.message ?? '');
  return ApplicationFailure.create({
    type: malformed ? 'MalformedModelResponse' : name,
    message: `${malformed ? `unparseable response body: ${firstLine}` : firstLine}${status ? ` (HTTP ${status})` : ''}`,
    nonRetryable: malformed || PERMANENT_ERRORS.has(name),
  });
}
