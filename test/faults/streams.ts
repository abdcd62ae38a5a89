/**
 * Faults for live runs: workers SIGKILLed while the model streams its answer (each watcher, left
 * connected through the kill, must see `data-retry` and then the whole answer once: what it shows
 * equals the run's result), and an answer of 1 MB streamed whole, in order.
 */
import type { RunEvent } from '../../src/agent/run-events.js';
import type { AgentClient } from '../../src/sdk/agent-client.js';
import type { RecordedRequest, ScriptedReply } from '../support/fake-bedrock.js';
import type { FaultContext } from './context.js';
import { assertThat, type FaultReport } from './harness.js';

const KILLED_RUNS = 3;
const HUGE_CHARS = 1024 * 1024;

/** The long answer of run `index` (about 50 of the fake's pieces: several seconds at 100 ms a piece). */
const answerOf = (prompt: string): string => `${prompt}: ${'the quick brown fox jumps over the lazy dog. '.repeat(7)}`.trim();
/** 1 MB of words (the fake streams it in six pieces of some 175 KB). */
const hugeAnswer = (): string => 'streamed words '.repeat(Math.ceil(HUGE_CHARS / 15)).slice(0, HUGE_CHARS);

interface Watched {
  events: Array<{ offset: number; event: RunEvent }>;
  firstText: Promise<void>;
  done: Promise<void>;
}

/** Reads the run's stream until it ends; `firstText` settles at its first text-delta. */
function watch(agents: AgentClient, workflowId: string): Watched {
  const events: Watched['events'] = [];
  let sawText: () => void = () => undefined;
  const firstText = new Promise<void>((resolve) => (sawText = resolve));
  const done = (async () => {
    for await (const item of agents.stream(workflowId)) {
      events.push(item);
      if (item.event.type === 'text-delta') sawText();
    }
    sawText();
  })();
  return { events, firstText, done };
}

/** The text a watcher shows: deltas added, a message's text dropped again on its data-retry (or a second text-start). */
function shownText(events: Watched['events']): string {
  const messages = new Map<string, string>();
  for (const { event } of events) {
    if (event.type === 'text-start' || (event.type === 'data-retry' && messages.has(event.data.id))) messages.set(event.type === 'text-start' ? event.id : event.data.id, '');
    if (event.type === 'text-delta') messages.set(event.id, (messages.get(event.id) ?? '') + event.delta);
  }
  return [...messages.values()].join('');
}

/** What is wrong with a watcher's events for a run whose answer was `expected` (undefined: nothing). */
function streamProblem(events: Watched['events'], expected: string, retried: boolean): string | undefined {
  const offsets = events.map((item) => item.offset);
  if (offsets.some((offset, index) => index > 0 && offset <= offsets[index - 1]!)) return `offsets out of order: ${offsets.join(',')}`;
  const finishes = events.filter((item) => item.event.type === 'finish');
  if (finishes.length !== 1 || events.at(-1)?.event.type !== 'finish') return `${finishes.length} finish events, the last event ${events.at(-1)?.event.type}`;
  if (retried && !events.some((item) => item.event.type === 'data-retry')) return 'no data-retry after the attempt that streamed died';
  const shown = shownText(events);
  if (shown !== expected) return `shows ${shown.length} characters (${JSON.stringify(shown.slice(0, 60))}…), the answer has ${expected.length}`;
  return undefined;
}

export async function streamFaults(context: FaultContext, report: FaultReport): Promise<void> {
  const group = 'live runs';
  const agents = context.agents;
  const reply = (request: RecordedRequest): ScriptedReply => {
    const prompt = String((request.body.messages as Array<{ content: Array<{ text?: string }> }>)[0]!.content[0]!.text);
    return { kind: 'text', text: prompt === 'stream-huge' ? hugeAnswer() : answerOf(prompt) };
  };
  context.bedrock.setFallback({ kind: 'respond', fn: reply });
  const model = { provider: 'bedrock' as const, modelId: 'faults-streams' };
  const pieceDelay = context.bedrock.pieceDelayMs;

  await report.check(group, `${KILLED_RUNS} runs, the worker SIGKILLed while the model streams: each watcher sees data-retry, then the whole answer once`, async () => {
    context.bedrock.pieceDelayMs = 100;
    try {
      await context.startWorker();
      const runs = await Promise.all(
        Array.from({ length: KILLED_RUNS }, async (_, index) => {
          const prompt = `stream-kill-${index}`;
          const { workflowId } = await agents.start({ agent: 'test-faults', prompt, model, timeouts: { model: '6s' } });
          return { workflowId, expected: answerOf(prompt), watched: watch(agents, workflowId) };
        }),
      );
      await Promise.all(runs.map((run) => run.watched.firstText));
      await context.killWorkers();
      await context.startWorker();
      const problems: string[] = [];
      for (const run of runs) {
        const result = await agents.result(run.workflowId);
        await run.watched.done;
        if (result.text !== run.expected) problems.push(`${run.workflowId}: result ${JSON.stringify(result.text.slice(0, 60))}`);
        const problem = streamProblem(run.watched.events, run.expected, true);
        if (problem) problems.push(`${run.workflowId}: ${problem}`);
      }
      assertThat(problems.length === 0, problems.join('; '));
      return `${runs.length} answers shown whole after the kill (${runs.map((run) => run.watched.events.length).join(', ')} events)`;
    } finally {
      context.bedrock.pieceDelayMs = pieceDelay;
    }
  });

  await report.check(group, 'an answer of 1 MB streams whole, in order, and the run ends with it', async () => {
    context.bedrock.pieceDelayMs = 0;
    try {
      const { workflowId } = await agents.start({ agent: 'test-faults', prompt: 'stream-huge', model });
      const watched = watch(agents, workflowId);
      const result = await agents.result(workflowId);
      await watched.done;
      assertThat(result.text === hugeAnswer(), `the result has ${result.text.length} characters`);
      const problem = streamProblem(watched.events, hugeAnswer(), false);
      assertThat(problem === undefined, problem ?? '');
      const deltas = watched.events.filter((item) => item.event.type === 'text-delta').length;
      return `${HUGE_CHARS} characters in ${deltas} deltas`;
    } finally {
      context.bedrock.pieceDelayMs = pieceDelay;
    }
  });
  await context.killWorkers();
}
