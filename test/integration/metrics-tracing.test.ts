/**
 * OpenTelemetry tracing exported over OTLP/HTTP: with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a
 * local receiver, one approved run yields one trace holding the run, its model calls, its tool
 * calls, and the answer that ended its wait.
 */
import { registerReplayBundle } from '../support/run-checks.js';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../../src/codec/data-converter.js';
import { startTracing } from '../../src/observability/tracing.js';
import { errorsOnlyLogger } from '../../src/temporal/quiet-logger.js';
import { withAgentBundling } from '../../src/temporal/bundle-options.js';
import { TEST_WORKFLOWS, TestEnv } from '../support/env.js';

interface ReceivedSpan {
  traceId: string;
  name: string;
}

const spans: ReceivedSpan[] = [];
let receiver: Server;
let env: TestEnv;

before(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const sent = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: ReceivedSpan[] }> }> };
        for (const resource of sent.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans.map(({ traceId, name }) => ({ traceId, name })));
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  env = await TestEnv.start();
  // The workflow half of tracing lives in the bundle: built with the tracing plugin.
  const workflowBundle = await registerReplayBundle(bundleWorkflowCode(withAgentBundling({ workflowsPath: TEST_WORKFLOWS, failureConverterPath: FAILURE_CONVERTER_PATH, plugins: [startTracing()!.plugin], logger: errorsOnlyLogger })));
  await env.startWorker({ workflowBundle });
});
after(async () => {
  await env?.teardown();
  receiver?.close();
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
});

test('one trace spans the run, its model calls and its tool calls; the answer is traced too', async () => {
  const paths = ['a.txt'];
  const model = env.model(
    { kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths } }] },
    { kind: 'text', text: 'done' },
  );
  const { workflowId } = await env.agents.start({ agent: 'file-approval', prompt: 'delete a.txt', model, workspace: env.workspace({ 'a.txt': 'a' }) });
  const waiting = await env.agents.wait(workflowId);
  await env.agents.respond(workflowId, { interruptId: waiting.pending[0]!.id, response: 'y' });
  assert.equal((await env.agents.wait(workflowId)).status, 'completed');
  await startTracing()!.flush();

  const run = spans.find((span) => span.name === 'RunWorkflow:agentRun');
  assert.ok(run, `a run span among: ${[...new Set(spans.map((span) => span.name))].join(', ')}`);
  const names = spans.filter((span) => span.traceId === run.traceId).map((span) => span.name);
  assert.equal(names.filter((name) => name === 'RunActivity:invokeModelDelta').length, 2, names.join(', '));
  assert.equal(names.filter((name) => name === 'RunActivity:runTool').length, 1, names.join(', '));
  assert.equal(names.filter((name) => name === 'StartActivity:runTool').length, 1, names.join(', '));
  // The answer is traced where it came from (this client has no tracing: a trace of its own).
  assert.ok(spans.some((span) => span.name === 'HandleUpdate:respond'));
});
