/** A Temporal SDK logger that prints errors only: bundling and workers in tests, benches and the demo stay quiet. */
import type { Logger } from '@temporalio/common';

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
