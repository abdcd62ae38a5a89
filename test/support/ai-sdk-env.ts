/**
 * What the AI SDK integration tests add to a TestEnv: a worker with their agents (their own
 * workflow bundle, replayed at teardown like the others), their tool bodies, and model providers.
 */
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../../src/codec/data-converter.js';
import type { ModelProvider } from '../../src/models/provider.js';
import { withAgentBundling } from '../../src/temporal/bundle-options.js';
import { errorsOnlyLogger } from '../../src/temporal/quiet-logger.js';
import { aiSdkToolBodies } from './ai-sdk-agents.js';
import type { RunningWorker, TestEnv } from './env.js';
import { registerReplayBundle } from './run-checks.js';

const WORKFLOWS = fileURLToPath(new URL('./ai-sdk-workflows.ts', import.meta.url));

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
export function aiSdkBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= registerReplayBundle(bundleWorkflowCode(withAgentBundling({ workflowsPath: WORKFLOWS, failureConverterPath: FAILURE_CONVERTER_PATH, logger: errorsOnlyLogger })));
  return bundle;
}

/** A worker of `env` that runs the AI SDK test agents with these model providers (beside the built-in ones). */
export async function startAiSdkWorker(env: TestEnv, providers: Record<string, ModelProvider> = {}): Promise<RunningWorker> {
  return env.startWorker({ workflowBundle: await aiSdkBundle(), tools: aiSdkToolBodies, providers });
}
