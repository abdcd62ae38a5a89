/**
 * The inbox at scale (issue 26, item 3): N runs waiting for a human at once on one worker process
 * (parked as in parked.ts), then
 * - the first inbox page (`listInboxPage`: one visibility page, then the questions of its runs)
 *   against a bare visibility list of the same query and page size (`ListWorkflowExecutions`);
 * - answering M runs through the inbox's API (page after page: `listInboxPage`, then
 *   `AgentClient.respond` with each question's binding, a page's answers in flight at once)
 *   against the bare path (page after page of the bare list, then the `respond` update with an
 *   answer built from the listed execution), each on M runs of their own.
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
    for (let i = 0; i < options.firstPageRepeats; i++) {
      let start = performance.now();
      const page = await listInboxPage(client, { agent: BENCH_APPROVAL_AGENT, pageSize: options.pageSize });
      oursFirst.push(performance.now() - start);
      firstItems = page.items.length;
      if (page.unread.length > 0) throw new Error(`the first page left ${page.unread.length} runs unread: ${page.unread[0]!.problem}`);
      start = performance.now();
      const listed = await listInboxPage(client, { agent: BENCH_APPROVAL_AGENT, pageSize: options.pageSize, details: false });
      listedFirst.push(performance.now() - start);
      if (listed.listed.length !== options.pageSize) throw new Error(`the page without details listed ${listed.listed.length} runs, not ${options.pageSize}`);
      start = performance.now();
      const bare = await bareList();
      bareFirst.push(performance.now() - start);
      if ((bare.executions ?? []).length !== options.pageSize) throw new Error(`the bare list gave ${(bare.executions ?? []).length} runs, not ${options.pageSize}`);
    }
    log(`inbox: first page ${median(oursFirst).toFixed(0)} ms (without details ${median(listedFirst).toFixed(0)} ms) vs bare list ${median(bareFirst).toFixed(0)} ms (${firstItems} questions)`);

    // Answering M through the inbox's API: page, answer the page's questions, the next page.
    let oursAnswered = 0;
    const oursStart = performance.now();
    let pageToken: string | undefined;
    while (oursAnswered < options.answers) {
      const page = await listInboxPage(client, { agent: BENCH_APPROVAL_AGENT, pageSize: options.pageSize, ...(pageToken ? { pageToken } : {}) });
      const items = page.items.slice(0, options.answers - oursAnswered);
      await Promise.all(items.map((item) => agents.respond(item.workflowId, { interruptId: item.interruptId, response: 'y', respondedBy: 'bench', ...(item.binding ? { binding: item.binding } : {}) })));
      oursAnswered += items.length;
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
        costRow(`first page of ${options.pageSize} (of ${options.runs} waiting), median`, 'ms', median(oursFirst), median(bareFirst)),
        costRow(`first page of ${options.pageSize}, visibility alone (details: false), median`, 'ms', median(listedFirst), median(bareFirst)),
        costRow(`answer ${options.answers} (page, then answer its questions)`, 'ms', oursMs, bareMs),
        costRow('per answer', 'ms', oursMs / options.answers, bareMs / options.answers),
      ],
      details: {
        ...options,
        parkMs,
        firstPageMs: { ours: oursFirst, oursWithoutDetails: listedFirst, bare: bareFirst },
        firstPageQuestions: firstItems,
        ours: 'listInboxPage (one ListWorkflowExecutions page, then one status query per run of the page, 20 at once) + AgentClient.respond with the binding the page shows',
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
