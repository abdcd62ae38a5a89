/**
 * Graceful shutdown inside a fleet: SIGTERM (not SIGKILL) to one of two workers on a task queue
 * while approved tools run on it. It finishes them within its grace, or hands them back to the
 * other, live, worker, and says which; it exits 0; each change is made once. The workers are
 * test/integration/graceful-shutdown-worker.ts (the CLI's worker path with a slow, idempotent
 * `record_action`): graceful-shutdown.test.ts covers one worker alone, this the handover in a fleet.
 */
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { scriptedModel } from '../../src/agent/scripted-turns.js';
import { AgentClient } from '../../src/sdk/agent-client.js';
import { SHUTDOWN_FORCE_MARGIN_MS } from '../../src/temporal/worker-shutdown.js';
import type { FaultContext } from './context.js';
import { assertThat, type FaultReport } from './harness.js';
import { startWorkerProcess, type WorkerProcess } from './processes.js';
import { readLedger } from '../support/test-tools.js';
import { withRunDeadline } from '../support/run-checks.js';
import type { GracefulLedgerEntry } from '../integration/graceful-shutdown-worker.js';

const GRACEFUL_WORKER = fileURLToPath(new URL('../integration/graceful-shutdown-worker.ts', import.meta.url));
/** Not a timing check: only how long to wait before calling a worker that never exits stuck. */
const HANG_GUARD_MS = 120_000;

export type ShutdownOutcome = 'finishes' | 'hands back';

/** `finishes`: a 5 s tool, 60 s of grace. `hands back`: a 5-minute tool (it stops on its signal), 1 s of grace. */
const SETUPS: Record<ShutdownOutcome, { toolMs: number; graceMs: number }> = {
  finishes: { toolMs: 5_000, graceMs: 60_000 },
  'hands back': { toolMs: 300_000, graceMs: 1_000 },
};

export async function fleetShutdown(context: FaultContext, report: FaultReport, outcome: ShutdownOutcome, runs = 3): Promise<void> {
  const group = 'fleet of workers';
  const label = outcome.replace(' ', '-');
  const queue = `fleet-sigterm-${label}-${process.pid}`;
  const ledger = `${context.ledger}.${label}`;
  const agents = new AgentClient(context.client, queue);
  const start = (toolMs: number, graceMs: number): Promise<WorkerProcess> =>
    startWorkerProcess(
      {
        TEMPORAL_ADDRESS: context.address,
        GRACEFUL_TASK_QUEUE: queue,
        GRACEFUL_BUNDLE: context.bundlePath,
        GRACEFUL_LEDGER: ledger,
        GRACEFUL_TOOL_MS: String(toolMs),
        GRACEFUL_TOOL: 'listens',
        AGENT_SHUTDOWN_GRACE_MS: String(graceMs),
        AGENT_WORKSPACE_ROOTS: context.bundlePath.replace(/\/[^/]+$/, ''),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      GRACEFUL_WORKER,
    );
  const { toolMs, graceMs } = SETUPS[outcome];
  const entries = () => readLedger(ledger) as GracefulLedgerEntry[];
  const first = await start(toolMs, graceMs);
  let second: WorkerProcess | undefined;
  try {
    await report.check(group, `SIGTERM to one of two workers while ${runs} approved tools run on it: it ${outcome}, says so, exits 0; each change made once`, async () => {
      const labels = Array.from({ length: runs }, (_, index) => `${queue}-${index}`);
      // The first worker alone takes the runs, so that their tools are on it when SIGTERM comes.
      const ids = await Promise.all(
        labels.map(async (prompt) => {
          const model = scriptedModel([{ tools: [{ name: 'record_action', input: { label: prompt } }] }, { text: `done ${prompt}` }]);
          const { workflowId } = await agents.start({ agent: 'test-guarded', prompt, model });
          const { pending } = await agents.wait(workflowId);
          await agents.answer(workflowId, pending.map((question) => ({ interruptId: question.id, response: 'y', respondedBy: 'fleet-suite' })), undefined, pending);
          return workflowId;
        }),
      );
      for (let waited = 0; entries().filter((entry) => entry.pid === first.pid).length < runs; waited += 50) {
        assertThat(waited < HANG_GUARD_MS, `the tools never started on the first worker: ${JSON.stringify(entries())}`);
        await sleep(50);
      }
      // Hands back: the other worker is up first and takes the attempts at once. Finishes: it starts
      // while the first drains, as in a rolling update (and the tools still run when SIGTERM comes).
      const joining = start(200, 60_000).then((worker) => (second = worker));
      if (outcome === 'hands back') await joining;
      const code = await Promise.race([first.terminate(), sleep(graceMs + SHUTDOWN_FORCE_MARGIN_MS + HANG_GUARD_MS).then(() => 'hung')]);
      const other = await joining;
      const said = first.output();
      assertThat(code === 0, `the worker exited with ${code}:\n${said}`);
      const running = new RegExp(`shutting down \\(received SIGTERM\\): finishing ${runs} running activities \\(${runs} × tool record_action\\), at most ${graceMs / 1000} s`);
      assertThat(running.test(said), `it did not say what it finishes:\n${said}`);
      const stopped = outcome === 'finishes' ? `worker stopped: ${runs} finished \\(${runs} × tool record_action\\), 0 handed back` : `worker stopped: 0 finished, ${runs} handed back to other workers \\(${runs} × tool record_action\\)`;
      assertThat(new RegExp(stopped).test(said), `it did not say that it ${outcome}:\n${said}`);

      const results = await Promise.all(ids.map((id) => withRunDeadline(agents.result(id), context.client.workflow.getHandle(id))));
      assertThat(results.every((result, index) => result.text === `done ${labels[index]}`), `runs ended otherwise: ${results.map((result) => result.text).join('; ')}`);
      const applied = entries().filter((entry) => entry.event === 'applied');
      for (const prompt of labels) {
        const made = applied.filter((entry) => entry.label === prompt);
        assertThat(made.length === 1, `${prompt} was applied ${made.length} times`);
        // Finished where it ran, or retried on the live worker after the hand-back.
        const by = outcome === 'finishes' ? first.pid : other.pid;
        assertThat(made[0]!.pid === by, `${prompt} was applied by pid ${made[0]!.pid}, not ${by}`);
      }
      const handedBack = entries().filter((entry) => entry.event === 'attempt' && entry.pid === other.pid).length;
      return `${said.split('\n').find((line) => line.startsWith('worker stopped'))}; ${handedBack} attempts retried on the other worker`;
    });
  } finally {
    await first.kill();
    await second?.kill();
  }
}
