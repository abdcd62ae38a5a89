/**
 * The model activity's side of a run's stream: the answer's text, published to the run as the
 * provider streams it (text-start, text-delta…, text-end; see src/agent/run-events.ts). Every
 * publish is a signal, an event in the run's history, so the pieces are gathered: the first goes
 * at once (the first token reaches watchers without waiting), then what arrived meanwhile goes as
 * one delta every BATCH_MS. A retried attempt first says so (`data-retry`), so that watchers drop
 * the text the failed attempt streamed. The run reads only the activity's result: replay never
 * depends on what was streamed.
 */
import { activityInfo } from '@temporalio/activity';
import { WorkflowStreamClient } from '@temporalio/workflow-streams/client';
import { RUN_EVENTS_TOPIC, type RunEvent } from '../agent/run-events.js';

/** How often gathered text is sent to the run after its first piece. */
export const BATCH_MS = 250;
/** Gathered text this long goes at once (a fast model's quarter second stays one modest signal). */
const MOST_BATCH_CHARS = 64 * 1024;

export class TextStream {
  private started = false;
  private gathered = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly events;
  /**
   * When the attempt's start-to-close timeout passes. The server has given up on it then and may
   * run the next attempt, which says `data-retry`: an attempt still running past it (a provider
   * that answered late) publishes nothing more, or its text would land after the retry's.
   */
  private readonly deadline: number;

  private constructor(
    private readonly id: string,
    private readonly client: WorkflowStreamClient,
  ) {
    this.events = client.topic<RunEvent>(RUN_EVENTS_TOPIC);
    const { attempt, startToCloseTimeoutMs, currentAttemptScheduledTimestampMs } = activityInfo();
    this.deadline = startToCloseTimeoutMs > 0 ? currentAttemptScheduledTimestampMs + startToCloseTimeoutMs : Infinity;
    if (attempt > 1) this.events.publish({ type: 'data-retry', data: { id, attempt } }, { forceFlush: true });
  }

  private get late(): boolean {
    return Date.now() >= this.deadline;
  }

  /** A stream of message `id` to the run this activity works for. */
  static open(id: string): TextStream {
    return new TextStream(id, WorkflowStreamClient.fromWithinActivity({ batchInterval: BATCH_MS, maxRetryDuration: '20 seconds' }));
  }

  /** Whether any text was streamed. */
  get streamed(): boolean {
    return this.started;
  }

  text(delta: string): void {
    if (delta === '' || this.late) return;
    if (!this.started) {
      this.started = true;
      this.events.publish({ type: 'text-start', id: this.id });
      this.events.publish({ type: 'text-delta', id: this.id, delta }, { forceFlush: true });
      return;
    }
    this.gathered += delta;
    if (this.gathered.length >= MOST_BATCH_CHARS) this.sendGathered();
    else this.timer ??= setTimeout(() => this.sendGathered(), BATCH_MS);
  }

  /**
   * Ends the message and waits until the run has every piece: before the activity's result, so
   * watchers see the text before what follows it. The model call never fails for its stream: if the
   * run could not be told, `streamed` turns false and the run publishes the whole text itself (a
   * second `text-start` for a message replaces what watchers had of it).
   */
  async close(): Promise<void> {
    this.sendGathered();
    if (this.started && !this.late) this.events.publish({ type: 'text-end', id: this.id });
    await this.client[Symbol.asyncDispose]().catch(() => (this.started = false));
  }

  /** Stops sending (the attempt failed): what was gathered is dropped, the next attempt says `data-retry`. */
  async abandon(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.client[Symbol.asyncDispose]().catch(() => undefined);
  }

  private sendGathered(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.gathered === '' || this.late) return;
    this.events.publish({ type: 'text-delta', id: this.id, delta: this.gathered }, { forceFlush: true });
    this.gathered = '';
  }
}
