/**
 * Structured output (agent/structured-output.ts) end to end, on a real dev server, with every
 * provider's official client against its fake service: the run offers a `final_output` tool whose
 * input schema is the run's JSON Schema, forces it when the model answers in text, checks the
 * output in the model activity, sends an output that does not fit back to the model with the
 * error, and fails the run after the retries. Also: an approval in the middle, an agent's own
 * `output`, a run of a session, and `hitl start|run --output-schema FILE` (result --json shows it).
 * The teardown replays every history these runs made.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { bundleWorkflowCode } from '@temporalio/worker';
import { z } from 'zod';
import { defineAgent, defineTool } from '../../src/agent/definition.js';
import { MAX_OUTPUT_RETRIES, OUTPUT_REQUEST, OUTPUT_TOOL, outputSchemaOf } from '../../src/agent/structured-output.js';
import type { JsonObject, ModelChoice } from '../../src/agent/types.js';
import { FAILURE_CONVERTER_PATH } from '../../src/codec/data-converter.js';
import { withAgentBundling } from '../../src/temporal/bundle-options.js';
import { errorsOnlyLogger } from '../../src/temporal/quiet-logger.js';
import type { RunEvent } from '../../src/agent/run-events.js';
import { TestEnv } from '../support/env.js';
import { PROVIDER_NAMES, startFakeModelService, type FakeModelService, type ProviderName } from '../support/fake-model-services.js';
import type { ScriptedTurn } from '../support/model-script.js';
import { registerReplayBundle } from '../support/run-checks.js';
import { recordAction } from '../support/test-agents.js';
import { readLedger } from '../support/test-tools.js';
import { Verdict } from '../support/structured-output-agents.js';
import { assertOk, assertOneErrorLine, cleanEnv, json, runCli } from './cli-support.js';

const WORKFLOWS = fileURLToPath(new URL('../support/structured-output-workflows.ts', import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), 'hitl-structured-'));
let env: TestEnv;
const services = {} as Record<ProviderName, FakeModelService>;

/** The schema as the run carries it and the model sees it. */
const VERDICT_SCHEMA = outputSchemaOf(z.toJSONSchema(Verdict) as JsonObject);
const GOOD = { decision: 'approve', score: 7, reasons: ['tests pass'] };
const BAD = { decision: 'maybe', score: 11, reasons: [] };

before(async () => {
  env = await TestEnv.start();
  for (const service of await Promise.all(PROVIDER_NAMES.map((name) => startFakeModelService(name)))) services[service.name] = service;
  const workflowBundle = await registerReplayBundle(
    bundleWorkflowCode(withAgentBundling({ workflowsPath: WORKFLOWS, failureConverterPath: FAILURE_CONVERTER_PATH, logger: errorsOnlyLogger })),
  );
  await env.startWorker({ workflowBundle, providers: Object.fromEntries(PROVIDER_NAMES.map((name) => [name, services[name].provider])) });
});
after(async () => {
  await env?.teardown();
  await Promise.all(Object.values(services).map((service) => service.close()));
  rmSync(scratch, { recursive: true, force: true });
});

let models = 0;
function script(provider: ProviderName, ...turns: ScriptedTurn[]): ModelChoice {
  const modelId = `structured-${models++}`;
  services[provider].scriptFor(modelId, ...turns);
  return { provider, modelId };
}
const requestsOf = (model: ModelChoice) => services[model.provider as ProviderName].requests().filter((request) => request.model === model.modelId).map((request) => request.body);
const outputCall = (input: unknown): ScriptedTurn => ({ kind: 'toolUse', uses: [{ name: OUTPUT_TOOL, input }] });

/** The output tool's schema as the provider's request offers it, if it does. */
function offeredSchema(provider: ProviderName, body: any): unknown {
  if (provider === 'bedrock') return body.toolConfig?.tools?.find((tool: any) => tool.toolSpec?.name === OUTPUT_TOOL)?.toolSpec.inputSchema.json;
  if (provider === 'openai') return body.tools?.find((tool: any) => tool.function?.name === OUTPUT_TOOL)?.function.parameters;
  return body.tools?.find((tool: any) => tool.name === OUTPUT_TOOL)?.input_schema;
}

/** The provider's own tool-choice setting in the request (undefined: the model chooses). */
function toolChoiceOf(provider: ProviderName, body: any): unknown {
  return provider === 'bedrock' ? body.toolConfig?.toolChoice : body.tool_choice;
}

/** Each provider's native way of forcing the output tool. */
const FORCED: Record<ProviderName, unknown> = {
  bedrock: { tool: { name: OUTPUT_TOOL } },
  openai: { type: 'function', function: { name: OUTPUT_TOOL } },
  anthropic: { type: 'tool', name: OUTPUT_TOOL },
};

/** The text of the request's last message, whatever the wire format. */
function lastText(provider: ProviderName, body: any): string {
  const last = body.messages.at(-1);
  if (provider === 'bedrock') return last.content.map((block: any) => block.text ?? '').join('');
  if (provider === 'openai') return typeof last.content === 'string' ? last.content : last.content.map((part: any) => part.text ?? '').join('');
  return typeof last.content === 'string' ? last.content : last.content.map((block: any) => block.text ?? '').join('');
}

async function eventsOf(workflowId: string): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const item of env.agents.stream(workflowId)) events.push(item.event);
  return events;
}

describe('every provider', () => {
  for (const provider of PROVIDER_NAMES) {
    test(`${provider}: a text answer is asked again with the output tool forced; the fitting object is the typed result`, async () => {
      const model = script(provider, { kind: 'text', text: 'I approve: the tests pass.' }, outputCall(GOOD));
      const { workflowId } = await env.agents.start({ agent: 'so-reviewer', prompt: 'Review PR 1', model, output: Verdict });
      const verdict = await env.agents.output(workflowId, Verdict);
      assert.deepEqual(verdict, GOOD);
      // Typed: this line does not compile if `output` loses its type.
      const decision: 'approve' | 'reject' = verdict.decision;
      assert.equal(decision, 'approve');

      const result = await env.agents.result(workflowId);
      assert.deepEqual(result.output, GOOD);
      assert.equal(result.text, JSON.stringify(GOOD));
      assert.equal(result.modelCalls, 2);

      const [first, second, ...more] = requestsOf(model);
      assert.equal(more.length, 0);
      assert.deepEqual(offeredSchema(provider, first), provider === 'anthropic' ? { ...VERDICT_SCHEMA, type: 'object' } : VERDICT_SCHEMA);
      assert.equal(toolChoiceOf(provider, first), undefined, 'the first call lets the model choose');
      assert.ok(offeredSchema(provider, first) !== undefined && offeredSchema(provider, second) !== undefined);
      assert.deepEqual(toolChoiceOf(provider, second), FORCED[provider]);
      assert.equal(lastText(provider, second), OUTPUT_REQUEST);
      assert.deepEqual(services[provider].violations(), []);

      const status = await env.agents.status(workflowId);
      assert.deepEqual(status.output, GOOD);
      const finish = (await eventsOf(workflowId)).find((event) => event.type === 'finish');
      assert.deepEqual(finish && 'output' in finish ? finish.output : undefined, GOOD);
    });
  }

  test('a run without an output schema is offered no output tool and no tool choice, and has no output', async () => {
    for (const provider of PROVIDER_NAMES) {
      const model = script(provider, { kind: 'text', text: 'plain answer' });
      const { workflowId } = await env.agents.start({ agent: 'so-reviewer', prompt: 'Review PR 2', model });
      const result = await env.agents.result(workflowId);
      assert.equal(result.text, 'plain answer');
      assert.equal(result.output, undefined);
      const [only, ...more] = requestsOf(model);
      assert.equal(more.length, 0);
      assert.equal(offeredSchema(provider, only), undefined, provider);
      assert.equal(toolChoiceOf(provider, only), undefined, provider);
      await assert.rejects(env.agents.output(workflowId, Verdict), /has no typed output: it was started without an output schema/);
    }
  });
});

test('an output that does not fit goes back to the model with the validation error; the fixed one is the result', async () => {
  const model = script('bedrock', outputCall(BAD), outputCall(GOOD));
  const { workflowId } = await env.agents.start({ agent: 'so-reviewer', prompt: 'Review PR 3', model, output: Verdict });
  assert.deepEqual(await env.agents.output(workflowId, Verdict), GOOD);

  const [first, second, ...more] = requestsOf(model);
  assert.equal(more.length, 0);
  assert.equal(toolChoiceOf('bedrock', first), undefined);
  assert.deepEqual(toolChoiceOf('bedrock', second), FORCED.bedrock, 'asked again, forced');
  const told = second.messages.at(-1).content[0].toolResult;
  assert.equal(told.status, 'error');
  const error = told.content[0].text as string;
  assert.match(error, /does not fit the schema/);
  assert.match(error, /\/decision: must be equal to one of the allowed values/);
  assert.match(error, /\/score: must be <= 10/);
  assert.match(error, /\/reasons: must NOT have fewer than 1 items/);
  assert.deepEqual(services.bedrock.violations(), []);
});

test(`an output that never fits fails the run after ${MAX_OUTPUT_RETRIES} retries, naming the error`, async () => {
  const model = script('openai', outputCall(BAD), outputCall(BAD), outputCall({ ...GOOD, score: 'high' }), outputCall(GOOD));
  const { workflowId } = await env.agents.start({ agent: 'so-reviewer', prompt: 'Review PR 4', model, output: Verdict });
  const status = await env.agents.wait(workflowId);
  assert.equal(status.status, 'failed');
  assert.match(status.error ?? '', new RegExp(`no output that fits the output schema in ${MAX_OUTPUT_RETRIES + 1} tries; the last: /score: must be integer`));
  assert.equal(requestsOf(model).length, MAX_OUTPUT_RETRIES + 1, 'no call after the last retry');
  assert.equal(services.openai.remaining() > 0, true);
  await assert.rejects(env.agents.result(workflowId), /did not complete: .*no output that fits/);
});

test('a tool approval in the middle: the question is asked and answered, the tool runs once, then the typed output', async () => {
  const model = script(
    'anthropic',
    { kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'so-approved' } }] },
    outputCall(GOOD),
  );
  const { workflowId } = await env.agents.start({ agent: 'so-reviewer', prompt: 'Record, then give the verdict', model, output: Verdict });
  const waiting = await env.agents.wait(workflowId);
  assert.equal(waiting.status, 'waiting', waiting.error);
  assert.equal(waiting.output, undefined);
  assert.deepEqual(waiting.pending.map((question) => [question.toolName, question.toolInput]), [['record_action', { label: 'so-approved' }]]);
  await env.agents.respond(workflowId, await env.bound(workflowId, { interruptId: waiting.pending[0]!.id, response: 'y' }));
  assert.deepEqual(await env.agents.output(workflowId, Verdict), GOOD);
  assert.equal(readLedger(env.ledger).filter((entry) => entry.tool === 'record_action' && entry.label === 'so-approved').length, 1);
  const [first, second] = requestsOf(model);
  assert.equal(toolChoiceOf('anthropic', first), undefined);
  assert.equal(toolChoiceOf('anthropic', second), undefined, 'after a tool result the model chooses again');
  assert.deepEqual(services.anthropic.violations(), []);
});

test('an output call beside other tools is refused with an error result; the other tools run; the output alone ends the run', async () => {
  const model = script(
    'bedrock',
    { kind: 'toolUse', uses: [{ name: 'record_action', input: { label: 'so-beside' } }, { name: OUTPUT_TOOL, input: GOOD }] },
    outputCall(GOOD),
  );
  const { workflowId } = await env.agents.start({ agent: 'so-typed', prompt: 'Record and answer', model });
  assert.deepEqual((await env.agents.result(workflowId)).output, GOOD);
  const [, second] = requestsOf(model);
  const results = second.messages.at(-1).content.map((block: any) => block.toolResult);
  assert.equal(results.length, 2);
  assert.equal(results[0].status, 'success');
  assert.equal(results[1].status, 'error');
  assert.match(results[1].content[0].text, /final_output was not taken: call it alone/);
  assert.equal(readLedger(env.ledger).filter((entry) => entry.label === 'so-beside').length, 1);
});

test("an agent's own output schema gives its runs a typed result; a run's output replaces it", async () => {
  const own = script('bedrock', outputCall(GOOD));
  const { workflowId } = await env.agents.start({ agent: 'so-typed', prompt: 'Review PR 5', model: own });
  assert.deepEqual(await env.agents.output(workflowId, Verdict), GOOD);
  assert.deepEqual(offeredSchema('bedrock', requestsOf(own)[0]), VERDICT_SCHEMA);

  const Small = z.object({ ok: z.boolean() });
  const replaced = script('bedrock', outputCall({ ok: true }));
  const run = await env.agents.start({ agent: 'so-typed', prompt: 'Review PR 6', model: replaced, output: Small });
  assert.deepEqual(await env.agents.output(run.workflowId, Small), { ok: true });
  assert.deepEqual(offeredSchema('bedrock', requestsOf(replaced)[0]), outputSchemaOf(z.toJSONSchema(Small) as JsonObject));
});

test("a sub-agent's typed result is the calling agent's tool result (its JSON)", async () => {
  // The sub-agent runs on its caller's model: one script, played in order.
  const model = script('bedrock', { kind: 'toolUse', uses: [{ name: 'review', input: { prompt: 'Review PR 11' } }] }, outputCall(GOOD), { kind: 'text', text: 'The reviewer approved.' });
  const { workflowId } = await env.agents.start({ agent: 'so-caller', prompt: 'Get PR 11 reviewed', model });
  const result = await env.agents.result(workflowId);
  assert.equal(result.text, 'The reviewer approved.');
  assert.equal(result.output, undefined, 'the caller asked for no output');
  const [first, child, last, ...more] = requestsOf(model);
  assert.equal(more.length, 0);
  assert.equal(offeredSchema('bedrock', first), undefined);
  assert.deepEqual(offeredSchema('bedrock', child), VERDICT_SCHEMA, "the sub-agent's own output schema");
  const toolResult = last.messages.at(-1).content[0].toolResult;
  assert.equal(toolResult.status, 'success');
  assert.deepEqual(JSON.parse(toolResult.content[0].text), GOOD);
});

test('a run of a session takes an output schema too', async () => {
  const model = script('bedrock', outputCall(GOOD));
  const { workflowId } = await env.agents.start({ agent: 'so-reviewer', prompt: 'Review PR 7', model, output: Verdict, sessionId: `so-session-${process.pid}` });
  assert.deepEqual(await env.agents.output(workflowId, Verdict), GOOD);
});

test('an output schema that is not an object schema, has no JSON Schema or is not valid is refused before anything starts', async () => {
  await assert.rejects(env.agents.start({ agent: 'so-reviewer', prompt: 'x', output: z.string() }), /must describe an object \("type": "object"; it has "type": "string"\)/);
  await assert.rejects(env.agents.start({ agent: 'so-reviewer', prompt: 'x', output: z.object({ at: z.date() }) }), /the output schema has no JSON Schema/);
  await assert.rejects(env.agents.start({ agent: 'so-reviewer', prompt: 'x', output: { type: 'object', properties: { a: { type: 'nonsense' } } } }), /not a valid JSON Schema/);
  await assert.rejects(
    env.agents.start({ agent: 'so-reviewer', prompt: 'x', output: { type: 'object', description: 'x'.repeat(40_000) } }),
    /may have at most 32768/,
  );
  assert.throws(
    () => defineAgent({ name: 'so-clash', description: 'x', systemPrompt: 'x', tools: [defineTool({ ...recordAction, name: OUTPUT_TOOL })], output: Verdict }),
    /has an output schema and a tool named "final_output"/,
  );
});

describe('the CLI', () => {
  const cli = (args: string[]) => runCli(args, { cwd: scratch, env: { ...cleanEnv(), TEMPORAL_ADDRESS: env.address, AGENT_TASK_QUEUE: env.taskQueue } });
  const file = (name: string, content: string) => {
    const at = path.join(scratch, name);
    writeFileSync(at, content);
    return at;
  };

  test('hitl start --output-schema FILE: result --json shows the typed output; run --json too', async () => {
    const schema = file('verdict.schema.json', JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...VERDICT_SCHEMA }, null, 2));
    const turns = file('turns.json', JSON.stringify([{ text: 'Approved.' }, { tools: [{ name: OUTPUT_TOOL, input: { ...GOOD, score: 12 } }] }, { tools: [{ name: OUTPUT_TOOL, input: GOOD }] }]));
    const started = json<{ workflowId: string }>(assertOk(await cli(['start', '--json', '--agent', 'so-reviewer', '--model', `scripted:${turns}`, '--output-schema', schema, 'Review PR 8']), ['start']));
    const result = json<{ output?: unknown; text: string; modelCalls: number }>(assertOk(await cli(['result', '--json', started.workflowId]), ['result']));
    assert.deepEqual(result.output, GOOD);
    assert.equal(result.modelCalls, 3, 'text, forced output that does not fit, fixed output');

    const once = file('once.json', JSON.stringify([{ tools: [{ name: OUTPUT_TOOL, input: GOOD }] }]));
    const ran = json<{ workflowId: string; output?: unknown }>(assertOk(await cli(['run', '--json', '--agent', 'so-reviewer', '--model', `scripted:${once}`, '--output-schema', schema, 'Review PR 9']), ['run']));
    assert.deepEqual(ran.output, GOOD);
    const plain = json<{ output?: unknown }>(assertOk(await cli(['run', '--json', '--agent', 'so-reviewer', '--model', `scripted:${file('plain.json', '[{"text":"done"}]')}`, 'Review PR 10']), ['run']));
    assert.equal('output' in plain, false);
  });

  test('a missing, non-JSON, oversized, non-object or invalid schema file is refused in one line', async () => {
    const turns = file('never.json', '[{"text": "never asked"}]');
    const start = (schema: string) => cli(['start', '--agent', 'so-reviewer', '--model', `scripted:${turns}`, '--output-schema', schema, 'x']);
    assertOneErrorLine(await start(path.join(scratch, 'nope.json')), /--output-schema: cannot read ".*nope\.json": no such file/);
    assertOneErrorLine(await start(file('broken.json', '{"type": "object",')), /--output-schema: ".*broken\.json" is not JSON/);
    assertOneErrorLine(await start(file('huge.json', JSON.stringify({ type: 'object', description: 'x'.repeat(200_000) }))), /--output-schema: the file ".*huge\.json" is \d+ bytes; an output schema file may have at most 131072/);
    assertOneErrorLine(await start(file('array.json', '{"type": "array"}')), /--output-schema: ".*array\.json": the output schema must describe an object/);
    assertOneErrorLine(await start(file('invalid.json', '{"type": "object", "properties": {"a": {"type": "nonsense"}}}')), /the output schema is not a valid JSON Schema/);
  });
});
