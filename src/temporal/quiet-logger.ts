/** A Temporal SDK logger that prints errors only: bundling and workers in tests, benches and the demo stay quiet. */
import type { Logger } from '@temporalio/common';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';

export const errorsOnlyLogger: Logger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error(message: string, meta?: unknown) {
    console.error(message, meta ?? '');
  },
};

/** Installs a worker runtime that prints errors only, for processes whose workers should stay quiet (fault suite, replay checks). */
export function installQuietRuntime(): void {
  Runtime.install({ logger: errorsOnlyLogger, telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } } });
}
