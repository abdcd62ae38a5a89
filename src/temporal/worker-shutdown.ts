/**
 * A worker's graceful shutdown, as `hitl worker`, `dev` and `demo` run it. On SIGTERM (or Ctrl-C)
 * the worker stops polling and gives its running activities the grace (`AGENT_SHUTDOWN_GRACE_MS`,
 * default 25 s) to finish. At its end Temporal's SDK cancels what still runs ("WORKER_SHUTDOWN"):
 * an activity that stops on it fails its attempt, and the server retries it at once on another
 * worker (handed back). Tool bodies see it as `context.signal`; model calls and other reads are
 * handed back even if they do not listen (they change nothing). An activity that ignores it is
 * given up after a few seconds more (`shutdownForceTime`): the worker stops without it and the
 * server retries it once its heartbeat timeout passes, as after a crash.
 *
 * `ActivityShutdown` is the activity interceptor that does the handing back and counts what
 * finished and what was handed back, for the lines the worker prints.
 */
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInterceptorsFactory } from '@temporalio/worker';

export const SHUTDOWN_GRACE_ENV = 'AGENT_SHUTDOWN_GRACE_MS';

/** Under Kubernetes' default terminationGracePeriodSeconds (30 s), with room for the margin below. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;

/** After the grace: how long activities that ignore their cancellation get before the worker stops without them. */
export const SHUTDOWN_FORCE_MARGIN_MS = 3_000;

/** The failure type of an attempt handed back at shutdown (what Temporal itself reports for a cancelled one). */
export const HANDED_BACK_TYPE = 'WorkerShutdown';

/** The grace from `AGENT_SHUTDOWN_GRACE_MS` (milliseconds), else the default; a TypeError naming the variable for anything but a whole number. */
export function shutdownGraceFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[SHUTDOWN_GRACE_ENV];
  if (text === undefined || text.trim() === '') return DEFAULT_SHUTDOWN_GRACE_MS;
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) throw new TypeError(`${SHUTDOWN_GRACE_ENV} must be a whole number of milliseconds (0 or more), not "${text}"`);
  return value;
}

/** Activities that never end by themselves (a sub-agent's watch on its caller): handed back as soon as shutdown starts. */
const ENDLESS = new Set(['watchCaller']);

/** Activities that change nothing (model calls and reads): handed back at the end of the grace even if they ignore their cancellation. */
const NO_SIDE_EFFECTS = new Set(['invokeModel', 'invokeModelDelta', 'remoteTools', 'approverKeys', 'runState']);

interface Running {
  label: string;
  endless: boolean;
  handBack(): void;
}

export interface ShutdownReport {
  /** Activities (by label) that ended by themselves after shutdown started. */
  finished: string[];
  /** Activities whose attempt ended unfinished: Temporal retries them on another worker. */
  handedBack: string[];
  /** Activities still running (the worker stops without them when its force time passes). */
  running: string[];
}

export class ActivityShutdown {
  private readonly running = new Set<Running>();
  private started = false;
  private readonly finished: string[] = [];
  private readonly handedBack: string[] = [];

  /** For `interceptors.activity`. */
  readonly interceptor: ActivityInterceptorsFactory = (context) => ({
    inbound: { execute: (input, next) => this.execute(context, input, next) },
  });

  /** Shutdown starts: hands back the endless activities at once; returns the labels of those left to finish. */
  begin(): string[] {
    this.started = true;
    for (const activity of this.running) if (activity.endless) activity.handBack();
    return this.report().running;
  }

  report(): ShutdownReport {
    return { finished: [...this.finished], handedBack: [...this.handedBack], running: [...this.running].filter((activity) => !activity.endless).map((activity) => activity.label) };
  }

  private async execute(context: Context, input: ActivityExecuteInput, next: (input: ActivityExecuteInput) => Promise<unknown>): Promise<unknown> {
    const type = context.info.activityType;
    let handBack!: (reason: Error) => void;
    const handedBack = new Promise<never>((_, reject) => (handBack = reject));
    handedBack.catch(() => undefined);
    const activity: Running = {
      label: labelOf(type, input.args),
      endless: ENDLESS.has(type),
      handBack: () => handBack(ApplicationFailure.retryable('the worker is shutting down: this attempt is handed back to another worker', HANDED_BACK_TYPE)),
    };
    this.running.add(activity);
    if (this.started && activity.endless) activity.handBack();
    const run = next(input);
    // Whatever the body does after it was handed back is nobody's business (the process is about to exit).
    run.catch(() => undefined);
    const races: Promise<unknown>[] = [run, handedBack];
    if (NO_SIDE_EFFECTS.has(type)) races.push(context.cancelled);
    try {
      const result = await Promise.race(races);
      if (this.started) this.finished.push(activity.label);
      return result;
    } catch (error) {
      if (this.started) (isHandBack(error, context) ? this.handedBack : this.finished).push(activity.label);
      throw error;
    } finally {
      this.running.delete(activity);
    }
  }
}

/** Ended unfinished because of the shutdown: our own hand-back, or the SDK's cancellation, accepted. */
function isHandBack(error: unknown, context: Context): boolean {
  if (error instanceof ApplicationFailure && error.type === HANDED_BACK_TYPE) return true;
  const cancelled = error instanceof CancelledFailure || (error instanceof Error && error.name === 'AbortError');
  return cancelled && context.cancellationSignal.aborted;
}

/** `tool delete_files`, `model call`, `sub-agent watch`, else the activity's type. */
function labelOf(type: string, args: unknown[]): string {
  if (type === 'runTool') {
    const name = (args[0] as { toolUse?: { name?: unknown } } | undefined)?.toolUse?.name;
    return typeof name === 'string' ? `tool ${name}` : 'tool';
  }
  if (type === 'invokeModel' || type === 'invokeModelDelta') return 'model call';
  if (type === 'watchCaller') return 'sub-agent watch';
  return type;
}
