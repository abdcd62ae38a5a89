/**
 * Fault 1: workers SIGKILLed at random points of many runs (during model calls, tool calls,
 * waits and answers), a new worker started each time. Every run must complete; every approved
 * change must be applied exactly once and no denied change at all.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { respondSignal, statusQuery } from '../../src/workflows/messages.js';
import type { FaultContext } from './context.js';
import { assertThat, log, type FaultReport } from './harness.js';
import { conversationalModel } from './model-script.js';
import { settleRuns } from '../support/run-checks.js';

export const approves = (index: number): boolean => index % 2 === 0;

/** Answers every pending approval it can see (queries need a live worker: failures are normal here). */
async function answerPending(client: Client, ids: string[], done: Set<string>): Promise<void> {
  await Promise.all(
    ids.filter((id) => !done.has(id)).map(async (workflowId) => {
      const handle = client.workflow.getHandle(workflowId);
      try {
        const status = await client.connection.withDeadline(Date.now() + 1000, () => handle.query(statusQuery));
        if (status.status !== 'waiting' && status.status !== 'running') done.add(workflowId);
        for (const interrupt of status.pending) {
          const index = Number((interrupt.reason as { label: string }).label.split('-').pop());
          await handle.signal(respondSignal, { interruptId: interrupt.id, response: approves(index) ? 'y' : 'n', respondedBy: 'fault-suite', binding: interrupt.binding });
        }
      } catch {
        // no worker right now, or the run just ended: try again on the next pass
      }
    }),
  );
}

export async function workerKills(context: FaultContext, report: FaultReport, runs: number, kills: number): Promise<void> {
  const group = 'worker killed (SIGKILL)';
  const model = conversationalModel(context.bedrock, 'faults-worker-kills');
  const client = context.client;
  const agents = context.agents;
  const ids: string[] = [];
  await report.check(group, `start ${runs} runs`, async () => {
    for (let index = 0; index < runs; index++) {
      const { workflowId } = await agents.start({
        agent: 'test-faults', prompt: `kill-${index}`, model, workflowId: `kill-${process.pid}-${index}`, timeouts: { model: '3s', tool: '3s' },
        // No worker runs yet: each start returns once the run exists rather than waiting for one to accept it.
        acceptTimeoutMs: 200,
      });
      ids.push(workflowId);
    }
    return `${ids.length} started`;
  });

  const done = new Set<string>();
  let answering = true;
  const answerer = (async () => {
    while (answering) {
      await answerPending(client, ids, done);
      await sleep(50);
    }
  })();
  await report.check(group, `${kills} kills at random points, a new worker after each`, async () => {
    for (let kill = 0; kill < kills; kill++) {
      const worker = await context.startWorker();
      await sleep(300 + Math.floor(Math.random() * 1500));
      await worker.kill();
    }
    return `${kills} workers killed`;
  });
  await context.startWorker();
  const { results, open } = await settleRuns(client, ids);
  answering = false;
  await answerer;

  const lost = results.filter((result) => result.status === 'rejected').length;
  const { applied, attempts, labelsApplied } = context.sideEffects();
  const duplicated = [...applied.values()].filter((count) => count > 1).length;
  const deniedApplied = ids.filter((_, index) => !approves(index) && labelsApplied.has(`kill-${index}`)).length;
  const approvedMissing = ids.filter((_, index) => approves(index) && !labelsApplied.has(`kill-${index}`)).length;
  report.add({ lostRuns: lost, duplicatedSideEffects: duplicated, deniedButApplied: deniedApplied });
  log(`  worker kills: ${kills}; tool attempts ${attempts} for ${applied.size} applied changes (${attempts - applied.size} retried or found already applied)`);
  await report.check(group, 'every run completed', async () => {
    assertThat(lost === 0, `${lost} of ${runs} runs did not complete${open.length > 0 ? `; still open: ${open.join('; ')}` : ''}`);
    return `${runs} of ${runs}`;
  });
  await report.check(group, 'approved changes applied exactly once', async () => {
    assertThat(duplicated === 0, `${duplicated} changes applied more than once`);
    assertThat(approvedMissing === 0, `${approvedMissing} approved changes never applied`);
    return `${applied.size} applied once each`;
  });
  await report.check(group, 'denied changes never applied', async () => {
    assertThat(deniedApplied === 0, `${deniedApplied} denied changes applied`);
    return `${ids.filter((_, index) => !approves(index)).length} denied, 0 applied`;
  });
  await context.killWorkers();
}
