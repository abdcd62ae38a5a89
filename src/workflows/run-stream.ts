/**
 * The run's stream (@temporalio/workflow-streams): an offset-addressed log of RunEvents that
 * watchers read from any offset (AgentClient.stream, `hitl watch`, the web inbox, the AI SDK chat
 * handler). The model activity publishes the text it streams; the run publishes the rest here: the
 * tool calls the model asks for and their results, each question when it starts to wait, each
 * answer, and the end. Publishing here writes nothing to the run's history (the log is rebuilt on
 * replay from the same code and the activity's signals), and the run never reads it back.
 *
 * The log lives in the run's memory and travels with continue-as-new, shortened to its last
 * CARRIED_EVENTS events within CARRIED_BYTES: a watcher that resumes from before that is told its
 * offset was truncated, and starts again at the oldest kept.
 */
import { ApplicationFailure, defaultPayloadConverter, setHandler } from '@temporalio/workflow';
import { decodePayloadWire, WorkflowStream, workflowStreamPollUpdate, type PollInput, type PollResult, type WorkflowStreamState } from '@temporalio/workflow-streams/workflow';
import type { AnsweredInterrupt, Interrupt } from '../agent/interrupts.js';
import { RUN_EVENTS_TOPIC, type RunEvent } from '../agent/run-events.js';
import { ParkedLimit } from './parked-limit.js';
import { runEventsQuery, type RunEventsPage } from './messages.js';

const CARRIED_EVENTS = 1000;
const CARRIED_BYTES = 256 * 1024;
/** Watchers' polls a run holds at once (see parked-limit.ts); a client shares one per run among its watchers. */
const MOST_WATCHERS = 5;
/** About the most one page of `runEvents` carries (a query's answer has the same limits as a payload). */
const PAGE_CHARS = 1_000_000;

/** The stream's own poll handler, which it registers without a limit (@temporalio/workflow-streams 1.23; private there). */
type PollHandler = { onPoll(input: PollInput): Promise<PollResult> };

/** What a run carries of its stream across continue-as-new. */
export interface CarriedStream {
  state: WorkflowStreamState;
  asked: string[];
  answered: string[];
}

export class RunStream {
  private readonly stream: WorkflowStream;
  private readonly events;
  /** Questions and answers told already (a run that continued as new does not tell them again). */
  private readonly asked: Set<string>;
  private readonly answered: Set<string>;

  constructor(prior: Partial<CarriedStream> = {}) {
    this.stream = new WorkflowStream(prior.state);
    this.limitWatchers();
    setHandler(runEventsQuery, (from) => this.page(from));
    this.events = this.stream.topic<RunEvent>(RUN_EVENTS_TOPIC);
    this.asked = new Set(prior.asked);
    this.answered = new Set(prior.answered);
  }

  /** Registers the stream's poll again, its handler held to MOST_WATCHERS at once, after its own check (a run handing off). */
  private limitWatchers(): void {
    const stream = this.stream as unknown as PollHandler & { draining: boolean };
    const watchers = new ParkedLimit('watchers waiting for events', MOST_WATCHERS);
    setHandler(workflowStreamPollUpdate, (input) => watchers.hold(() => stream.onPoll(input)), {
      validator: (_input: PollInput) => {
        // The stream's own refusal while the run hands off: its clients know the type and follow to the next run.
        if (stream.draining) throw ApplicationFailure.create({ type: 'StreamDraining', nonRetryable: true, message: 'Workflow is draining for continue-as-new' });
        watchers.admit();
      },
    });
  }

  /** The log from `from` (or its oldest kept event), at most about PAGE_CHARS of it. Reads only: a query. */
  private page(from: number): RunEventsPage {
    const { log, base_offset: base } = this.stream.getState();
    const events: RunEventsPage['events'] = [];
    let chars = 0;
    let offset = Math.max(from, base);
    for (; offset < base + log.length; offset += 1) {
      const item = log[offset - base]!;
      if (item.topic !== RUN_EVENTS_TOPIC) continue;
      if (events.length > 0 && chars + item.data.length > PAGE_CHARS) break;
      chars += item.data.length;
      events.push({ offset, event: defaultPayloadConverter.fromPayload<RunEvent>(decodePayloadWire(item.data)) });
    }
    return { events, next: offset, more: offset < base + log.length };
  }

  publish(event: RunEvent): void {
    this.events.publish(event);
  }

  /** Tells the questions that started to wait, and the answers given, since it was last told. */
  questions(pending: readonly Interrupt[], answered: readonly AnsweredInterrupt[]): void {
    for (const question of pending) {
      if (this.asked.has(question.id)) continue;
      this.asked.add(question.id);
      this.publish({ type: 'tool-approval-request', approvalId: question.id, ...(question.toolUseId !== undefined ? { toolCallId: question.toolUseId } : {}), question });
    }
    for (const answer of answered) {
      if (this.answered.has(answer.interruptId)) continue;
      this.answered.add(answer.interruptId);
      this.publish({
        type: 'data-answer',
        data: {
          interruptId: answer.interruptId,
          response: answer.response,
          answeredAt: answer.answeredAt,
          ...(answer.respondedBy !== undefined ? { respondedBy: answer.respondedBy } : {}),
          ...(answer.verified !== undefined ? { verified: answer.verified } : {}),
          ...(answer.interrupt.binding ? { binding: answer.interrupt.binding } : {}),
        },
      });
    }
  }

  /** The run ends: the last event, and every watcher waiting for more is let go (the run waits for its handlers). */
  end(event: RunEvent): void {
    this.publish(event);
    this.stream.detachPollers();
  }

  /** The run is about to continue as new: watchers waiting for more are let go (they follow to the new run). */
  detach(): void {
    this.stream.detachPollers();
  }

  /** What continue-as-new carries (once the run's handlers have finished): the log's last events, and what was told. */
  handOff(): CarriedStream {
    const state = this.stream.getState();
    // The newest events that fit the budget (the carry is part of the new run's input).
    let kept = 0;
    let bytes = 0;
    while (kept < Math.min(CARRIED_EVENTS, state.log.length) && bytes + state.log[state.log.length - 1 - kept]!.data.length <= CARRIED_BYTES) {
      bytes += state.log[state.log.length - 1 - kept]!.data.length;
      kept += 1;
    }
    const keepFrom = state.base_offset + state.log.length - kept;
    if (keepFrom > state.base_offset) this.stream.truncate(keepFrom);
    return { state: this.stream.getState(), asked: [...this.asked], answered: [...this.answered] };
  }
}
