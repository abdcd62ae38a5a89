/**
 * The agent loop's runtime inside a workflow: model and tool calls are activities, waits are
 * Temporal conditions, the clock is workflow time. Retries belong to Temporal.
 */
import { condition, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ModelActivityInput } from '../activities/conversation-cache.js';
import { modelRequestQuery, type SentModelRequest } from './messages.js';
import type { Message, ModelRequest } from '../agent/types.js';
import { modelLabel } from '../agent/model-choice.js';
import type { RemoteToolDefinition } from '../agent/definition.js';
import type { AgentRuntime, RemoteToolsRequest } from '../agent/runtime.js';
import type { createActivities } from '../activities/index.js';
import { PATCH_BASELINES, PATCHES } from '../agent/patches.js';

type Activities = ReturnType<typeof createActivities>;


const { invokeModel, invokeModelDelta } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 8,
    // Permanent errors come back non-retryable from the activity (activities/model.ts): listing
    // their types here would repeat them in every model call's history event.
  },
});

// A tool body's own errors come back as error results; Temporal retries only lost attempts
// (worker crash, timeout). Tools get an idempotency key so that a retried attempt can tell.
// Tools heartbeat while they run (the tool activity does it for every body), so a worker that
// dies mid-tool is noticed within the heartbeat timeout rather than after the whole start-to-close.
const { runTool } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

const { approverKeys } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** The approvers' public keys (all when `names` is null): agent runs and graphs/swarms read them the same way. */
export function readApproverKeys(names: readonly string[] | null): Promise<Record<string, string[]>> {
  return approverKeys.executeWithOptions({ summary: 'approver keys' }, [names === null ? null : [...names]]);
}

// Read once per run; a server that is down is retried with backoff, then fails the run with its reason.
const { remoteTools } = proxyActivities<{ remoteTools(request: RemoteToolsRequest): Promise<RemoteToolDefinition[]> }>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/** Per-run overrides of how long one attempt of a model or tool call may take (e.g. "30s"). */
export interface ActivityTimeouts {
  model?: string;
  tool?: string;
}

export function workflowRuntime(timeouts: ActivityTimeouts = {}, runSubAgent: AgentRuntime['runSubAgent']): AgentRuntime {
  const runPatched = patchesOfRun();
  // Runs since this change leave unchanged setups out, and call an activity of its own name so that
  // a worker of an older build never gets such an input; runs started before keep `invokeModel`.
  // Asked once, before the run's first await (where its other patches are asked).
  const sent = new SentConversation(runPatched(PATCHES.modelCallDelta));
  // The model activity asks here when its worker has not cached the current call.
  setHandler(modelRequestQuery, () => sent.current);
  const model = sent.omitsSetups ? invokeModelDelta : invokeModel;
  return {
    runSubAgent,
    callModel: (request, revision, streamId) => {
      const input: ModelActivityInput = revision === undefined ? request : sent.delta(request, revision);
      return model.executeWithOptions({ summary: `model: ${modelLabel(request.model)}`, ...(timeouts.model ? { startToCloseTimeout: timeouts.model } : {}) }, [
        streamId !== undefined ? { ...input, stream: { id: streamId } } : input,
      ]);
    },
    runTool: (call) =>
      runTool.executeWithOptions(
        { summary: `tool: ${call.toolUse.name}`, ...(timeouts.tool ? { startToCloseTimeout: timeouts.tool } : {}) },
        [call],
      ),
    waitUntil: async (predicate, timeoutMs) =>
      timeoutMs === undefined ? (await condition(predicate), true) : condition(predicate, timeoutMs),
    now: () => new Date(),
    patched: runPatched,
    remoteTools: (request) => remoteTools.executeWithOptions({ summary: `MCP tools: ${request.servers.map((ref) => ref.server).join(', ')}` }, [request]),
    approverKeys: readApproverKeys,
  };
}

/**
 * Whether a patch applies to this run: the run's baseline (asked here, once, at the run's start)
 * answers for the patches it folds without a history event each; any other is asked on its own.
 */
function patchesOfRun(): (id: string) => boolean {
  // Asked newest first: a new run records only the newest; an older run's replay finds its own.
  const baseline = PATCH_BASELINES.find((candidate) => patched(candidate.id));
  return (id) => baseline?.folds.has(id) === true || patched(id);
}

/**
 * Sends the model activity only the messages it has not seen in this run, and the system prompt
 * and tool specs only when they changed (see activities/conversation-cache.ts): a run's history
 * then grows by a constant per step. Everything is sent again when earlier messages changed (a new
 * revision) or are not the ones sent before.
 */
class SentConversation {
  constructor(readonly omitsSetups: boolean) {}

  private revision = -1;
  /** The current call as sent; its messages are compared by identity with the next call's. */
  current: SentModelRequest = { system: '', tools: [], messages: [] };
  /** The current call's setup as JSON (compared by value: a hook may have changed it) and its number in this run. */
  private setupJson = '';
  private setupNumber = 0;

  delta(request: ModelRequest, revision: number): ModelActivityInput {
    const previous = this.current.messages;
    const same = revision === this.revision && previous.every((message, index) => request.messages[index] === message);
    const from = same ? previous.length : 0;
    const { system, tools, ...rest } = request;
    const setupJson = JSON.stringify([system, tools]);
    const sameSetup = this.omitsSetups && revision === this.revision && setupJson === this.setupJson;
    if (!sameSetup) this.setupNumber += 1;
    this.current = { system, tools, messages: [...request.messages] };
    this.setupJson = setupJson;
    this.revision = revision;
    return {
      ...rest,
      ...(sameSetup ? {} : { system, tools }),
      messages: request.messages.slice(from),
      conversation: { key: `${workflowInfo().runId}/${revision}`, from, total: request.messages.length, ...(this.omitsSetups ? { setup: this.setupNumber } : {}) },
    };
  }
}
