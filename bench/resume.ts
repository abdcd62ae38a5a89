/**
 * 3. Resume latency: from an answer sent (signal, update) to the approved tool's activity
 * starting, as the tool itself records it (same process, same monotonic clock). The agent's
 * before-tool-call hook asks for approval before every tool call; the floor is a bare workflow
 * that starts an activity when a signal or update arrives. Approvals are sent one at a time,
 * each once the run is known to wait (ours: `AgentClient.wait`; the floor: its query), so nothing
 * else is in flight: each answer goes 50 ms after the run is known to wait, as a person's would
 * come later, so that the tail of the workflow task that made it wait is not timed. The workers
 * run in child processes; the tool's start time comes back over IPC on the machine-wide monotonic
 * clock (probe.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { respondSignal, respondUpdate } from '../src/workflows/messages.js';
import type { InterruptResponse } from '../src/agent/interrupts.js';
import { costRow, log, percentile, round, workflowId, type BenchEnv, type BenchResult } from './harness.js';
import type { Queues } from './per-step.js';
import { monotonicMs, whenToolStarts } from './probe.js';
import {
  approvalIdFor,
  BENCH_APPROVAL_AGENT,
  FLOOR_APPROVALS_WORKFLOW,
  floorApproveSignal,
  floorApproveUpdate,
  floorWaitingQuery,
  INSTANT_MODEL,
  promptFor,
  toolKey,
  type FloorApprovalsInput,
} from './protocol.js';

type Side = 'ours' | 'floor';
type Channel = 'update' | 'signal';

interface Sample {
  /** From the call that sends the answer to the tool's start. */
  fromSend: number;
  /** From the moment the call returned (the update's result is back; the signal is accepted by the server) to the tool's start. */
  fromReturn: number;
}

const WAIT_LIMIT_MS = 60_000;
/** The pause between learning that the run waits and answering (see below). */
const SETTLE_MS = 50;

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

async function oneRun(env: BenchEnv, queues: Queues, side: Side, channel: Channel, steps: number): Promise<Sample[]> {
  const id = workflowId(`resume-${side}-${channel}`);
  let handle: WorkflowHandle;
  if (side === 'ours') {
    await env.agents(queues.agent).start({ agent: BENCH_APPROVAL_AGENT, prompt: promptFor({ steps, modelMs: 0, toolMs: 0 }), model: INSTANT_MODEL, workflowId: id });
    handle = env.client.workflow.getHandle(id);
  } else {
    const input: FloorApprovalsInput = { steps };
    handle = await env.client.workflow.start(FLOOR_APPROVALS_WORKFLOW, { taskQueue: queues.floor, workflowId: id, args: [input] });
  }
  const samples: Sample[] = [];
  for (let step = 1; step <= steps; step++) {
    const interruptId = approvalIdFor(step);
    // Ours answers as a client that read the question: with its binding.
    let answer: InterruptResponse | undefined;
    if (side === 'ours') {
      const status = await env.agents(queues.agent).wait(id, { timeoutMs: WAIT_LIMIT_MS });
      const question = status.pending.find((pending) => pending.id === interruptId);
      if (!question) throw new Error(`${id} does not wait for ${interruptId}: ${status.status}`);
      answer = { interruptId, response: 'y', respondedBy: 'bench', ...(question.binding ? { binding: question.binding } : {}) };
    } else {
      await until(`${id} to wait for step ${step}`, async () => (await handle.query(floorWaitingQuery)) === step);
    }
    // A person answers later than a machine notices: let the task that made the run wait finish on both sides.
    await sleep(SETTLE_MS);
    const started = whenToolStarts(toolKey(id, step));
    const sent = monotonicMs();
    if (answer && channel === 'update') await handle.executeUpdate(respondUpdate, { args: [answer] });
    else if (answer) await handle.signal(respondSignal, answer);
    else if (channel === 'update') await handle.executeUpdate(floorApproveUpdate);
    else await handle.signal(floorApproveSignal);
    const returned = monotonicMs();
    const at = await started;
    samples.push({ fromSend: at - sent, fromReturn: at - returned });
  }
  await handle.result();
  return samples;
}

export async function resumeBench(env: BenchEnv, queues: Queues, options: { approvals: number; stepsPerRun: number }): Promise<BenchResult> {
  const stepsPerRun = Math.min(options.stepsPerRun, options.approvals);
  const runs = Math.ceil(options.approvals / stepsPerRun);
  const variants: Array<[Side, Channel]> = [
    ['ours', 'update'],
    ['floor', 'update'],
    ['ours', 'signal'],
    ['floor', 'signal'],
  ];
  const samples = new Map<string, Sample[]>(variants.map(([side, channel]) => [`${side}-${channel}`, []]));
  for (let run = 0; run < runs; run++) {
    const steps = Math.min(stepsPerRun, options.approvals - run * stepsPerRun);
    // Rotate the order so that no variant always follows the same one.
    for (let v = 0; v < variants.length; v++) {
      const [side, channel] = variants[(v + run) % variants.length]!;
      samples.get(`${side}-${channel}`)!.push(...(await oneRun(env, queues, side, channel, steps)));
    }
    if ((run + 1) % Math.max(1, Math.floor(runs / 4)) === 0 || run === runs - 1) log(`resume: ${(run + 1) * stepsPerRun} of ${options.approvals} approvals per variant`);
  }
  const pick = (key: string, field: keyof Sample) => samples.get(key)!.map((sample) => sample[field]);
  const stat = (key: string, field: keyof Sample, p: number) => percentile(pick(key, field), p);
  const summary = Object.fromEntries(
    [...samples.keys()].map((key) => [
      key,
      {
        fromSendP50: round(stat(key, 'fromSend', 50), 3),
        fromSendP99: round(stat(key, 'fromSend', 99), 3),
        fromReturnP50: round(stat(key, 'fromReturn', 50), 3),
        fromReturnP99: round(stat(key, 'fromReturn', 99), 3),
      },
    ]),
  );
  return {
    id: 'resume',
    title: `Resume latency (${options.approvals} approvals per variant, answer sent -> approved tool starts)`,
    rows: [
      costRow('update p50', 'ms', stat('ours-update', 'fromSend', 50), stat('floor-update', 'fromSend', 50), { of: 'ratio', max: 1.2 }),
      costRow('update p99', 'ms', stat('ours-update', 'fromSend', 99), stat('floor-update', 'fromSend', 99), { of: 'ratio', max: 1.5 }),
      costRow('signal p50', 'ms', stat('ours-signal', 'fromSend', 50), stat('floor-signal', 'fromSend', 50), { of: 'ratio', max: 1.2 }),
      costRow('signal p99', 'ms', stat('ours-signal', 'fromSend', 99), stat('floor-signal', 'fromSend', 99), { of: 'ratio', max: 1.5 }),
    ],
    details: {
      approvals: options.approvals,
      stepsPerRun,
      runsPerVariant: runs,
      summary,
      note: 'fromSend: the send call starts -> the tool starts; fromReturn: the send call returned -> the tool starts (an update returns after the workflow task that applied it, which also schedules the tool, so the tool may start before the update returns: fromReturn can be <= 0)',
    },
  };
}
