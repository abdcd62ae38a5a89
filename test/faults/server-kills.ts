/**
 * Fault 2: the Temporal server SIGKILLed and restarted on the same database file while runs are
 * running and waiting. Every run completes after its answers; side effects stay exactly-once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { respondSignal, statusQuery } from '../../src/workflows/messages.js';
import type { FaultContext } from './context.js';
import { settleRuns } from '../support/run-checks.js';
import { assertThat, type FaultReport } from './harness.js';
import { conversationalModel } from './model-script.js';
import { approves } from './worker-kills.js';

/** Retries `body` while the server is down (connection refused, unavailable). */
async function whileServerRestarts<T>(body: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await body();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

export async function serverKills(context: FaultContext, report: FaultReport, runs: number, kills: number): Promise<void> {
  const group = 'server killed (SIGKILL)';
  const model = conversationalModel(context.bedrock, 'faults-server-kills');
  await context.startWorker();
  const ids: string[] = [];
  for (let index = 0; index < runs; index++) {
    const { workflowId } = await context.agents.start({
      agent: 'test-faults', prompt: `server-${index}`, model, workflowId: `server-${process.pid}-${index}`, timeouts: { model: '3s', tool: '3s' },
    });
    ids.push(workflowId);
  }
  const answered = new Set<string>();
  const answer = async (onlyHalf: boolean) => {
    for (const [index, workflowId] of ids.entries()) {
      if (answered.has(workflowId) || (onlyHalf && index % 4 >= 2)) continue;
      const handle = context.client.workflow.getHandle(workflowId);
      const status = await whileServerRestarts(() => context.agents.wait(workflowId));
      for (const interrupt of status.pending) {
        await whileServerRestarts(() => handle.signal(respondSignal, { interruptId: interrupt.id, response: approves(index) ? 'y' : 'n', binding: interrupt.binding }));
      }
      answered.add(workflowId);
    }
  };

  await report.check(group, `${kills} server kills while ${runs} runs run and wait`, async () => {
    await answer(true);
    for (let kill = 0; kill < kills; kill++) {
      await sleep(200 + Math.floor(Math.random() * 800));
      await context.restartServer();
    }
    return `${kills} restarts on the same database file`;
  });
  await report.check(group, 'every run completes after its answers', async () => {
    await answer(false);
    // The restarts are over: each run finishes within the deadline, or is named with its problem.
    const { results, open } = await settleRuns(context.client, ids);
    const lost = results.filter((result) => result.status === 'rejected').length;
    report.add({ lostRuns: lost });
    assertThat(lost === 0, `${lost} of ${runs} runs did not complete${open.length > 0 ? `; still open: ${open.join('; ')}` : ''}`);
    const statuses = await Promise.all(ids.map((id) => context.client.workflow.getHandle(id).query(statusQuery)));
    assertThat(statuses.every((status) => status.status === 'completed'), 'a run is not completed');
    return `${runs} of ${runs}`;
  });
  await report.check(group, 'side effects exactly once across server restarts', async () => {
    const { applied, labelsApplied } = context.sideEffects();
    const mine = ids.map((_, index) => `server-${index}`);
    const duplicated = [...applied.values()].filter((count) => count > 1).length;
    const deniedApplied = mine.filter((label, index) => !approves(index) && labelsApplied.has(label)).length;
    const missing = mine.filter((label, index) => approves(index) && !labelsApplied.has(label)).length;
    report.add({ duplicatedSideEffects: duplicated, deniedButApplied: deniedApplied });
    assertThat(duplicated === 0 && deniedApplied === 0 && missing === 0, `duplicated ${duplicated}, denied applied ${deniedApplied}, approved missing ${missing}`);
    return `${mine.filter((_, index) => approves(index)).length} applied once, ${mine.filter((_, index) => !approves(index)).length} denied`;
  });
  await context.killWorkers();
}
