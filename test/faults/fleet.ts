/**
 * A fleet of workers: two worker processes on one task queue, SIGKILLed in turn (kill one,
 * answer questions while it is dead, restart it, kill the other...) while many runs wait for an
 * approval and are answered through AgentClient, as users answer. Every run must complete, every
 * approved change be applied exactly once and no denied one at all, and the histories must show
 * both workers applying answers and running tools, including answers to runs whose worker was dead.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Interrupt } from '../../src/agent/interrupts.js';
import type { AgentClient } from '../../src/sdk/agent-client.js';
import type { FaultContext } from './context.js';
import { runWork, type RunWork } from './fleet-history.js';
import { assertThat, log, type FaultReport } from './harness.js';
import { conversationalModel } from './model-script.js';
import type { WorkerProcess } from './processes.js';
import { approves } from './worker-kills.js';
import { readLedger } from '../support/test-tools.js';
import { settleRuns } from '../support/run-checks.js';

/** Runs that wait for their answer queue here; the kill loop lets a few through at chosen moments. */
class AnswerGate {
  private readonly queued: Array<(done: () => void) => void> = [];

  turn(): Promise<() => void> {
    return new Promise((resolve) => this.queued.push(resolve));
  }

  get waiting(): number {
    return this.queued.length;
  }

  /** Lets up to `count` waiting runs answer; settles once they have (each run's answer returned). */
  async release(count: number): Promise<number> {
    const batch = this.queued.splice(0, count);
    await Promise.all(batch.map((admit) => new Promise<void>((done) => admit(done))));
    return batch.length;
  }
}

const ENDED = new Set(['completed', 'failed', 'cancelled']);
/** From this many tool runs on, both workers must have run some (all on one by chance: under 1 in 10,000). */
const MIN_TOOLS_FOR_BOTH = 16;

/** Waits for the run's question, queues at the gate, answers it (y or n by index); until the run ends. */
async function drive(agents: AgentClient, gate: AnswerGate, workflowId: string, index: number, sentAt: Map<string, number>): Promise<void> {
  for (;;) {
    let pending: Interrupt[];
    try {
      const status = await agents.wait(workflowId, { timeoutMs: 30_000 });
      if (ENDED.has(status.status)) return;
      pending = status.pending;
    } catch {
      await sleep(200); // its worker just died, or none polls for a moment
      continue;
    }
    if (pending.length === 0) continue;
    const done = await gate.turn();
    try {
      // The first send: whoever applied the answer was alive after it.
      if (!sentAt.has(workflowId)) sentAt.set(workflowId, Date.now());
      const answers = pending.map((question) => ({ interruptId: question.id, response: approves(index) ? 'y' : 'n', respondedBy: 'fleet-suite' }));
      // Bound to the questions as this client saw them, as a person's answer is.
      await agents.answer(workflowId, answers, undefined, pending);
    } catch {
      // already answered by an earlier try, or the worker died under the update: the next wait says which
    } finally {
      done();
    }
  }
}

interface Slot {
  name: string;
  worker: WorkerProcess;
}

export async function fleetOfWorkers(context: FaultContext, report: FaultReport, runs: number, kills: number): Promise<void> {
  const group = 'fleet of workers';
  const model = conversationalModel(context.bedrock, 'faults-fleet');
  const agents = context.agents;
  const prefix = `fleet-${process.pid}`;
  const slotOf = new Map<number, string>();
  const diedAt = new Map<number, number>();
  const start = async (name: string): Promise<Slot> => {
    const worker = await context.startWorker();
    slotOf.set(worker.pid, name);
    return { name, worker };
  };
  const slots = [await start('A'), await start('B')];

  const ids = Array.from({ length: runs }, (_, index) => `${prefix}-${index}`);
  const sentAt = new Map<string, number>();
  const gate = new AnswerGate();
  let drivers: Promise<void>[] = [];
  await report.check(group, `start ${runs} runs on two worker processes`, async () => {
    for (const [index, workflowId] of ids.entries()) await agents.start({ agent: 'test-faults', prompt: `${prefix}-${index}`, model, workflowId, timeouts: { model: '3s', tool: '3s' } });
    drivers = ids.map((workflowId, index) => drive(agents, gate, workflowId, index, sentAt));
    return `${runs} started`;
  });

  const batch = Math.max(1, Math.ceil(runs / (2 * kills + 1)));
  let answeredWhileDown = 0;
  await report.check(group, `${kills} SIGKILLs alternating between the two workers, answers while one is down`, async () => {
    for (let kill = 0; kill < kills; kill++) {
      const slot = slots[kill % 2]!;
      await gate.release(batch);
      // The kill lands wherever the runs are: model calls, tool calls, workflow tasks, waits.
      await sleep(200 + Math.floor(Math.random() * 1000));
      await slot.worker.kill();
      diedAt.set(slot.worker.pid, Date.now());
      answeredWhileDown += await gate.release(batch);
      slot.worker = (await start(slot.name)).worker;
    }
    return `${kills} kills (${Math.ceil(kills / 2)} of A, ${Math.floor(kills / 2)} of B), ${answeredWhileDown} answers sent while one worker was down`;
  });
  // Whatever is left is answered with both workers up.
  const finishing = Promise.all(drivers);
  let finished = false;
  void finishing.finally(() => (finished = true));
  while (!finished) {
    await gate.release(runs);
    await sleep(100);
  }
  const { results, open } = await settleRuns(context.client, ids);

  const lost = results.filter((result) => result.status === 'rejected').length;
  const entries = readLedger(context.ledger).filter((entry) => entry.tool === 'apply_change' && entry.label.startsWith(`${prefix}-`));
  const appliedPerKey = new Map<string, number>();
  for (const entry of entries) if (entry.event === 'applied') appliedPerKey.set(entry.idempotencyKey, (appliedPerKey.get(entry.idempotencyKey) ?? 0) + 1);
  const appliedLabels = new Set(entries.filter((entry) => entry.event === 'applied').map((entry) => entry.label));
  const duplicated = [...appliedPerKey.values()].filter((count) => count > 1).length;
  const deniedApplied = ids.filter((id, index) => !approves(index) && appliedLabels.has(id)).length;
  const approvedMissing = ids.filter((id, index) => approves(index) && !appliedLabels.has(id)).length;
  report.add({ lostRuns: lost, duplicatedSideEffects: duplicated, deniedButApplied: deniedApplied });

  await report.check(group, 'every run completed', async () => {
    assertThat(lost === 0, `${lost} of ${runs} runs did not complete${open.length > 0 ? `; still open: ${open.join('; ')}` : ''}`);
    return `${runs} of ${runs}`;
  });
  await report.check(group, 'each approved change applied exactly once, no denied one', async () => {
    assertThat(duplicated === 0, `${duplicated} changes applied more than once`);
    assertThat(approvedMissing === 0, `${approvedMissing} approved changes never applied`);
    assertThat(deniedApplied === 0, `${deniedApplied} denied changes applied`);
    const attempts = entries.filter((entry) => entry.event === 'attempt').length;
    return `${appliedPerKey.size} applied once each (${attempts} tool attempts), ${runs - appliedPerKey.size} denied, none applied`;
  });

  const work = new Map<string, RunWork>();
  for (const id of ids) work.set(id, await runWork(context.client, id));
  await report.check(group, 'every answer applied by a live worker of the fleet; both workers applied answers (and ran tools, at full size)', async () => {
    const count = (pick: (item: RunWork) => number[]) => {
      const bySlot = new Map<string, number>();
      for (const item of work.values()) for (const pid of pick(item)) bySlot.set(slotOf.get(pid) ?? '?', (bySlot.get(slotOf.get(pid) ?? '?') ?? 0) + 1);
      return bySlot;
    };
    const answers = count((item) => (item.answeredBy !== undefined ? [item.answeredBy] : []));
    const tools = count((item) => item.toolsBy);
    const unanswered = ids.filter((id) => work.get(id)!.answeredBy === undefined);
    assertThat(unanswered.length === 0, `no applied answer in the history of ${unanswered.join(', ')}`);
    assertThat(!answers.has('?') && !tools.has('?'), 'work done by a worker that is not one of the fleet');
    const toolRuns = [...tools.values()].reduce((sum, n) => sum + n, 0);
    for (const slot of ['A', 'B']) {
      assertThat((answers.get(slot) ?? 0) > 0, `worker ${slot} applied no answer: ${JSON.stringify(Object.fromEntries(answers))}`);
      // Any worker may take a tool: with few of them, all on one is a matter of chance (2 in 2^n), not a fault.
      if (toolRuns >= MIN_TOOLS_FOR_BOTH) assertThat((tools.get(slot) ?? 0) > 0, `worker ${slot} ran none of ${toolRuns} tools: ${JSON.stringify(Object.fromEntries(tools))}`);
    }
    // An answer was applied by a worker that was dead when it was sent: impossible unless the history lies.
    const byTheDead = ids.filter((id) => {
      const by = work.get(id)!.answeredBy!;
      return (diedAt.get(by) ?? Infinity) < sentAt.get(id)!;
    });
    assertThat(byTheDead.length === 0, `answers applied by a worker dead before they were sent: ${byTheDead.join(', ')}`);
    const fmt = (map: Map<string, number>) => [...map].sort().map(([slot, n]) => `${slot} ${n}`).join(', ');
    return `answers applied: ${fmt(answers)}; tools run: ${fmt(tools)}`;
  });
  await report.check(group, 'answers to runs whose worker was dead were applied by the other', async () => {
    // The run's worker (it completed the task before the answer's) was already dead when the answer went.
    const moved = ids.filter((id) => {
      const { hadRunBefore, answeredBy } = work.get(id)!;
      return hadRunBefore !== undefined && (diedAt.get(hadRunBefore) ?? Infinity) < sentAt.get(id)! && answeredBy !== hadRunBefore;
    });
    assertThat(moved.length > 0, 'no answer reached a run whose worker was dead (the kill loop did not exercise it)');
    return `${moved.length} answers sent while the run's worker was dead, applied by another`;
  });
  log(`  fleet: ${kills} kills; ${entries.filter((entry) => entry.event === 'attempt').length} tool attempts for ${appliedPerKey.size} applied changes`);
  await context.killWorkers();
}
