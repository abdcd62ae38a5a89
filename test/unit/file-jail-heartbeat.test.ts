/**
 * The tool activity's heartbeat and the delete journal's upkeep, in a mocked activity context
 * (no server): long bodies heartbeat with the details they recorded, short ones send nothing,
 * a retry sees its attempt number and the previous attempt's details; old journals are pruned.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { implementTool } from '../../src/agent/definition.js';
import { createToolActivity } from '../../src/activities/tool.js';
import { fileTools } from '../../src/agents/files/implementations.js';
import { deleteFiles } from '../../src/agents/files/definitions.js';
import { JOURNAL_FOLDER, resolveWorkspaceRoots } from '../../src/agents/files/workspace-roots.js';
import type { ToolCall, ToolOutcome } from '../../src/agent/runtime.js';
import type { JsonObject } from '../../src/agent/types.js';

const call = (name: string, input: JsonObject): ToolCall => ({ agentName: 'hb', toolUse: { toolUseId: 'u1', name, input }, responses: {}, state: {}, runId: 'run' });

/** Runs the tool activity in the mocked activity context. */
const runIn = (activity: MockActivityEnvironment, runTool: ReturnType<typeof createToolActivity>, toolCall: ToolCall) =>
  activity.run(runTool, toolCall) as Promise<ToolOutcome>;

test('a body that runs past the first interval heartbeats with its last recorded details; a short one sends nothing', async () => {
  const activity = new MockActivityEnvironment({ heartbeatTimeoutMs: 20_000 });
  const beats: unknown[] = [];
  activity.on('heartbeat', (details: unknown) => beats.push(details));
  // Waits for the activity's own heartbeat instead of sleeping a fixed time.
  const slow = implementTool(deleteFiles, async (_input, context) => {
    context.heartbeat({ done: 1 });
    await once(activity, 'heartbeat');
    return 'ok';
  });
  const quick = implementTool(deleteFiles, () => 'quick');
  const timing = { firstAfterMs: 20, everyMs: 20 };
  assert.equal((await runIn(activity, createToolActivity([slow], { heartbeat: timing }), call('delete_files', { paths: ['x'] }))).type, 'result');
  assert.deepEqual(beats.slice(0, 2), [{ done: 1 }, { done: 1 }], 'the recorded details, then the periodic heartbeat repeating them');
  const before = beats.length;
  await runIn(activity, createToolActivity([quick]), call('delete_files', { paths: ['x'] }));
  assert.equal(beats.length, before, 'a short call sent a heartbeat');
});

test('a retried attempt sees its number and the details the previous attempt last sent', async () => {
  const activity = new MockActivityEnvironment({ attempt: 3, heartbeatDetails: { deleted: 500 } });
  const seen = implementTool(deleteFiles, (_input, context) => {
    return { attempt: context.attempt, previous: context.previousHeartbeat ?? null };
  });
  const outcome = await runIn(activity, createToolActivity([seen]), call('delete_files', { paths: ['x'] }));
  assert.ok(outcome.type === 'result');
  assert.deepEqual(outcome.result.content, [{ json: { attempt: 3, previous: { deleted: 500 } } }]);
});

test('journals older than a week are pruned when a delete writes a new one', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'file-jail-prune-'));
  const journals = path.join(root, JOURNAL_FOLDER);
  mkdirSync(journals);
  const old = new Date(Date.now() - 8 * 24 * 60 * 60 * 1000);
  writeFileSync(path.join(journals, 'old.json'), '{}');
  utimesSync(path.join(journals, 'old.json'), old, old);
  writeFileSync(path.join(journals, 'recent.json'), '{}');
  writeFileSync(path.join(root, 'a.txt'), 'a');
  const runTool = createToolActivity(fileTools, { workspaceRoots: resolveWorkspaceRoots([root]) });
  await runTool({ ...call('delete_files', { paths: ['a.txt'] }), workspace: root });
  const left = readdirSync(journals);
  assert.ok(!left.includes('old.json') && left.includes('recent.json'), left.join(', '));
  assert.equal(left.length, 2, 'the new journal is there');
});
