/**
 * Metrics after scripted runs: the worker runtime's Prometheus exporter (as `worker --metrics-port`
 * installs it) serves Temporal's metrics and ours, and ours hold the runs' actual numbers: model
 * calls and tokens by provider and model, tool calls by outcome.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Runtime } from '@temporalio/worker';
import { prometheusTelemetry } from '../../src/observability/prometheus.js';
import { freePort } from '../../src/temporal/ports.js';
import { TestEnv } from '../support/env.js';

let env: TestEnv;
let metricsUrl: string;

before(async () => {
  // Before any connection: the runtime is installed once per process.
  const port = await freePort();
  Runtime.install({ telemetryOptions: prometheusTelemetry(port, '127.0.0.1') });
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  env = await TestEnv.start();
  await env.startWorker();
});
after(async () => env?.teardown());

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

async function scrape(): Promise<Sample[]> {
  const text = await (await fetch(metricsUrl)).text();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string>): number {
  return samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

const FILES = { 'a.txt': 'a', 'b.txt': 'b' };

function deletingModel() {
  const paths = Object.keys(FILES);
  return env.model(
    { kind: 'toolUse', uses: [{ name: 'inspect_files', input: { paths } }] },
    { kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths } }] },
    { kind: 'text', text: 'done', usage: { inputTokens: 1000, outputTokens: 7 } },
  );
}

test('after an approved and a denied run, /metrics holds their model calls, tokens and tool outcomes', async () => {
  const runs = [];
  for (const answer of ['y', 'n']) {
    const model = deletingModel();
    const { workflowId } = await env.agents.start({ agent: 'file-approval', prompt: 'delete a.txt and b.txt', model, workspace: env.workspace(FILES) });
    const waiting = await env.agents.wait(workflowId);
    await env.agents.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: answer });
    runs.push({ model, result: await env.agents.result(workflowId) });
  }

  const samples = await scrape();
  assert.ok(samples.some((sample) => sample.name.startsWith('temporal_')), "Temporal's own metrics are there too");
  for (const { model, result } of runs) {
    const tags = { provider: 'bedrock', model: model.modelId };
    assert.equal(total(samples, 'hitl_model_latency_count', tags), 3, `three model calls of ${model.modelId}`);
    assert.equal(total(samples, 'hitl_model_latency_count', { ...tags, outcome: 'ok' }), 3);
    assert.equal(total(samples, 'hitl_model_tokens', { ...tags, direction: 'input' }), result.usage.inputTokens);
    assert.equal(total(samples, 'hitl_model_tokens', { ...tags, direction: 'output' }), result.usage.outputTokens);
    assert.ok(result.usage.inputTokens > 1000);
  }
  const tools = { agent: 'file-approval' };
  assert.equal(total(samples, 'hitl_tool_calls', { ...tools, tool: 'inspect_files', outcome: 'success' }), 2);
  assert.equal(total(samples, 'hitl_tool_calls', { ...tools, tool: 'delete_files', outcome: 'success' }), 1, 'the approved delete ran once');
  assert.equal(total(samples, 'hitl_tool_calls', { ...tools, tool: 'delete_files' }), 1, 'the denied one never ran');
  // The people side: two questions asked, one approved and one denied, none open any more.
  const people = { agent: 'file-approval', tool: 'delete_files' };
  assert.equal(total(samples, 'hitl_interrupts_opened', people), 2);
  assert.equal(total(samples, 'hitl_interrupt_outcomes', { ...people, outcome: 'approved' }), 1);
  assert.equal(total(samples, 'hitl_interrupt_outcomes', { ...people, outcome: 'denied' }), 1);
  assert.equal(total(samples, 'hitl_interrupt_answer_time_count', people), 2);
  assert.equal(total(samples, 'hitl_interrupts_open', { agent: 'file-approval' }), 0);
});
