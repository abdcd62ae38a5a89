/**
 * The offline scripted model anyone can use: the script's shape (one clear line for what is wrong),
 * `--model scripted:FILE` at the CLI, the stateless `scripted` provider answering turn N from the
 * conversation, ScriptedModels sharing its turns, and the `auto` provider refusing agents the demo
 * model cannot drive.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { formatModelChoice } from '../../src/agent/model-choice.js';
import { MAX_SCRIPT_CHARS, parseScript, scriptedModel, turnIndex, type ScriptedTurn } from '../../src/agent/scripted-turns.js';
import type { Message, ModelRequest, ToolSpec } from '../../src/agent/types.js';
import { resolveModel } from '../../src/cli/model-choice.js';
import { AutoProvider, DEMO_CANNOT_DRIVE } from '../../src/models/auto.js';
import { defaultProviders } from '../../src/models/default-providers.js';
import { DemoProvider, demoModelDrives } from '../../src/models/demo.js';
import { ScriptedProvider } from '../../src/models/scripted.js';
import { ScriptedModels } from '../../src/testing/scripted-models.js';

const BARE: NodeJS.ProcessEnv = { AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_CONFIG_FILE: '/nonexistent/config' };
const SCRIPT: ScriptedTurn[] = [{ tools: [{ name: 'issue_refund', input: { orderId: 'A-1', amount: 20 } }] }, { text: 'Refunded A-1.' }];
const scratch = mkdtempSync(path.join(tmpdir(), 'scripted-model-'));

function file(name: string, text: string): string {
  const at = path.join(scratch, name);
  writeFileSync(at, text);
  return at;
}

/** The one-line message of what `act` throws. */
function refusal(act: () => unknown): string {
  try {
    act();
  } catch (error) {
    const message = (error as Error).message;
    assert.doesNotMatch(message, /\n/, 'one line');
    return message;
  }
  return assert.fail('expected an error');
}

const user = (text: string): Message => ({ role: 'user', content: [{ text }] });
const results = (id: string): Message => ({ role: 'user', content: [{ toolResult: { toolUseId: id, content: [{ text: 'ok' }], status: 'success' } }] });
const toolUse = (id: string): Message => ({ role: 'assistant', content: [{ toolUse: { toolUseId: id, name: 'issue_refund', input: {} } }] });
const request = (model: ModelRequest['model'], messages: Message[], tools: ToolSpec[] = []): ModelRequest => ({ model, system: '', messages, tools });

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApplicationFailure, `an ApplicationFailure, not ${String(error)}`);
    return error;
  }
  return assert.fail('expected a failure');
}

describe('the script format', () => {
  it('takes the ScriptedTurn shape, and names what is wrong in one line', () => {
    assert.deepEqual(parseScript(JSON.stringify(SCRIPT, null, 2)), SCRIPT);
    const wrong = (text: string) => refusal(() => parseScript(text, 'the script s.json'));
    assert.match(wrong('{"tools": oops}'), /^the script s\.json is not JSON: /);
    assert.match(wrong('{"text": "hi"}'), /the script s\.json must be a JSON array of turns, e\.g\. \[\{"tools"/);
    assert.match(wrong('[]'), /has no turns/);
    assert.match(wrong('["hi"]'), /turn 1 must be an object/);
    assert.match(wrong('[{"text": "a"}, {"txt": "b"}]'), /turn 2 must have either "text" .* or "tools" .*; it has "txt"/);
    assert.match(wrong('[{"text": "a", "tools": []}]'), /turn 1 must have either .*, not both/);
    assert.match(wrong('[{"text": 3}]'), /turn 1: text must be a string/);
    assert.match(wrong('[{"tools": []}]'), /turn 1: tools must hold at least one tool call/);
    assert.match(wrong('[{"tools": [{"name": "issue_refund", "input": "A-1"}]}]'), /turn 1: tools\[0\]\.input must be a JSON object/);
    assert.match(wrong('[{"tools": [{"name": "", "input": {}}]}]'), /turn 1: tools\[0\]\.name must not be empty/);
    assert.match(wrong('[{"text": "a", "then": 1}]'), /turn 1: Unrecognized key: "then"/);
  });

  it('travels as compact JSON in the model id, within a size limit', () => {
    const model = scriptedModel(SCRIPT);
    assert.deepEqual(model, { provider: 'scripted', modelId: JSON.stringify(SCRIPT) });
    assert.equal(formatModelChoice(model), 'scripted (2 turns)');
    const big = [{ text: 'x'.repeat(MAX_SCRIPT_CHARS) }];
    assert.match(refusal(() => scriptedModel(big)), new RegExp(`may hold at most ${MAX_SCRIPT_CHARS}`));
    assert.match(refusal(() => scriptedModel([{ tools: [] }] as never)), /turn 1: tools must hold at least one tool call/);
  });
});

describe('--model scripted:FILE', () => {
  const choose = (model: string, env: NodeJS.ProcessEnv = {}) => resolveModel({ model }, { ...BARE, ...env }).model;

  it('reads the file and sends its script with the run', () => {
    const script = file('refunds.json', JSON.stringify(SCRIPT, null, 2));
    assert.deepEqual(choose(`scripted:${script}`), scriptedModel(SCRIPT));
    assert.deepEqual(resolveModel({}, { ...BARE, AGENT_MODEL: `scripted:${script}` }).model, scriptedModel(SCRIPT));
  });

  it('refuses a missing, malformed or oversized script with one line naming the file and the problem', () => {
    const missing = path.join(scratch, 'nope.json');
    assert.match(refusal(() => choose(`scripted:${missing}`)), new RegExp(`^--model: cannot read the script "${missing.replaceAll('/', '\\/')}": no such file$`));
    assert.match(refusal(() => choose('scripted:')), /--model scripted: needs a file/);
    const bad = file('bad.json', '[{"tools": [{"name": "issue_refund", "input": ["A-1"]}]}]');
    assert.match(refusal(() => choose(`scripted:${bad}`)), /^--model: the script ".*bad\.json", turn 1: tools\[0\]\.input must be a JSON object/);
    const big = file('big.json', JSON.stringify([{ text: 'x'.repeat(MAX_SCRIPT_CHARS) }]));
    assert.match(refusal(() => choose(`scripted:${big}`)), /big\.json" is \d+ characters of compact JSON; a script travels with the run and may hold at most 8192/);
  });
});

describe('the scripted provider', () => {
  const model = scriptedModel(SCRIPT);
  const provider = new ScriptedProvider();

  it('answers turn N from the conversation: the same request gets the same answer (retries, replays, another worker)', async () => {
    const first = await provider.invoke(request(model, [user('refund A-1')]));
    assert.equal(first.stopReason, 'tool_use');
    assert.deepEqual(first.message.content, [{ toolUse: { toolUseId: 'scripted-1-0', name: 'issue_refund', input: { orderId: 'A-1', amount: 20 } } }]);
    assert.deepEqual(await new ScriptedProvider().invoke(request(model, [user('refund A-1')])), first);
    const conversation = [user('refund A-1'), toolUse('scripted-1-0'), results('scripted-1-0')];
    const second = await provider.invoke(request(model, conversation));
    assert.deepEqual([second.stopReason, second.message.content], ['end_turn', [{ text: 'Refunded A-1.' }]]);
    assert.deepEqual(await provider.invoke(request(model, conversation)), second);
  });

  it("starts again at each run's prompt (a session carries earlier runs' conversation)", async () => {
    const earlier = [user('refund A-1'), toolUse('a'), results('a'), { role: 'assistant', content: [{ text: 'Refunded A-1.' }] } as Message];
    assert.equal(turnIndex(earlier), 2);
    assert.equal(turnIndex([...earlier, user('refund B-2')]), 0);
    const next = await provider.invoke(request(model, [...earlier, user('refund B-2')]));
    assert.equal(next.stopReason, 'tool_use');
  });

  it('fails non-retryably when the script is used up, or the model id is no script', async () => {
    const conversation = [user('x'), toolUse('a'), results('a'), toolUse('b'), results('b')];
    const exhausted = await failure(provider.invoke(request(model, conversation)));
    assert.deepEqual([exhausted.type, exhausted.nonRetryable], ['ScriptExhausted', true]);
    assert.match(exhausted.message, /the scripted model has 2 turns and the run asked for turn 3/);
    const unknown = await failure(provider.invoke(request({ provider: 'scripted', modelId: 'script-1' }, [user('x')])));
    assert.deepEqual([unknown.type, unknown.nonRetryable], ['ScriptNotFound', true]);
    assert.match(unknown.message, /--model scripted:FILE/);
    const broken = await failure(provider.invoke(request({ provider: 'scripted', modelId: '[{"txt":"a"}]' }, [user('x')])));
    assert.deepEqual([broken.type, broken.nonRetryable], ['InvalidScript', true]);
  });

  it('is one of the default providers of every worker', async () => {
    const providers = defaultProviders({ region: 'us-east-1' });
    const response = await providers.scripted!.invoke(request(model, [user('refund A-1')]));
    assert.equal(response.stopReason, 'tool_use');
  });
});

describe('ScriptedModels', () => {
  it('keeps its stateful scripts and shares the turn-to-response code; it answers inline scripts too', async () => {
    const models = new ScriptedModels();
    const scripted = models.script(...SCRIPT);
    const first = await models.invoke(request(scripted, [user('x')]));
    assert.deepEqual(first.message.content, [{ toolUse: { toolUseId: `${scripted.modelId}-1-0`, name: 'issue_refund', input: { orderId: 'A-1', amount: 20 } } }]);
    assert.equal(models.remaining(scripted), 1);
    // Stateful: the next call takes the next turn, whatever the conversation.
    assert.deepEqual((await models.invoke(request(scripted, [user('x')]))).message.content, [{ text: 'Refunded A-1.' }]);
    const error = await failure(models.invoke(request(scripted, [user('x')])));
    assert.match(error.message, /called more often than scripted/);

    const inline = scriptedModel(SCRIPT);
    const answered = await models.invoke(request(inline, [user('x'), toolUse('a'), results('a')]));
    assert.deepEqual(answered.message.content, [{ text: 'Refunded A-1.' }]);
    assert.equal(models.requests(inline).length, 1);
  });
});

describe('the auto provider on a worker without AWS credentials', () => {
  const tool = (name: string, inputSchema: ToolSpec['inputSchema'] = { type: 'object' }): ToolSpec => ({ name, description: '', inputSchema });
  const promptTool = (name: string) => tool(name, { type: 'object', properties: { prompt: { type: 'string' } }, required: ['prompt'] });
  const auto = () => new AutoProvider(defaultProviders({ region: 'us-east-1' }), BARE);
  const autoRequest = (prompt: string, tools: ToolSpec[]) => request({ provider: 'auto', modelId: 'auto' }, [user(prompt)], tools);

  it('refuses an agent the demo model cannot drive, non-retryably, naming the models to choose', async () => {
    const refused = await failure(auto().invoke(autoRequest('Refund order A-1, 20 EUR', [tool('issue_refund')])));
    assert.deepEqual([refused.type, refused.nonRetryable, refused.message], ['DemoModelCannotDrive', true, DEMO_CANNOT_DRIVE]);
    assert.match(refused.message, /only drives the example file agents.*--model scripted:FILE \(offline.*bedrock:…, openai:…, anthropic:…/);
    // File names in the prompt do not help an agent without file tools.
    await failure(auto().invoke(autoRequest('Refund a.txt', [tool('issue_refund')])));
    // Nor does a sub-agent tool, or no tool, without file names to hand on.
    await failure(auto().invoke(autoRequest('Refund order A-1', [promptTool('worker')])));
    await failure(auto().invoke(autoRequest('Hello', [])));
  });

  it('drives the example file agents as before', async () => {
    const files = await auto().invoke(autoRequest('Delete a.txt', [tool('inspect_files'), tool('delete_files')]));
    assert.deepEqual(files.message.content, [{ toolUse: { toolUseId: 'demo_1_inspect_files', name: 'inspect_files', input: { paths: ['a.txt'] } } }]);
    const smart = await auto().invoke(autoRequest('Delete a.txt', [tool('smart_delete')]));
    assert.equal(smart.stopReason, 'tool_use');
    const coordinator = await auto().invoke(autoRequest('Delete a.txt and b.txt', [promptTool('file_worker')]));
    assert.equal(coordinator.stopReason, 'tool_use');
    const planner = await auto().invoke(autoRequest('Delete a.txt and b.txt', []));
    assert.match(JSON.stringify(planner.message.content), /Plan: delete a\.txt, b\.txt/);
    assert.ok(demoModelDrives({ messages: [user('Delete a.txt')], tools: [tool('delete_files')] }));
  });

  it('leaves a demo model chosen by name, one registered in its place, and Bedrock alone', async () => {
    const named = await new DemoProvider().invoke(request({ provider: 'demo', modelId: 'offline-demo' }, [user('Refund A-1')], [tool('issue_refund')]));
    assert.match(JSON.stringify(named.message.content), /found no file names/);
    const mine = { invoke: async () => named };
    assert.equal(await new AutoProvider({ demo: mine }, BARE).invoke(autoRequest('Refund A-1', [tool('issue_refund')])), named);
    const bedrock = { invoke: async () => named };
    assert.equal(await new AutoProvider({ bedrock, demo: new DemoProvider() }, { ...BARE, AWS_PROFILE: 'x' }).invoke(autoRequest('Refund A-1', [tool('issue_refund')])), named);
  });
});
