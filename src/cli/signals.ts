/**
 * Ctrl-C and SIGTERM: the first one aborts the returned signal (commands shut down gracefully:
 * stop asking, stop the worker, stop the embedded server); a second one exits at once.
 */
import { Interrupted } from './errors.js';

let controller: AbortController | undefined;

export function shutdownSignal(): AbortSignal {
  if (controller) return controller.signal;
  const current = new AbortController();
  controller = current;
  const onSignal = (name: NodeJS.Signals) => {
    if (current.signal.aborted) process.exit(130);
    current.abort(new Interrupted(`received ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return current.signal;
}

/** Requests the same shutdown as a signal would (used by Ctrl-C inside the terminal question). */
export function requestShutdown(reason = 'interrupted'): void {
  shutdownSignal();
  controller?.abort(new Interrupted(reason));
}

/** Resolves with `promise`, or rejects with `Interrupted` as soon as `signal` aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(reasonOf(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reasonOf(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Interrupted();
}
