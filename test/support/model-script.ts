/**
 * Scripted model turns in one provider-neutral format, played by every fake model server:
 * FakeOpenAI and FakeAnthropic directly, FakeBedrock through `toBedrockReply`. A scenario
 * written once therefore runs against every provider through its official SDK client.
 */
import type { RecordedRequest as BedrockRecordedRequest, ScriptedReply as BedrockReply } from './fake-bedrock.js';

/** What a fake received: the model id, the parsed JSON body (`undefined` if not JSON) and the headers. */
export interface RecordedModelRequest {
  model: string;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
}

export interface ScriptedToolUse {
  name: string;
  input: unknown;
  /** Omitted: the fake makes a fresh id. `null`: the reply carries no id at all. `''`: an empty id. */
  id?: string | null;
  /** OpenAI only: the `arguments` string exactly as sent (for example text that is not JSON). */
  rawArguments?: string;
}

export type ScriptedTurn =
  /** `stopReason` in Converse terms (end_turn, max_tokens, content_filtered, stop_sequence, ...); each fake maps it. */
  | { kind: 'text'; text: string; stopReason?: string; usage?: TokenCounts }
  /** Several uses are parallel tool calls in one assistant turn. */
  | { kind: 'toolUse'; uses: ScriptedToolUse[]; text?: string; usage?: TokenCounts }
  /** An HTTP error in the service's own error envelope; `code` defaults to the service's code for the status. */
  | { kind: 'error'; status: number; code?: string; message?: string; headers?: Record<string, string> }
  | { kind: 'raw'; status: number; body: string; contentType?: string }
  /** The connection is closed without an answer. */
  | { kind: 'drop' }
  | { kind: 'delay'; ms: number; then: ScriptedTurn }
  | { kind: 'respond'; fn: (request: RecordedModelRequest) => ScriptedTurn };

/** Deterministic token estimate: a quarter of the character count, at least 1. */
export const estimateTokens = (chars: number): number => Math.max(1, Math.ceil(chars / 4));

/** The AWS exception each HTTP status stands for in Bedrock. */
const BEDROCK_ERROR_TYPES: Record<number, string> = {
  400: 'ValidationException',
  401: 'UnrecognizedClientException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

/** The turn as a FakeBedrock reply. Bedrock cannot express raw OpenAI arguments or a dropped connection. */
export function toBedrockReply(turn: ScriptedTurn): BedrockReply {
  switch (turn.kind) {
    case 'text':
      return { kind: 'text', text: turn.text, ...(turn.stopReason ? { stopReason: turn.stopReason } : {}), ...(turn.usage ? { usage: turn.usage } : {}) };
    case 'toolUse':
      return {
        kind: 'toolUse',
        ...(turn.text !== undefined ? { text: turn.text } : {}),
        uses: turn.uses.map((use) => {
          if (use.rawArguments !== undefined) throw new Error('toBedrockReply: Bedrock tool input is JSON, it cannot carry raw arguments');
          // Bedrock always sends an id; `null` (none) becomes a fresh one.
          return { name: use.name, input: use.input, ...(typeof use.id === 'string' ? { toolUseId: use.id } : {}) };
        }),
      };
    case 'error':
      return { kind: 'error', status: turn.status, type: turn.code ?? BEDROCK_ERROR_TYPES[turn.status] ?? 'InternalServerException', ...(turn.message ? { message: turn.message } : {}) };
    case 'raw':
      return { kind: 'raw', status: turn.status, body: turn.body, ...(turn.contentType ? { contentType: turn.contentType } : {}) };
    case 'drop':
      throw new Error('toBedrockReply: FakeBedrock cannot drop a connection');
    case 'delay':
      return { kind: 'delay', ms: turn.ms, then: toBedrockReply(turn.then) };
    case 'respond':
      return { kind: 'respond', fn: (request: BedrockRecordedRequest) => toBedrockReply(turn.fn({ model: request.modelId, body: request.body, headers: request.headers })) };
  }
}
