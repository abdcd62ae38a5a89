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
import { testBundle } from '../support/env.js';
import { agentMetricsSinks } from '../../src/observability/open-interrupts.js';

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

/**
 * Histories from the field, made by the test workers (test/fixtures/field): each once failed to
 * replay. `nondeterminism-after-worker-kill`: a worker that answered a status query had applied the
 * model's result before the answer that came with it; a replay gets both in one activation, the
 * answer first, and the answer used to meet no question (the run stuck with a nondeterminism error).
 */
test('histories from the field replay on the current workflow code', async () => {
  const FIELD = fileURLToPath(new URL('../fixtures/field/', import.meta.url));
  const files = readdirSync(FIELD).filter((file) => file.endsWith('.json'));
  assert.ok(files.includes('nondeterminism-after-worker-kill.json'));
  for (const file of files) {
    const history = JSON.parse(readFileSync(`${FIELD}${file}`, 'utf8'));
    await Worker.runReplayHistory({ workflowBundle: await testBundle(), sinks: agentMetricsSinks() }, history, workflowIdOf(history));
  }
});

/** The workflow id a history was recorded under (sub-agents' and notifications' ids derive from it). */
function workflowIdOf(history: { events: Array<{ workflowExecutionStartedEventAttributes?: { workflowId?: string } }> }): string | undefined {
  return history.events[0]?.workflowExecutionStartedEventAttributes?.workflowId;
}
