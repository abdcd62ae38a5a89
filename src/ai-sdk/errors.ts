/**
 * Failures of AI SDK language models as Temporal ApplicationFailures, classified as
 * src/models/api-errors.ts classifies the vendor SDKs' (the same failure types, so the workflow's
 * retry policy and PERMANENT_MODEL_ERRORS apply unchanged): 408, 409, 429, 5xx, timeouts, lost
 * connections and errors the service sends inside a stream with a retryable type are retried by
 * Temporal with backoff (honouring retry-after); every other HTTP status, a missing key, an
 * unknown model, an unparseable answer and a request the provider itself refuses fail at once,
 * with a readable reason. The provider's own retries are never used: the adapter calls `doStream`
 * once per attempt.
 */
import {
  APICallError,
  EmptyResponseBodyError,
  InvalidArgumentError,
  InvalidPromptError,
  InvalidResponseDataError,
  JSONParseError,
  LoadAPIKeyError,
  LoadSettingError,
  NoSuchModelError,
  TypeValidationError,
  UnsupportedFunctionalityError,
} from '@ai-sdk/provider';
import { ApplicationFailure } from '@temporalio/common';
import { oneLine } from '../agent/types.js';
import { isRetryableStatus, MAX_RETRY_AFTER_MS, NON_RETRYABLE_STATUS, STREAM_ERROR_STATUS } from '../models/api-errors.js';

/** How the failure names the model and where its requests go. */
export interface ModelDescription {
  /** e.g. `openai-compatible.chat`, or the name the worker gave. */
  vendor: string;
  modelId: string;
}

export function classifyAiSdkError(error: unknown, model: ModelDescription): ApplicationFailure {
  const { vendor } = model;
  if (error instanceof ApplicationFailure) return error;
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    if (status === undefined) {
      // No answer at all: fetch failed (refused, reset, DNS) before any status.
      return failure('ModelConnectionFailed', `could not reach ${vendor} at ${originOf(error.url)}: ${deepestCause(error)}`, !error.isRetryable);
    }
    // Reading the answer failed after a 2xx (a connection cut mid-stream, a body that does not parse): what failed says what it is.
    if (status < 400) return error.cause !== undefined ? classifyAiSdkError(error.cause, model) : failure('MalformedModelResponse', `${vendor} returned an answer it could not read: ${line(error.message)}`, true);
    const detail = `HTTP ${status}${codeOf(error.data) ? ` ${codeOf(error.data)}` : ''}: ${line(messageOf(error.data) ?? error.message)}`;
    if (isRetryableStatus(status)) {
      return failure(status === 429 ? 'ModelRateLimited' : 'ModelServiceUnavailable', `${vendor} ${status === 429 ? 'rate limited the request' : 'failed'} (${detail})`, false, retryAfterMs(error.responseHeaders));
    }
    const hint = status === 401 ? "; check the provider's API key" : status === 404 ? '; check the model id and the base URL' : '';
    return failure(NON_RETRYABLE_STATUS[status] ?? 'ModelRequestRejected', `${vendor} rejected the request (${detail})${hint}`, true);
  }
  if (LoadAPIKeyError.isInstance(error) || LoadSettingError.isInstance(error)) {
    return failure('ModelCredentialsMissing', `${vendor} is not configured on the worker: ${line(error.message)}`, true);
  }
  if (NoSuchModelError.isInstance(error)) return failure('ModelNotFound', `${vendor} has no model "${model.modelId}": ${line(error.message)}`, true);
  if (InvalidPromptError.isInstance(error) || UnsupportedFunctionalityError.isInstance(error) || InvalidArgumentError.isInstance(error)) {
    return failure('ModelClientError', `${vendor} refused the request before sending it: ${line(error.message)}`, true);
  }
  if (JSONParseError.isInstance(error) || TypeValidationError.isInstance(error) || InvalidResponseDataError.isInstance(error) || EmptyResponseBodyError.isInstance(error)) {
    return failure('MalformedModelResponse', `${vendor} returned a malformed response: ${line(error.message)}`, true);
  }
  // An error the service sent inside the stream, as the provider passes it on: the body's error object.
  const streamed = streamErrorStatus(error);
  if (streamed !== undefined) {
    const detail = `stream error${codeOf(error) ? ` ${codeOf(error)}` : ''}: ${line(messageOf(error) ?? JSON.stringify(error))}`;
    if (isRetryableStatus(streamed)) return failure(streamed === 429 ? 'ModelRateLimited' : 'ModelServiceUnavailable', `${vendor} failed (${detail})`, false);
    return failure(NON_RETRYABLE_STATUS[streamed] ?? 'ModelRequestRejected', `${vendor} rejected the request (${detail})`, true);
  }
  // Anything else (a socket reset while reading the stream) is transient until proven otherwise.
  const err = error as { name?: string; message?: string } | undefined;
  return failure(err?.name || 'Error', `${vendor} call failed: ${error instanceof Error ? deepestCauses(error) : line(String(error))}`, false);
}

/** The call ran past its deadline (the adapter aborted it): retried, like a service that does not answer. */
export function modelTimedOut(vendor: string, ms: number, started: boolean): ApplicationFailure {
  return failure('ModelTimeout', started ? `${vendor} did not finish streaming its answer within ${ms} ms` : `${vendor} did not answer within ${ms} ms`, false);
}

/** The stream ended before the answer was complete (no finish, or the provider says it was interrupted): retried. */
export function streamIncomplete(vendor: string, missing: string): ApplicationFailure {
  return failure('ModelStreamIncomplete', `${vendor}'s stream ended before the answer was complete (${missing})`, false);
}

export function malformedResponse(vendor: string, problem: string): ApplicationFailure {
  return failure('MalformedModelResponse', `${vendor} returned a malformed response: ${line(problem)}`, true);
}

/** A model this adapter cannot drive (an unknown specification version, a model id string). */
export function unsupportedModel(vendor: string, problem: string): ApplicationFailure {
  return failure('ModelClientError', `${vendor}: ${line(problem)}`, true);
}

/** The status a plain error object from inside a stream stands for, or undefined when it is not one. */
function streamErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || error instanceof Error) return undefined;
  const body = error as { type?: unknown; code?: unknown; error?: { type?: unknown; code?: unknown } };
  const names = [body.code, body.type, body.error?.code, body.error?.type].filter((name): name is string => typeof name === 'string');
  return names.map((name) => STREAM_ERROR_STATUS[name]).find((status) => status !== undefined) ?? 500;
}

/** The service's own message: `{ error: { message } }`, `{ message }`. */
function messageOf(data: unknown): string | undefined {
  const body = data as { message?: unknown; error?: { message?: unknown } } | undefined;
  return [body?.error?.message, body?.message].find((m): m is string => typeof m === 'string' && m.trim() !== '');
}

function codeOf(data: unknown): string | undefined {
  const body = data as { code?: unknown; type?: unknown; error?: { code?: unknown; type?: unknown } } | undefined;
  return [body?.error?.code, body?.code, body?.error?.type, body?.type].find((c): c is string => typeof c === 'string' && c !== '');
}

function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  const ms = Number(headers?.['retry-after-ms'] ?? NaN);
  const seconds = Number(headers?.['retry-after'] ?? NaN);
  const delay = Number.isFinite(ms) ? ms : seconds * 1000;
  return Number.isFinite(delay) && delay > 0 && delay <= MAX_RETRY_AFTER_MS ? delay : undefined;
}

function originOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return url;
  }
}

function deepestCause(error: Error): string {
  let cause: unknown = error;
  const messages: string[] = [];
  for (let depth = 0; cause instanceof Error && depth < 5; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    messages.push(typeof code === 'string' ? `${cause.message} (${code})` : cause.message);
    cause = cause.cause;
  }
  return line(messages.at(-1) ?? String(error));
}

/** `terminated (other side closed)`: the error's message and its innermost cause's. */
function deepestCauses(error: Error): string {
  const deepest = deepestCause(error);
  return line(deepest === error.message ? deepest : `${error.message} (${deepest})`);
}

function failure(type: string, message: string, nonRetryable: boolean, nextRetryDelayMs?: number): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable, ...(nextRetryDelayMs !== undefined ? { nextRetryDelay: nextRetryDelayMs } : {}) });
}

const line = (text: string): string => oneLine(text, 300);
