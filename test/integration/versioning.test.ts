/**
 * Worker Deployment Versioning on a dev server: runs parked on build A finish on A after build B,
 * whose file-approval agent lost its approval hook (an incompatible change), becomes current; new
 * runs start on B; the CLI shows both versions and refuses to retire A while runs are pinned to
 * it. The replay check shows what the same deploy without versioning would do to the parked runs.
 */
import { registerReplayBundle } from '../support/run-checks.js';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import proto from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, ReplayError, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../../src/codec/data-converter.js';
import { setCurrentVersion, type DeploymentView } from '../../src/cli/versions.js';
import { errorsOnlyLogger } from '../../src/temporal/quiet-logger.js';
import { withAgentBundling } from '../../src/temporal/bundle-options.js';
import { TestEnv, testBundle } from '../support/env.js';
import { assertOk, cleanEnv, json, runCli, assertOneErrorLine } from './cli-support.js';

const CHANGED_WORKFLOWS = fileURLToPath(new URL('../support/workflows-changed.ts', import.meta.url));
const FILES = { 'a.txt': 'a', 'b.txt': 'b' };

let env: TestEnv;
let buildB: WorkflowBundleWithSourceMap;
const deployment = `agents-${process.pid}`;

before(async () => {
  // The server checks a version's drainage and forgets its pollers on timers of minutes; seconds here.
  env = await TestEnv.start({
    extraArgs: [
      ['matching.wv.VersionDrainageStatusRefreshInterval', '"1s"'],
      ['matching.wv.VersionDrainageStatusVisibilityGracePeriod', '"1s"'],
      ['matching.PollerHistoryTTL', '"1s"'],
    ].flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]),
  });
  buildB = await registerReplayBundle(bundleWorkflowCode(withAgentBundling({ workflowsPath: CHANGED_WORKFLOWS, failureConverterPath: FAILURE_CONVERTER_PATH, logger: errorsOnlyLogger })));
});
after(async () => env?.teardown());


async function versionOf(workflowId: string): Promise<{ buildId?: string; behavior?: string }> {
  const { raw } = await env.client.workflow.getHandle(workflowId).describe();
  const info = raw.workflowExecutionInfo?.versioningInfo;
  const behaviors = proto.temporal.api.enums.v1.VersioningBehavior;
  return {
    ...(info?.deploymentVersion?.buildId ? { buildId: info.deploymentVersion.buildId } : {}),
    ...(info?.behavior != null ? { behavior: String(behaviors[info.behavior as number]) } : {}),
  };
}

function cli(args: string[]) {
  return runCli([...args, '--json'], {
    env: { ...cleanEnv(), TEMPORAL_ADDRESS: env.address, AGENT_TASK_QUEUE: env.taskQueue, AGENT_DEPLOYMENT_NAME: deployment },
    cwd: process.cwd(),
  });
}

test('runs parked on build A finish on A after B becomes current; new runs start on B; A cannot be retired meanwhile', async () => {
  const workerA = await env.startWorker({ workflowBundle: await testBundle(), deployment: { name: deployment, buildId: 'A' } });
  await setCurrentVersion(env.client, deployment, 'A');

  const parked = [];
  for (let i = 0; i < 2; i++) {
    const workspace = env.workspace(FILES);
    const { workflowId } = await env.agents.start({ agent: 'file-approval', prompt: 'delete a.txt and b.txt', model: env.deletingModel(Object.keys(FILES)), workspace });
    const waiting = await env.agents.wait(workflowId);
    assert.equal(waiting.status, 'waiting');
    parked.push({ workflowId, workspace, interruptId: waiting.pending[0]!.id });
  }
  assert.deepEqual(await versionOf(parked[0]!.workflowId), { buildId: 'A', behavior: 'VERSIONING_BEHAVIOR_PINNED' });
  const parkedHistory = await env.client.workflow.getHandle(parked[0]!.workflowId).fetchHistory();

  // Build B: the approval hook is gone. It becomes current while A's runs wait.
  await env.startWorker({ workflowBundle: buildB, deployment: { name: deployment, buildId: 'B' } });
  assertOk(await cli(['versions', 'set-current', 'B']), ['versions', 'set-current', 'B']);

  const view = json<DeploymentView>(assertOk(await cli(['versions']), ['versions']));
  assert.equal(view.current, 'B');
  const a = view.versions.find((version) => version.buildId === 'A')!;
  assert.equal(a.running, 2);
  assert.equal(a.waiting, 2);
  assert.deepEqual([...a.runs].sort(), parked.map((run) => run.workflowId).sort());
  assert.equal(view.versions.find((version) => version.buildId === 'B')!.running, 0);
  assertOneErrorLine(await cli(['versions', 'retire', 'A']), /not retiring A: 2 runs are pinned to A \(2 waiting for a person\)/);
  assertOneErrorLine(await cli(['versions', 'retire', 'B']), /B is the current version/);

  // A new run starts on B: no hook, so the files go without a question.
  const fresh = env.workspace(FILES);
  const { workflowId: newRun } = await env.agents.start({ agent: 'file-approval', prompt: 'delete a.txt and b.txt', model: env.deletingModel(Object.keys(FILES)), workspace: fresh });
  const newResult = await env.agents.result(newRun);
  assert.equal(newResult.interrupts.length, 0);
  assert.match(newResult.text, /tool said: success: Successfully deleted files: a.txt, b.txt/);
  assert.equal((await versionOf(newRun)).buildId, 'B');

  // The parked runs are answered and finish on A, with A's hook: the answer decides.
  await env.agents.respond(parked[0]!.workflowId, { interruptId: parked[0]!.interruptId, response: 'y', respondedBy: 'alice' });
  await env.agents.respond(parked[1]!.workflowId, { interruptId: parked[1]!.interruptId, response: 'n', respondedBy: 'bob' });
  const approved = await env.agents.result(parked[0]!.workflowId);
  const denied = await env.agents.result(parked[1]!.workflowId);
  assert.match(approved.text, /tool said: success: Successfully deleted files: a.txt, b.txt/);
  assert.equal(approved.interrupts[0]!.respondedBy, 'alice');
  assert.match(denied.text, /tool said: error: User denied permission to delete files/);
  for (const name of Object.keys(FILES)) {
    assert.ok(!existsSync(path.join(parked[0]!.workspace, name)));
    assert.ok(existsSync(path.join(parked[1]!.workspace, name)), 'the denied run deleted nothing');
  }
  for (const run of parked) assert.equal((await versionOf(run.workflowId)).buildId, 'A');
  assert.deepEqual(env.bedrock.violations, []);

  // Nothing is pinned to A any more: with its workers stopped, it can be retired.
  await workerA.stop();
  let retired = await cli(['versions', 'retire', 'A']);
  // The server agrees once it has seen A drained and its pollers gone (seconds here, see `before`).
  for (let i = 0; retired.code !== 0 && /draining|pollers/.test(retired.stderr) && i < 60; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    retired = await cli(['versions', 'retire', 'A']);
  }
  assert.deepEqual(json(assertOk(retired, ['versions', 'retire', 'A'])), { deployment, retired: 'A' });
  assert.deepEqual(json<DeploymentView>(await cli(['versions'])).versions.map((version) => version.buildId), ['B']);

  // Without versioning, B would have replayed the parked run's history, and failed on it.
  await Worker.runReplayHistory({ workflowBundle: await testBundle() }, parkedHistory);
  await assert.rejects(
    Worker.runReplayHistory({ workflowBundle: buildB }, parkedHistory),
    (error: unknown) => error instanceof DeterminismViolationError || error instanceof ReplayError,
  );
});
