/**
 * Amazon Bedrock Converse through the real AWS SDK. The SDK's own retries are off: Temporal
 * retries the activity, and every error is classified here as retryable or not.
 */
import type { BedrockRuntimeClient, ContentBlock as BedrockContentBlock, Message as BedrockMessage } from '@aws-sdk/client-bedrock-runtime';
import { ApplicationFailure } from '@temporalio/common';
import type { ModelRequest, ModelResponse } from '../agent/types.js';
import { PERMANENT_MODEL_ERRORS } from './errors.js';
import type { ModelProvider } from './provider.js';
import { parseModelResponse } from './response-schema.js';

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

export class BedrockProvider implements ModelProvider {
  private client: Promise<{ client: BedrockRuntimeClient; ConverseCommand: ConverseCommandClass }> | undefined;

  constructor(private readonly options: BedrockOptions = bedrockOptionsFromEnv()) {}

  async invoke(request: ModelRequest): Promise<ModelResponse> {
    const { client, ConverseCommand } = await this.connect();
    let output: unknown;
    try {
      output = await client.send(
        new ConverseCommand({
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
                },
              }
            : {}),
        }),
      );
    } catch (error) {
      throw classify(error);
    }
    const response = output as { output?: { message?: { role?: string; content?: BedrockContentBlock[] } }; stopReason?: string; usage?: unknown };
    const parsed = parseModelResponse({
      message: response.output?.message,
      stopReason: response.stopReason,
      usage: response.usage,
    });
    if (!parsed.ok) {
      throw ApplicationFailure.create({
        type: 'MalformedModelResponse',
        message: `Bedrock returned a malformed response: ${parsed.problem}`,
        nonRetryable: true,
      });
    }
    return parsed.value;
  }

  /** The AWS SDK is loaded with the first call: a worker that never calls Bedrock never loads it. */
  private connect(): Promise<{ client: BedrockRuntimeClient; ConverseCommand: ConverseCommandClass }> {
    const options = this.options;
    this.client ??= Promise.all([import('@aws-sdk/client-bedrock-runtime'), import('@smithy/node-http-handler')]).then(([bedrock, http]) => ({
      client: new bedrock.BedrockRuntimeClient({
        region: options.region ?? 'us-east-1',
        maxAttempts: 1,
        // HTTP/1.1 keeps the client usable behind proxies and against plain-HTTP endpoints.
        requestHandler: new http.NodeHttpHandler({ requestTimeout: options.requestTimeoutMs ?? 110_000 }),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
      }),
      ConverseCommand: bedrock.ConverseCommand,
    }));
    return this.client;
  }
}

type ConverseCommandClass = typeof import('@aws-sdk/client-bedrock-runtime').ConverseCommand;

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
