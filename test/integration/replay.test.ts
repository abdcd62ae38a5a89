/**
 * Replay: every recorded history (test/fixtures/histories, made by `npm run record-histories`)
 * must replay on today's workflow code. If this fails, the change breaks runs that are in flight.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, ReplayError, Worker } from '@temporalio/worker';
import { errorsOnlyLogger } from '../../src/temporal/quiet-logger.js';
import { withAgentBundling } from '../../src/temporal/bundle-options.js';
import { WORKFLOWS_PATH } from '../../src/worker.js';
import { scenarios } from '../support/scenarios.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));
const fixtures = readdirSync(FIXTURES).filter((file) => file.endsWith('.json'));
const load = (file: string) => JSON.parse(readFileSync(`${FIXTURES}${file}`, 'utf8'));

test('there is a recorded history for every scenario', () => {
  assert.deepEqual(fixtures.map((file) => file.replace(/\.json$/, '')).sort(), scenarios.map((s) => s.name).sort());
});

test('every recorded history replays on the current workflow code', async () => {
  const workflowBundle = await bundleWorkflowCode(withAgentBundling({ workflowsPath: WORKFLOWS_PATH, logger: errorsOnlyLogger }));
  for (const file of fixtures) {
    // The recorded workflow id: a run's sub-agents have ids derived from it.
    await Worker.runReplayHistory({ workflowBundle, replayName: file }, load(file), `replay-${file.replace(/\.json$/, '')}`);
  }
});

test('the replay check catches an incompatible change (approval hook removed)', async () => {
  const workflowBundle = await bundleWorkflowCode(
    withAgentBundling({ workflowsPath: fileURLToPath(new URL('../support/workflows-changed.ts', import.meta.url)), logger: errorsOnlyLogger }),
  );
  await assert.rejects(
    Worker.runReplayHistory({ workflowBundle }, load('file-approval-approved.json')),
    // Either the commands differ (determinism violation) or the recorded answer meets no question.
    (error: unknown) => error instanceof DeterminismViolationError || error instanceof ReplayError,
  );
});
