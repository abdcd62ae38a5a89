/**
 * All three fake model services behind one interface, each with a provider that talks to it
 * through the vendor's official client: the same scripted turns (./model-script.ts) play on
 * Bedrock, OpenAI and Anthropic, streamed or not (the provider streams when given `onText`).
 */
import { AnthropicProvider } from '../../src/models/anthropic.js';
import { BedrockProvider, type BedrockOptions } from '../../src/models/bedrock.js';
import { OpenAIProvider } from '../../src/models/openai.js';
import type { ModelProvider } from '../../src/models/provider.js';
import { startFakeAnthropic } from './fake-anthropic.js';
import { FakeBedrock, type ScriptedReply as BedrockReply } from './fake-bedrock.js';
import { startFakeOpenAI } from './fake-openai.js';
import { toBedrockReply } from './model-script.js';
import type { AnswerTurn, ServerRequest, ServerTurn } from './scripted-model-server.js';

export type ProviderName = 'bedrock' | 'openai' | 'anthropic';
export const PROVIDER_NAMES: readonly ProviderName[] = ['bedrock', 'openai', 'anthropic'];

export interface FakeModelService {
  name: ProviderName;
  /** A provider whose client points at this fake. */
  provider: ModelProvider;
  /** What a worker needs to reach the fake: `defaultProviders(options.bedrock, { openai, anthropic })`. */
  options: { bedrock?: BedrockOptions; openai?: { baseURL: string; apiKey: string }; anthropic?: { baseURL: string; apiKey: string } };
  /** Scripted turns, `streamError` turns (an error event inside a stream; the same error as HTTP when not streamed) and `cut` turns. */
  scriptFor(model: string, ...turns: ServerTurn[]): void;
  /** What the fake received, whether each request streamed and how far its stream got. */
  requests(): ServerRequest[];
  /** Requests the real service would have refused; tests assert it stays empty. */
  violations(): string[];
  remaining(): number;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** The client's request timeout (default: the providers' own). */
  timeoutMs?: number;
  /** The pause between two pieces of a streamed answer (default 30 ms). */
  pieceDelayMs?: number;
}

/** The exception Bedrock sends inside a stream for each HTTP status a `streamError` turn names. */
const BEDROCK_STREAM_EXCEPTIONS: Record<number, string> = {
  400: 'ValidationException',
  424: 'ModelStreamErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

/** A turn as a FakeBedrock reply, `streamError` and `cut` included. */
export function toBedrockServiceReply(turn: ServerTurn): BedrockReply {
  const answer = (before: AnswerTurn | undefined) => {
    const reply = before && toBedrockReply(before);
    return reply?.kind === 'text' || reply?.kind === 'toolUse' ? { before: reply } : {};
  };
  if (turn.kind === 'cut') return { kind: 'cut', ...answer(turn.before), ...(turn.pieces !== undefined ? { pieces: turn.pieces } : {}) };
  if (turn.kind !== 'streamError') return toBedrockReply(turn);
  const type = turn.code ?? BEDROCK_STREAM_EXCEPTIONS[turn.status] ?? 'InternalServerException';
  return {
    kind: 'streamError',
    type,
    status: turn.status,
    ...(turn.message ? { message: turn.message } : {}),
    ...answer(turn.before),
    ...(turn.pieces !== undefined ? { pieces: turn.pieces } : {}),
  };
}

export async function startFakeModelService(name: ProviderName, options: ServiceOptions = {}): Promise<FakeModelService> {
  const timeout = options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {};
  const pieces = options.pieceDelayMs !== undefined ? { pieceDelayMs: options.pieceDelayMs } : {};
  if (name === 'bedrock') {
    const fake = await FakeBedrock.start(pieces);
    const bedrock: BedrockOptions = {
      endpoint: fake.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      ...(options.timeoutMs !== undefined ? { requestTimeoutMs: options.timeoutMs } : {}),
    };
    return {
      name,
      provider: new BedrockProvider(bedrock),
      options: { bedrock },
      scriptFor: (model, ...turns) => void fake.scriptFor(model, ...turns.map(toBedrockServiceReply)),
      // The stream's progress read live from the fake's record: it shows while the stream runs.
      requests: () =>
        fake.requests.map((r) => ({
          model: r.modelId,
          body: r.body,
          headers: r.headers,
          streamed: r.streamed,
          get piecesSent() {
            return r.piecesSent;
          },
          get lastPieceSent() {
            return r.lastPieceSent;
          },
        })),
      violations: () => fake.violations,
      remaining: () => fake.remaining(),
      close: () => fake.close(),
    };
  }
  const fake = name === 'openai' ? await startFakeOpenAI(pieces) : await startFakeAnthropic(pieces);
  const client = { baseURL: fake.baseURL, apiKey: 'test-key' };
  return {
    name,
    provider: name === 'openai' ? new OpenAIProvider({ ...client, ...timeout }) : new AnthropicProvider({ ...client, ...timeout }),
    options: { [name]: client },
    scriptFor: (model, ...turns) => void fake.scriptFor(model, ...turns),
    requests: () => fake.requests,
    violations: () => fake.violations,
    remaining: () => fake.remaining(),
    close: () => fake.close(),
  };
}
