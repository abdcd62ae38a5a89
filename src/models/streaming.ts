/**
 * What the built-in providers share when they stream (`InvokeOptions.onText`): a deadline for the
 * whole streamed call, tool input that arrives as JSON fragments, and the caller's `onText` kept
 * apart from the service's errors.
 */
import { UNPARSEABLE_ARGUMENTS, type JsonValue } from '../agent/types.js';

/**
 * The whole streamed call, first byte to last, within `ms`. The SDKs' own timeouts end with the
 * response headers; a stream that stalls after them would otherwise hold the call until the
 * activity times out, and keep its connection after that.
 */
export class StreamDeadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private fired = false;

  constructor(readonly ms: number) {
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort();
    }, ms);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The deadline passed (and aborted the request): whatever the SDK threw or ended with, the call timed out. */
  get expired(): boolean {
    return this.fired;
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** An error of the caller's `onText`, carried through the SDK's stream and passed on as it was thrown. */
export class CallerError {
  constructor(readonly error: unknown) {}
}

/** `onText` for each non-empty piece; what it throws is wrapped in `CallerError`, never taken for the service's failure. */
export function textSink(onText: (delta: string) => void): (delta: string) => void {
  return (delta) => {
    if (delta === '') return;
    try {
      onText(delta);
    } catch (error) {
      throw new CallerError(error);
    }
  };
}

/** Tool input put together from its streamed JSON fragments: none means `{}`; anything unparseable is marked for the loop to refuse. */
export function parseToolInput(raw: string): JsonValue {
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw) as JsonValue;
  } catch {
    return { [UNPARSEABLE_ARGUMENTS]: raw };
  }
}
