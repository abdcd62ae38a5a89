/**
 * 6. History cost: events and bytes of history per agent step, and how they grow with the
 * conversation. Bytes are the History proto as the server returns it, encoded with protobuf
 * (`temporal.api.history.v1.History.encode`), and for reference the length of its proto3 JSON.
 */
import { createRequire } from 'node:module';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { costRow, log, round, type BenchEnv, type BenchResult } from './harness.js';
import { runAgent, runFloor, type Queues } from './per-step.js';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
interface HistoryCodec {
  encode(history: History): { finish(): Uint8Array };
}

// The History message type comes from @temporalio/proto, a dependency of @temporalio/common:
// resolve it from there rather than relying on how node_modules is laid out.
const fromCommon = createRequire(createRequire(import.meta.url).resolve('@temporalio/common'));
const HistoryProto = (fromCommon('@temporalio/proto') as { temporal: { api: { history: { v1: { History: HistoryCodec } } } } }).temporal.api.history.v1
  .History;

export interface HistoryMeasure {
  steps: number;
  events: number;
  protoBytes: number;
  jsonBytes: number;
  /** Payload bytes of activity inputs and results, by activity type. */
  payloadBytes: Record<string, { input: number; result: number }>;
}

function payloadSize(payloads: Array<{ data?: Uint8Array | null; metadata?: Record<string, Uint8Array> | null }> | null | undefined): number {
  let size = 0;
  for (const payload of payloads ?? []) {
    size += payload.data?.length ?? 0;
    for (const [key, value] of Object.entries(payload.metadata ?? {})) size += key.length + value.length;
  }
  return size;
}

export function measureHistory(history: History, steps: number): HistoryMeasure {
  const events = history.events ?? [];
  const typeBySchedule = new Map<string, string>();
  const payloadBytes: Record<string, { input: number; result: number }> = {};
  const entry = (type: string) => (payloadBytes[type] ??= { input: 0, result: 0 });
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const type = scheduled.activityType?.name ?? 'unknown';
      typeBySchedule.set(String(event.eventId), type);
      entry(type).input += payloadSize(scheduled.input?.payloads);
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) entry(typeBySchedule.get(String(completed.scheduledEventId)) ?? 'unknown').result += payloadSize(completed.result?.payloads);
  }
  return {
    steps,
    events: events.length,
    protoBytes: HistoryProto.encode(history).finish().length,
    jsonBytes: Buffer.byteLength(historyToJSON(history)),
    payloadBytes,
  };
}

export async function historyBench(env: BenchEnv, queues: Queues, options: { lengths: number[] }): Promise<BenchResult> {
  const ours: HistoryMeasure[] = [];
  const floor: HistoryMeasure[] = [];
  for (const steps of options.lengths) {
    const spec = { steps, modelMs: 0, toolMs: 0 };
    const agentRun = await runAgent(env, queues, spec, 'history');
    ours.push(measureHistory(await env.client.workflow.getHandle(agentRun.workflowId).fetchHistory(), steps));
    const floorRun = await runFloor(env, queues, spec, 'history-floor');
    floor.push(measureHistory(await env.client.workflow.getHandle(floorRun.workflowId).fetchHistory(), steps));
    log(`history: ${steps} steps: ours ${ours.at(-1)!.events} events, ${ours.at(-1)!.protoBytes} bytes; floor ${floor.at(-1)!.events} events, ${floor.at(-1)!.protoBytes} bytes`);
  }
  const last = ours.length - 1;
  const perStepBytes = (measure: HistoryMeasure) => measure.protoBytes / measure.steps;
  const rows = [
    costRow(`events per step (${ours[last]!.steps} steps)`, 'events', ours[last]!.events / ours[last]!.steps, floor[last]!.events / floor[last]!.steps),
    ...ours.map((measure, i) => costRow(`history bytes per step (${measure.steps} steps)`, 'bytes', perStepBytes(measure), perStepBytes(floor[i]!), { of: 'ratio', max: 2 })),
    // Flat: bytes per step do not grow with the conversation (the floor's stay put).
    costRow(
      `bytes per step, ${ours[last]!.steps} vs ${ours[0]!.steps} steps`,
      'x',
      perStepBytes(ours[last]!) / perStepBytes(ours[0]!),
      perStepBytes(floor[last]!) / perStepBytes(floor[0]!),
      { of: 'ours', max: 1.1 },
    ),
  ];
  const perStep = (measure: HistoryMeasure) => ({
    steps: measure.steps,
    events: measure.events,
    eventsPerStep: round(measure.events / measure.steps, 2),
    protoBytes: measure.protoBytes,
    protoBytesPerStep: Math.round(measure.protoBytes / measure.steps),
    jsonBytes: measure.jsonBytes,
    jsonBytesPerStep: Math.round(measure.jsonBytes / measure.steps),
    payloadBytes: measure.payloadBytes,
  });
  return {
    id: 'history',
    title: 'History cost per agent step (protobuf-encoded History; JSON length in details)',
    rows,
    details: {
      bytes: 'protoBytes = temporal.api.history.v1.History.encode(fetchHistory()).length; jsonBytes = length of its proto3 JSON (historyToJSON)',
      ours: ours.map(perStep),
      floor: floor.map(perStep),
      growth: {
        oursBytesPerStepFirstToLast: round(ours[last]!.protoBytes / ours[last]!.steps / (ours[0]!.protoBytes / ours[0]!.steps), 2),
        floorBytesPerStepFirstToLast: round(floor[last]!.protoBytes / floor[last]!.steps / (floor[0]!.protoBytes / floor[0]!.steps), 2),
      },
    },
  };
}
