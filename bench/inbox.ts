/**
 * The inbox at scale (issue 26, item 3): N runs waiting for a human at once on one worker process
 * (parked as in parked.ts), then
 * - the first inbox page (`listInboxPage`: one visibility page, its rows from the runs' search
 *   attributes, no query) against a bare visibility list of the same query and page size
 *   (`ListWorkflowExecutions`); and the page with its questions read too (`details: true`);
 * - answering M runs through the inbox's API (page after page: `listInboxPage`, then each row
 *   opened, `AgentClient.status`, and answered with what it showed, `AgentClient.answer`, a page's
 *   runs in flight at once) against the bare path (page after page of the bare list, then the
 *   `respond` update with an answer built from the listed execution), each on M runs of their own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { inboxQuery, listInboxPage } from '../src/sdk/inbox.js';
import { respondUpdate } from '../src/workflows/messages.js';
import { costRow, log, mapLimit, median, taskQueue, workflowId, type BenchEnv, type BenchResult } from './harness.js';
import { approvalAnswerFor, BENCH_APPROVAL_AGENT, INSTANT_MODEL, promptFor } from './protocol.js';

const PARK_LIMIT_MS = 30 * 60_000;

export interface InboxBenchOptions {
  runs: number;
  answers: number;
  pageSize: number;
  firstPageRepeats: number;
  maxCachedWorkflows: number;
}

export async function inboxBench(env: BenchEnv, options: InboxBenchOptions): Promise<BenchResult> {
  const queue = taskQueue('inbox');
  const child = await env.startWorker('agent', queue, { maxCachedWorkflows: options.maxCachedWorkflows });
  const agents = env.agents(queue);
  const client = env.client;
  const query = `${inboxQuery({ agent: BENCH_APPROVAL_AGENT })} AND TaskQueue = "${queue}"`;
  const waiting = async () => (await client.workflow.count(query)).count;
  try {
    const ids = Array.from({ length: options.runs }, (_, i) => workflowId(`inbox-${i}`));
    const parkStart = performance.now();
    await mapLimit(ids, 50, (id) => agents.start({ agent: BENCH_APPROVAL_AGENT, prompt: promptFor({ steps: 1, modelMs: 0, toolMs: 0 }), model: INSTANT_MODEL, workflowId: id }));
    // Waiting, as visibility lists it: the inbox is built on it.
    while ((await waiting()) < options.runs) {
      if (performance.now() - parkStart > PARK_LIMIT_MS) throw new Error(`only ${await waiting()} of ${options.runs} runs waiting`);
      await sleep(500);
    }
    const parkMs = performance.now() - parkStart;
    log(`inbox: ${options.runs} runs waiting after ${(parkMs / 1000).toFixed(1)} s`);

    // The first page: ours and the bare list alternate.
    const bareList = (nextPageToken?: Uint8Array) =>
      client.workflowService.listWorkflowExecutions({ namespace: env.namespace, query, pageSize: options.pageSize, ...(nextPageToken ? { nextPageToken } : {}) });
    const oursFirst: number[] = [];
    const listedFirst: number[] = [];
    const bareFirst: number[] = [];
    let firstItems = 0;
    const listFirst = async () => {
      const start = performance.now();
      const listed = await listInboxPage(client, { agent: BENCH_APPROVAL_AGENT, pageSize: options.pageSize });
      listedFirst.push(performance.now() - start);
      if (listed.listed.length !== options.pageSize) throw new Error(`the first page listed ${listed.listed.length} runs, not ${options.pageSize}`);
      if (!listed.listed.every((run) => run.question !== undefined && run.waitingSince !== undefined)) throw new Error('a row of the first page has no question from visibility');
    };
    const bareFirstPage = async () => {
      const start = performance.now();
      const bare = await bareList();
      bareFirst.push(performance.now() - start);
      if ((bare.executions ?? []).length !== options.pageSize) throw new Error(`the bare list gave ${(bare.executions ?? []).length} runs, not ${options.pageSize}`);
    };
    for (let i = 0; i < options.firstPageRepeats; i++) {
      // Ours and the bare list side by side, in turns first; the page with details after both (its queries load the worker).
      for (const step of i % 2 === 0 ? [listFirst, bareFirstPage] : [bareFirstPage, listFirst]) await step();
      const start = performance.now();
      const page = await listInboxPage(client, { agent: BENCH_APPROVAL_AGENT, pageSize: options.pageSize, details: true });
      oursFirst.push(performance.now() - start);
      firstItems = page.items.length;
      if (page.unread.length > 0) throw new Error(`the page with details left ${page.unread.length} runs unread: ${page.unread[0]!.problem}`);
    }
    log(`inbox: first page ${median(listedFirst).toFixed(0)} ms (with every question read ${median(oursFirst).toFixed(0)} ms) vs bare list ${median(bareFirst).toFixed(0)} ms (${firstItems} questions)`);

    // Answering M through the inbox's API: page, answer the page's questions, the next page.
    let oursAnswered = 0;
    const oursStart = performance.now();
    let pageToken: string | undefined;
    while (oursAnswered < options.answers) {
      const page = await listInboxPage(client, { agent: BENCH_APPROVAL_AGENT, pageSize: options.pageSize, ...(pageToken ? { pageToken } : {}) });
      const rows = page.listed.slice(0, options.answers - oursAnswered);
      // A person opens a row (its questions in full, with their bindings) and answers what it shows.
      await Promise.all(
        rows.map(async (row) => {
          const shown = (await agents.status(row.workflowId)).pending;
          await agents.answer(row.workflowId, shown.map((question) => ({ interruptId: question.id, response: 'y', respondedBy: 'bench' })), undefined, shown);
        }),
      );
      oursAnswered += rows.length;
      pageToken = page.nextPageToken;
      if (!pageToken && oursAnswered < options.answers) throw new Error(`the inbox ran out of pages after ${oursAnswered} answers`);
    }
    const oursMs = performance.now() - oursStart;
    // The bare side answers runs of its own: once visibility no longer lists ours.
    while ((await waiting()) > options.runs - options.answers) await sleep(200);

    let bareAnswered = 0;
    const bareStart = performance.now();
    let bareToken: Uint8Array | undefined;
    while (bareAnswered < options.answers) {
      const page = await bareList(bareToken);
      const executions = (page.executions ?? []).slice(0, options.answers - bareAnswered);
      await Promise.all(
        executions.map((execution) => {
          const id = execution.execution!.workflowId!;
          const answer = approvalAnswerFor(1, { namespace: env.namespace, workflowId: id, execution: execution.execution!.runId! });
          return client.workflow.getHandle(id).executeUpdate(respondUpdate, { args: [answer] });
        }),
      );
      bareAnswered += executions.length;
      bareToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
      if (!bareToken && bareAnswered < options.answers) throw new Error(`the bare list ran out of pages after ${bareAnswered} answers`);
    }
    const bareMs = performance.now() - bareStart;
    log(`inbox: ${options.answers} answered in ${(oursMs / 1000).toFixed(1)} s through the inbox, ${(bareMs / 1000).toFixed(1)} s bare`);

    return {
      id: 'inbox',
      title: `The inbox with ${options.runs} runs waiting (pages of ${options.pageSize}; ${options.answers} answered per side), against a bare visibility list of the same runs`,
      rows: [
        costRow(`first page of ${options.pageSize} (of ${options.runs} waiting), median`, 'ms', median(listedFirst), median(bareFirst)),
        costRow(`first page of ${options.pageSize} with every question read (details: true), median`, 'ms', median(oursFirst), median(bareFirst)),
        costRow(`answer ${options.answers} (page, open each row, answer it)`, 'ms', oursMs, bareMs),
        costRow('per answer', 'ms', oursMs / options.answers, bareMs / options.answers),
      ],
      details: {
        ...options,
        parkMs,
        firstPageMs: { ours: listedFirst, oursWithDetails: oursFirst, bare: bareFirst },
        firstPageQuestions: firstItems,
        ours: 'listInboxPage (one ListWorkflowExecutions page; rows from search attributes, no query) + per row AgentClient.status (open) and AgentClient.answer with the questions it showed (bound to them)',
        floor: 'ListWorkflowExecutions page of the same query and size + the respond update with an answer built from the listed execution (no status read)',
      },
    };
  } finally {
    // The runs left waiting are ended, so that nothing after this benchmark lists them.
    const left: string[] = [];
    for await (const execution of client.workflow.list({ query: `TaskQueue = "${queue}" AND ExecutionStatus = "Running"` })) left.push(execution.workflowId);
    await mapLimit(left, 100, (id) => client.workflow.getHandle(id).terminate('inbox benchmark done').catch(() => undefined));
    await env.stopWorker(child);
  }
}
