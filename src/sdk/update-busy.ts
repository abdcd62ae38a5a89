/**
 * Whether an update was refused because the run holds as many open updates as it takes for now:
 * its own limit for watchers and waiters (src/workflows/parked-limit.ts), or Temporal's on updates
 * in flight (RESOURCE_EXHAUSTED). Either passes once the run moves; the caller tries again later.
 */
import { ApplicationFailure } from '@temporalio/common';
import { BUSY_FAILURE_TYPE } from '../workflows/messages.js';

/** gRPC's RESOURCE_EXHAUSTED. */
const RESOURCE_EXHAUSTED = 8;

export function isBusyRefusal(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ApplicationFailure && cause.type === BUSY_FAILURE_TYPE) return true;
    if ((cause as { code?: unknown }).code === RESOURCE_EXHAUSTED && /in-flight updates/.test(cause.message)) return true;
  }
  return false;
}
