/**
 * Keeps a running tool alive in Temporal's eyes: the tool activity has a short heartbeat
 * timeout, so a worker that dies mid-tool is noticed within it and the call is retried
 * elsewhere. Bodies need not do anything: after the first few seconds (short calls send no
 * heartbeat at all) the activity heartbeats every few seconds, repeating the last details the
 * body recorded. The SDK throttles what actually reaches the server, so the details a retry sees
 * may lag the body's last call: they are a hint for resuming, not a record (keep exact records
 * on disk, as the delete journal does).
 */
import { Context } from '@temporalio/activity';
import type { JsonValue } from '../agent/types.js';

export interface HeartbeatTiming {
  /** No heartbeat before this (calls that end sooner cost nothing). */
  firstAfterMs: number;
  everyMs: number;
}

/** Well inside the tool activity's 20 s heartbeat timeout, even with the SDK's throttling. */
export const TOOL_HEARTBEAT: HeartbeatTiming = { firstAfterMs: 3_000, everyMs: 5_000 };

export class ToolHeartbeat {
  private details: JsonValue | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** `activity` is undefined outside a Temporal activity (the local runner): then nothing is sent. */
  private constructor(private readonly activity: Context | undefined) {}

  /** Starts heartbeating for the current activity, if there is one. */
  static start(timing: HeartbeatTiming): ToolHeartbeat {
    const heartbeat = new ToolHeartbeat(currentActivity());
    if (heartbeat.activity) {
      heartbeat.timer = setTimeout(function beat() {
        heartbeat.send();
        heartbeat.timer = setTimeout(beat, timing.everyMs);
      }, timing.firstAfterMs);
    }
    return heartbeat;
  }

  /** This attempt's number (1 for the first), and what the previous attempt last recorded. */
  get attempt(): number {
    return this.activity?.info.attempt ?? 1;
  }

  get previousDetails(): JsonValue | undefined {
    return (this.activity?.info.heartbeatDetails as JsonValue | undefined) ?? undefined;
  }

  /** Aborted when Temporal cancels the attempt (above all: the worker shuts down past its grace); never outside an activity. */
  get signal(): AbortSignal {
    return this.activity?.cancellationSignal ?? NEVER_ABORTED;
  }

  /** Records progress details and heartbeats now. */
  record(details?: JsonValue): void {
    if (details !== undefined) this.details = details;
    this.send();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private send(): void {
    this.activity?.heartbeat(this.details);
  }
}

const NEVER_ABORTED = new AbortController().signal;

function currentActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
