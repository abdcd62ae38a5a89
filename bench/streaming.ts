/**
 * 9. Streaming: the model's text reaching a watcher while the model writes it. The fake Bedrock
 * answers model id `bench-stream` with the text the prompt describes (its length, in how many
 * pieces, the pause between pieces, and how long the model "thinks" before its first piece).
 *
 * - Time to first token, interleaved: the product's Bedrock provider called in this process
 *   (`direct`: until its first `onText`); ours (`AgentClient.start` of a one-turn run, then
 *   `AgentClient.stream` from offset 0: until the first `text-delta`); and the floor (a bare
 *   workflow hosting the SDK's WorkflowStream, one activity calling the same provider and
 *   publishing with `WorkflowStreamClient.fromWithinActivity`, the client subscribed from the start).
 * - History: what streaming one turn of ~1,000 tokens adds to a run's history, with no watcher and
 *   with one: the stream's publish signals and the watchers' poll updates (accepted, completed).
 * - Many runs streaming at once, one consumer each: every consumer must get every delta in order
 *   (the benchmark fails otherwise), and how long the first token takes under that load.
 */
import { createRequire } from 'node:module';
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowStreamClient } from '@temporalio/workflow-streams/client';
import { workflowStreamPollUpdate, workflowStreamPublishSignal } from '@temporalio/workflow-streams/workflow';
import { messageIdOf } from '../src/agent/run-events.js';
import { BedrockProvider } from '../src/models/bedrock.js';
import { costRow, log, median, percentile, rateRow, round, workflowId, type BenchEnv, type BenchResult } from './harness.js';
import type { Queues } from './per-step.js';
import {
  BENCH_AGENT,
  FLOOR_STREAM_TOPIC,
  FLOOR_STREAM_WORKFLOW,
  STREAM_MODEL,
  streamRequest,
  type FloorStreamEvent,
  type FloorStreamInput,
} from './protocol.js';

/** How the fake model answers: `chars` of text in at most `pieces` pieces, `pieceMs` apart, the first after `firstMs`. */
export interface AnswerShape {
  chars: number;
  pieces: number;
  pieceMs: number;
  firstMs: number;
}

export interface StreamingOptions {
  /** Time-to-first-token samples per side. */
  ttftSamples: number;
  /** The answer of the time-to-first-token runs (short: only its first piece is timed). */
  ttftAnswer: AnswerShape;
  /** The answer of the history and crowd runs: ~1,000 tokens. */
  longAnswer: AnswerShape;
  /** Runs streaming at once, one consumer each. */
  crowd: number;
}

interface Answer extends AnswerShape {
  /** Makes each run's text its own, so that a consumer that got another run's text is caught. */
  seed: string;
}

const PROMPT_PREFIX = 'stream ';
const promptOf = (answer: Answer): string => `${PROMPT_PREFIX}${JSON.stringify(answer)}`;

/** The text the fake streams for `answer`: words `seed:i` until `chars` characters. */
export function answerText(answer: Answer): string {
  const words: string[] = [];
  for (let i = 0, length = 0; length < answer.chars; i++) {
    const word = `${answer.seed}:${i}`;
    words.push(word);
    length += word.length + 1;
  }
  return words.join(' ');
}

/** The fake Bedrock answers STREAM_MODEL from the prompt (the conversation's first message). */
function registerModel(env: BenchEnv): void {
  env.bedrock.respondFor(STREAM_MODEL.modelId, (request) => {
    const prompt = String(request.body?.messages?.[0]?.content?.[0]?.text ?? '');
    if (!prompt.startsWith(PROMPT_PREFIX)) throw new Error(`not a streaming bench prompt: ${prompt.slice(0, 80)}`);
    const answer = JSON.parse(prompt.slice(PROMPT_PREFIX.length)) as Answer;
    return { kind: 'text', text: answerText(answer), maxPieces: answer.pieces, pieceDelayMs: answer.pieceMs, firstPieceDelayMs: answer.firstMs };
  });
}

// ---- one run per side ----

/** What one consumer saw; `problems` is empty when it got every delta, in order, and one finish. */
interface Watched {
  ttftMs: number;
  /** From the start call to its return (ours: once a worker accepted the run). */
  startMs: number;
  events: number;
  problems: string[];
}

/**
 * Ours: starts a one-turn run and reads its stream from offset 0 to `finish`, rebuilding the text
 * per message as a UI does (a `text-start` or a `data-retry` starts the message again).
 */
async function oursRun(env: BenchEnv, queues: Queues, answer: Answer, watch = true): Promise<Watched & { workflowId: string }> {
  const agents = env.agents(queues.agent);
  const expected = answerText(answer);
  const started = performance.now();
  const { workflowId: id } = await agents.start({ agent: BENCH_AGENT, prompt: promptOf(answer), model: STREAM_MODEL, workflowId: workflowId('streaming') });
  const startMs = performance.now() - started;
  const problems: string[] = [];
  const texts = new Map<string, string>();
  let ttftMs = Number.NaN;
  let events = 0;
  let finishes = 0;
  let last = -1;
  if (watch) {
    for await (const { offset, event } of agents.stream(id, { from: 0 })) {
      events += 1;
      if (offset <= last) problems.push(`offset ${offset} after ${last}`);
      last = offset;
      if (event.type === 'text-start') texts.set(event.id, '');
      else if (event.type === 'data-retry') texts.set(event.data.id, '');
      else if (event.type === 'text-delta') {
        if (Number.isNaN(ttftMs)) ttftMs = performance.now() - started;
        const sofar = texts.get(event.id);
        if (sofar === undefined) problems.push(`text-delta of ${event.id} before its text-start`);
        texts.set(event.id, (sofar ?? '') + event.delta);
      } else if (event.type === 'finish') {
        finishes += 1;
        if (event.status !== 'completed') problems.push(`finished ${event.status}`);
        if (event.text !== expected) problems.push(`finish carries ${event.text?.length ?? 'no'} characters of text, expected ${expected.length}`);
      }
    }
    if (finishes !== 1) problems.push(`${finishes} finish events`);
    const text = texts.get(messageIdOf(1));
    if (texts.size !== 1 || text !== expected) problems.push(`text of ${[...texts.keys()].join(', ')}: ${text?.length ?? 0} characters${text === expected ? '' : ', not the answer'} (expected ${expected.length} in ${messageIdOf(1)})`);
  }
  await env.client.workflow.getHandle(id).result();
  return { ttftMs, startMs, events, problems, workflowId: id };
}

/** The floor: a bare workflow hosting a stream, subscribed from the start to its `finish` (or its end). */
async function floorRun(env: BenchEnv, queues: Queues, answer: Answer, watch = true): Promise<Watched & { workflowId: string }> {
  const expected = answerText(answer);
  const input: FloorStreamInput = { modelId: STREAM_MODEL.modelId, prompt: promptOf(answer) };
  const started = performance.now();
  const handle = await env.client.workflow.start(FLOOR_STREAM_WORKFLOW, { taskQueue: queues.floor, workflowId: workflowId('streaming-floor'), args: [input] });
  const startMs = performance.now() - started;
  const problems: string[] = [];
  let ttftMs = Number.NaN;
  let events = 0;
  let text = '';
  if (watch) {
    const topic = WorkflowStreamClient.create(env.client, handle.workflowId).topic<FloorStreamEvent>(FLOOR_STREAM_TOPIC);
    for await (const { data } of topic.subscribe(0, { pollCooldown: '0ms' })) {
      events += 1;
      if (data.type === 'finish') break;
      if (Number.isNaN(ttftMs)) ttftMs = performance.now() - started;
      text += data.delta;
    }
    if (text !== expected) problems.push(`floor: ${text.length} characters, expected ${expected.length}`);
  }
  await handle.result();
  return { ttftMs, startMs, events, problems, workflowId: handle.workflowId };
}

/** Direct: the product's Bedrock provider in this process, against the same fake. */
async function directCall(provider: BedrockProvider, answer: Answer): Promise<number> {
  const started = performance.now();
  let ttftMs = Number.NaN;
  let text = '';
  await provider.invoke(streamRequest({ modelId: STREAM_MODEL.modelId, prompt: promptOf(answer) }), {
    onText: (delta) => {
      if (Number.isNaN(ttftMs)) ttftMs = performance.now() - started;
      text += delta;
    },
  });
  if (text !== answerText(answer)) throw new Error(`direct call: ${text.length} characters, expected ${answerText(answer).length}`);
  return ttftMs;
}

function checked<T extends Watched>(side: string, watched: T): T {
  if (watched.problems.length > 0) throw new Error(`streaming: ${side} consumer: ${watched.problems.join('; ')}`);
  return watched;
}

// ---- history ----

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];
interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
}
// As in history.ts: the proto types from @temporalio/proto, resolved from @temporalio/common.
const fromCommon = createRequire(createRequire(import.meta.url).resolve('@temporalio/common'));
const historyV1 = (fromCommon('@temporalio/proto') as { temporal: { api: { history: { v1: { History: Codec<History>; HistoryEvent: Codec<HistoryEvent> } } } } })
  .temporal.api.history.v1;
const bytesOf = (event: HistoryEvent): number => historyV1.HistoryEvent.encode(event).finish().length;

interface Tally {
  events: number;
  bytes: number;
}

export interface StreamHistory {
  events: number;
  bytes: number;
  /** The publish signals (the model activity's text, batched). */
  publish: Tally;
  /** The watchers' polls: update accepted and completed events. */
  polls: Tally;
  /** Workflow tasks (scheduled, started, completed) that only the stream's events caused. */
  streamTasks: Tally;
}

const add = (tally: Tally, event: HistoryEvent) => {
  tally.events += 1;
  tally.bytes += bytesOf(event);
};

/** The event a workflow task wrote as its outcome: a command's event, or an update it accepted or completed. */
function producedByTask(event: HistoryEvent): boolean {
  if (event.workflowExecutionUpdateAcceptedEventAttributes || event.workflowExecutionUpdateCompletedEventAttributes) return true;
  const kind = (event as { attributes?: string }).attributes;
  const attributes = kind ? (event as unknown as Record<string, object | null | undefined>)[kind] : undefined;
  return !!attributes && 'workflowTaskCompletedEventId' in attributes;
}

/**
 * Sorts a history's events into the stream's own (publish signals; poll updates' accepted and
 * completed events) and the rest. A workflow task (scheduled, started, completed) counts as the
 * stream's when what reached the run since the task before it (signals, activity results...) and
 * what it produced (commands, updates) are all stream events: a task woken by a publish signal or
 * dispatched for a poll, and nothing else.
 */
export function measureStreamHistory(history: History): StreamHistory {
  const events = history.events ?? [];
  const tally = (): Tally => ({ events: 0, bytes: 0 });
  const result: StreamHistory = { events: events.length, bytes: historyV1.History.encode(history).finish().length, publish: tally(), polls: tally(), streamTasks: tally() };
  const polls = new Set<string>();
  const isStream = (event: HistoryEvent): boolean => {
    if (event.workflowExecutionSignaledEventAttributes?.signalName === workflowStreamPublishSignal.name) return true;
    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
    if (accepted?.input?.name === workflowStreamPollUpdate.name) {
      polls.add(accepted.meta?.updateId ?? '');
      return true;
    }
    const completed = event.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId;
    return completed !== undefined && completed !== null && polls.has(completed);
  };
  const counts = () => ({ stream: 0, other: 0 });
  /** Incoming events no task has handled yet. */
  let incoming = counts();
  let task: { events: HistoryEvent[]; handled: ReturnType<typeof counts>; produced: ReturnType<typeof counts>; closed: boolean } | undefined;
  const endTask = () => {
    if (!task) return;
    const { handled, produced } = task;
    if (handled.other + produced.other === 0 && handled.stream + produced.stream > 0) for (const event of task.events) add(result.streamTasks, event);
  };
  for (const event of events) {
    const stream = isStream(event);
    if (stream) add(event.workflowExecutionSignaledEventAttributes ? result.publish : result.polls, event);
    if (event.workflowTaskScheduledEventAttributes) {
      endTask();
      task = { events: [event], handled: counts(), produced: counts(), closed: false };
    } else if (task && event.workflowTaskStartedEventAttributes) {
      task.events.push(event);
      task.handled = incoming;
      incoming = counts();
    } else if (task && (event.workflowTaskCompletedEventAttributes || event.workflowTaskFailedEventAttributes || event.workflowTaskTimedOutEventAttributes)) {
      task.events.push(event);
      task.closed = true;
    } else if (task?.closed && producedByTask(event)) task.produced[stream ? 'stream' : 'other'] += 1;
    else incoming[stream ? 'stream' : 'other'] += 1;
  }
  endTask();
  return result;
}

// ---- the benchmark ----

interface Crowd {
  complete: number;
  wallMs: number;
  ttftMs: number[];
  startMs: number[];
  events: number[];
}

/**
 * `runs` runs started at once, each read by its own consumer. Ours must give every consumer
 * everything: this throws otherwise. The floor's are counted, not required: a bare workflow that
 * publishes its last event and returns, as the SDK's README does, loses the tail for a watcher
 * still between two polls when it closes (ours reads the rest of an ended run through a query).
 */
async function crowdRun(side: 'ours' | 'floor', runs: number, run: () => Promise<Watched>): Promise<Crowd> {
  const started = performance.now();
  const watched = await Promise.all(
    Array.from({ length: runs }, () => run().catch((error: unknown): Watched => ({ ttftMs: Number.NaN, startMs: Number.NaN, events: 0, problems: [`failed: ${String(error)}`] }))),
  );
  const wallMs = performance.now() - started;
  const complete = watched.filter((one) => one.problems.length === 0).length;
  const problems = watched.flatMap((one, i) => one.problems.map((problem) => `run ${i}: ${problem}`));
  const missed = `${runs - complete} of ${runs} consumers did not get every delta in order: ${problems.slice(0, 10).join('; ')}`;
  if (complete !== runs && side === 'ours') throw new Error(`streaming: ${missed}`);
  const ttftMs = watched.map((one) => one.ttftMs).filter((ms) => !Number.isNaN(ms));
  log(`streaming: ${side}: ${runs} runs at once in ${wallMs.toFixed(0)} ms: ${complete === runs ? `all ${runs} consumers got everything` : missed}; first token median ${median(ttftMs).toFixed(0)} ms`);
  return { complete, wallMs, ttftMs, startMs: watched.map((one) => one.startMs), events: watched.map((one) => one.events) };
}

const crowdDetails = (crowd: Crowd) => ({
  complete: crowd.complete,
  wallMs: round(crowd.wallMs, 0),
  eventsPerConsumer: median(crowd.events),
  firstTokenMs: crowd.ttftMs.map((ms) => round(ms, 0)),
  startCallMs: { p50: round(median(crowd.startMs), 0), p90: round(percentile(crowd.startMs, 90), 0) },
});

const tallyDetails = (measure: StreamHistory) => ({
  events: measure.events,
  bytes: measure.bytes,
  publishSignals: measure.publish,
  pollUpdateEvents: measure.polls,
  streamWorkflowTasks: measure.streamTasks,
});
const streamEvents = (measure: StreamHistory) => measure.publish.events + measure.polls.events;
const streamBytes = (measure: StreamHistory) => measure.publish.bytes + measure.polls.bytes;

/** What streaming one long turn adds to the run's history: its own events, then with the workflow tasks they woke. */
function historyRows(watchers: string, ours: StreamHistory, floor: StreamHistory) {
  return [
    costRow(`history of the turn, ${watchers}`, 'bytes', ours.bytes, floor.bytes),
    costRow(`stream events (signals, polls), ${watchers}`, 'bytes', streamBytes(ours), streamBytes(floor)),
    costRow(`stream events (signals, polls), ${watchers}`, 'events', streamEvents(ours), streamEvents(floor)),
    costRow(`stream events and tasks they woke, ${watchers}`, 'bytes', streamBytes(ours) + ours.streamTasks.bytes, streamBytes(floor) + floor.streamTasks.bytes),
    costRow(`stream events and tasks they woke, ${watchers}`, 'events', streamEvents(ours) + ours.streamTasks.events, streamEvents(floor) + floor.streamTasks.events),
  ];
}

export async function streamingBench(env: BenchEnv, queues: Queues, options: StreamingOptions): Promise<BenchResult> {
  registerModel(env);
  const provider = new BedrockProvider({ endpoint: env.bedrock.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  let seeds = 0;
  const answer = (shape: AnswerShape): Answer => ({ ...shape, seed: `s${seeds++}` });

  // The floor's watcher may lose the tail (see crowdRun): counted, not fatal.
  let floorIncomplete = 0;
  const floorChecked = <T extends Watched>(watched: T): T => {
    if (watched.problems.length > 0) floorIncomplete += 1;
    return watched;
  };

  // 1. Time to first token: the three sides interleaved, who goes first rotating; warm-up rounds first.
  const sides = {
    direct: async () => directCall(provider, answer(options.ttftAnswer)),
    ours: async () => checked('ours', await oursRun(env, queues, answer(options.ttftAnswer))).ttftMs,
    floor: async () => floorChecked(await floorRun(env, queues, answer(options.ttftAnswer))).ttftMs,
  };
  const names = Object.keys(sides) as Array<keyof typeof sides>;
  for (let i = 0; i < 2; i++) for (const name of names) await sides[name]();
  const ttft: Record<keyof typeof sides, number[]> = { direct: [], ours: [], floor: [] };
  for (let sample = 0; sample < options.ttftSamples; sample++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(sample + k) % names.length]!;
      ttft[name].push(await sides[name]());
    }
  }
  const p50 = Object.fromEntries(names.map((name) => [name, median(ttft[name])])) as Record<keyof typeof sides, number>;
  const p90 = Object.fromEntries(names.map((name) => [name, percentile(ttft[name], 90)])) as Record<keyof typeof sides, number>;
  log(`streaming: first token (median of ${options.ttftSamples}): direct ${p50.direct.toFixed(0)} ms, ours ${p50.ours.toFixed(0)} ms, floor ${p50.floor.toFixed(0)} ms`);

  // 2. History of one ~1,000-token turn, with no watcher and with one watching from the start.
  const histories = {} as Record<'oursAlone' | 'oursWatched' | 'floorAlone' | 'floorWatched', StreamHistory>;
  const runs = {} as Record<keyof typeof histories, number>;
  for (const [key, run] of [
    ['oursAlone', () => oursRun(env, queues, answer(options.longAnswer), false)],
    ['oursWatched', async () => checked('ours', await oursRun(env, queues, answer(options.longAnswer)))],
    ['floorAlone', () => floorRun(env, queues, answer(options.longAnswer), false)],
    ['floorWatched', async () => floorChecked(await floorRun(env, queues, answer(options.longAnswer)))],
  ] as const) {
    const started = performance.now();
    const { workflowId: id, events } = await run();
    runs[key] = performance.now() - started;
    histories[key] = measureStreamHistory(await env.client.workflow.getHandle(id).fetchHistory());
    const measure = histories[key];
    log(`streaming: history, ${key}: ${measure.events} events, ${measure.bytes} bytes; stream ${streamEvents(measure)} events, ${streamBytes(measure)} bytes (${events} events watched)`);
  }

  // 3. Many runs streaming at once, one consumer each: all must get everything. Then the floor's, the same way.
  const crowds = {
    ours: await crowdRun('ours', options.crowd, () => oursRun(env, queues, answer(options.longAnswer))),
    floor: await crowdRun('floor', options.crowd, () => floorRun(env, queues, answer(options.longAnswer))),
  };

  const { oursAlone, oursWatched, floorAlone, floorWatched } = histories;
  const tokens = Math.round(options.longAnswer.chars / 4);
  return {
    id: 'streaming',
    title: `Streaming: time to first token (model thinks ${options.ttftAnswer.firstMs} ms; ${options.ttftSamples} samples per side, interleaved) against the Bedrock provider called directly and a bare workflow's stream; history of one ~${tokens}-token turn; ${options.crowd} runs streaming at once`,
    rows: [
      // The issue's bound: at most 1.2x the direct call plus a fixed overhead, the one bare Temporal's stream pays (floor - direct).
      costRow('first token, median: ours vs 1.2 x direct + fixed overhead', 'ms', p50.ours, 1.2 * p50.direct + Math.max(0, p50.floor - p50.direct), { of: 'ratio', max: 1 }),
      costRow('first token, median: ours vs direct provider call', 'ms', p50.ours, p50.direct),
      costRow('first token, p90: ours vs direct provider call', 'ms', p90.ours, p90.direct),
      costRow('first token, median: ours vs bare workflow stream', 'ms', p50.ours, p50.floor),
      costRow('first token, p90: ours vs bare workflow stream', 'ms', p90.ours, p90.floor),
      ...historyRows('no watcher', oursAlone, floorAlone),
      ...historyRows('one watcher', oursWatched, floorWatched),
      // A count of good outcomes, like a rate: the ratio is floor / ours.
      crowds.floor.complete > 0
        ? rateRow(`consumers that got every delta in order, of ${options.crowd}`, 'runs', crowds.ours.complete, crowds.floor.complete)
        : costRow(`consumers that got every delta in order, of ${options.crowd}`, 'runs', crowds.ours.complete, undefined),
      costRow(`${options.crowd} runs streaming at once, start to last finish`, 'ms', crowds.ours.wallMs, crowds.floor.wallMs),
      costRow(`first token, median, ${options.crowd} at once`, 'ms', median(crowds.ours.ttftMs), median(crowds.floor.ttftMs)),
      costRow(`first token, p90, ${options.crowd} at once`, 'ms', percentile(crowds.ours.ttftMs, 90), percentile(crowds.floor.ttftMs, 90)),
    ],
    details: {
      model: STREAM_MODEL,
      ttftAnswer: options.ttftAnswer,
      longAnswer: { ...options.longAnswer, text: `${answerText(answer(options.longAnswer)).length} characters (~${tokens} tokens)` },
      firstTokenMs: {
        direct: ttft.direct.map((ms) => round(ms, 1)),
        ours: ttft.ours.map((ms) => round(ms, 1)),
        floor: ttft.floor.map((ms) => round(ms, 1)),
      },
      firstTokenP50: { direct: round(p50.direct, 1), ours: round(p50.ours, 1), floor: round(p50.floor, 1) },
      firstTokenP90: { direct: round(p90.direct, 1), ours: round(p90.ours, 1), floor: round(p90.floor, 1) },
      oursAboveDirectMs: round(p50.ours - p50.direct, 1),
      floorWatchersThatLostTheTail: floorIncomplete,
      floorAboveDirectMs: round(p50.floor - p50.direct, 1),
      history: {
        bytes: 'protobuf-encoded History (fetchHistory); per event, the encoded HistoryEvent. streamWorkflowTasks: tasks that handled and produced nothing but stream events',
        oursNoWatcher: tallyDetails(oursAlone),
        oursOneWatcher: tallyDetails(oursWatched),
        floorNoWatcher: tallyDetails(floorAlone),
        floorOneWatcher: tallyDetails(floorWatched),
        runMs: Object.fromEntries(Object.entries(runs).map(([key, ms]) => [key, round(ms, 0)])),
      },
      crowd: {
        runs: options.crowd,
        ours: crowdDetails(crowds.ours),
        floor: crowdDetails(crowds.floor),
      },
    },
  };
}
