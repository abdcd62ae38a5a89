/**
 * One tool use, from the model's request to the result the model sees: schema check, hooks
 * (which may ask a human or cancel), the tool body (which may ask a human and run again), and
 * the after-hooks. Every failure becomes an error result, never a failed run.
 */
import {
  checkToolInput,
  isRemoteTool,
  isSubAgentTool,
  type AgentDefinition,
  type RemoteToolDefinition,
  type RunTool,
  type SubAgentToolDefinition,
} from './definition.js';
import { BeforeToolCallEvent, type HookRegistry, type HookServices } from './hooks.js';
import type { InterruptBook, RaisedInterrupt } from './interrupt-book.js';
import { beforeToolCallInterruptId, toolInterruptId, type InterruptRequest } from './interrupts.js';
import { canonicalJson } from './canonical-json.js';
import { PATCHES } from './patches.js';
import { jsonBytes, TOOL_INPUT_MAX_BYTES } from './payload-budget.js';
import type { AgentRuntime } from './runtime.js';
import type { AgentState } from './state.js';
import { errorResult, oneLine, UNPARSEABLE_ARGUMENTS, type JsonValue, type ModelChoice, type ToolResult, type ToolUse } from './types.js';

export interface ToolCallScope {
  agent: AgentDefinition;
  /** The agent's tools and the ones its MCP servers gave this run. */
  tools: readonly RunTool[];
  /** The run's model: sub-agents that name none use it too. */
  model: ModelChoice;
  hooks: HookRegistry;
  state: AgentState;
  book: InterruptBook;
  runtime: AgentRuntime;
  runId: string;
  workspace: string | undefined;
  /** Hook services whose interrupts are described by `describe` (id, scope, tool). */
  hookServices(describe: (request: InterruptRequest) => RaisedInterrupt): HookServices;
}

export const DEFAULT_CANCEL_MESSAGE = 'Tool call cancelled by a hook';
/** What the model reads when a hook changed a call after the approval policy judged it. */
export const CHANGED_AFTER_APPROVAL = 'This call was changed by a hook after it was approved, so it did not run.';

export async function executeToolUse(scope: ToolCallScope, requested: ToolUse): Promise<ToolResult> {
  const { agent, hooks, state, book } = scope;
  const tool = scope.tools.find((candidate) => candidate.name === requested.name);
  if (!tool) {
    const known = scope.tools.map((candidate) => candidate.name).join(', ');
    return errorResult(requested.toolUseId, `Unknown tool "${requested.name}". Available tools: ${known}.`);
  }
  const size = jsonBytes(requested.input);
  if (size > TOOL_INPUT_MAX_BYTES) {
    return errorResult(requested.toolUseId, `The input for tool "${tool.name}" is ${size} bytes; tool inputs are limited to ${TOOL_INPUT_MAX_BYTES} bytes. Split the work into smaller calls.`);
  }
  const raw = unparseableArguments(requested.input);
  if (raw !== undefined) {
    return errorResult(requested.toolUseId, `The arguments for tool "${tool.name}" are not valid JSON (${oneLine(raw, 200)}). Call it again with a JSON object.`);
  }
  const checked = checkToolInput(tool, requested.input);
  if (!checked.ok) return errorResult(requested.toolUseId, `Invalid input for tool "${tool.name}": ${checked.problem}`);
  const toolUse: ToolUse = { ...requested, input: checked.input };

  // A question shows (and binds to) the call as it will run: after an approver's edit, the edited one.
  let before: BeforeToolCallEvent | undefined;
  const services = scope.hookServices((request) => ({
    id: beforeToolCallInterruptId(toolUse.toolUseId, request.name),
    name: request.name,
    reason: request.reason ?? null,
    source: 'hook',
    scope: 'beforeToolCall',
    toolName: toolUse.name,
    toolUseId: toolUse.toolUseId,
    ...callShown(toolUse, before?.toolUse ?? toolUse),
  }));
  before = new BeforeToolCallEvent(agent.name, state, toolUse, tool, services);
  const beforeEmitted = hooks.emit(before);
  if (beforeEmitted) await beforeEmitted;
  if (before.cancel === false && before.changedSinceJudged && scope.runtime.patched(PATCHES.judgedCallHolds)) {
    before.cancel = CHANGED_AFTER_APPROVAL;
    before.note('refused', { because: 'a hook changed the call after the approval policy judged it', runs: before.toolUse.input });
  }
  const result =
    before.cancel !== false
      ? errorResult(toolUse.toolUseId, typeof before.cancel === 'string' ? before.cancel : DEFAULT_CANCEL_MESSAGE)
      : isSubAgentTool(tool)
        ? await runSubAgent(scope, before.toolUse, tool)
        : await runToolBody(scope, toolUse, before.toolUse, isRemoteTool(tool) ? tool.remote : undefined);

  const after = { type: 'afterToolCall' as const, agentName: agent.name, state, toolUse: before.toolUse, result };
  const afterEmitted = hooks.emit(after);
  if (afterEmitted) await afterEmitted;
  return after.result;
}

/** Runs the sub-agent to its end; it starts from this run's state and its changes come back. */
async function runSubAgent(scope: ToolCallScope, toolUse: ToolUse, tool: SubAgentToolDefinition): Promise<ToolResult> {
  const { prompt } = toolUse.input as { prompt: string };
  const outcome = await scope.runtime.runSubAgent({
    agent: tool.subAgent,
    prompt,
    toolUseId: toolUse.toolUseId,
    toolName: tool.name,
    state: scope.state.snapshot(),
    model: scope.model,
    ...(scope.workspace !== undefined ? { workspace: scope.workspace } : {}),
  });
  scope.state.apply(outcome.stateChanges);
  return outcome.result;
}

/** The input a question shows: the one that will run, and the model's beside it when an edit changed it. */
function callShown(proposed: ToolUse, effective: ToolUse): { toolInput: JsonValue; proposedInput?: JsonValue } {
  const edited = effective !== proposed && canonicalJson(effective.input) !== canonicalJson(proposed.input);
  return { toolInput: effective.input, ...(edited ? { proposedInput: proposed.input } : {}) };
}

/** Runs the tool activity (with `toolUse`, the call as it will run) until it returns a result, asking the human whenever it interrupts. */
async function runToolBody(scope: ToolCallScope, proposed: ToolUse, toolUse: ToolUse, remote: RemoteToolDefinition['remote'] | undefined): Promise<ToolResult> {
  const { runtime, state, book } = scope;
  const responses: Record<string, JsonValue> = {};
  for (;;) {
    const outcome = await runtime.runTool({
      agentName: scope.agent.name,
      toolUse,
      responses,
      state: state.snapshot(),
      runId: scope.runId,
      ...(scope.workspace !== undefined ? { workspace: scope.workspace } : {}),
      ...(remote ? { remote } : {}),
    });
    state.apply(outcome.stateChanges);
    if (outcome.type === 'result') return outcome.result;
    const id = toolInterruptId(toolUse.toolUseId, outcome.request.name);
    const answer = await book.raise(
      {
        id,
        name: outcome.request.name,
        reason: outcome.request.reason ?? null,
        source: 'tool',
        scope: 'tool',
        toolName: toolUse.name,
        toolUseId: toolUse.toolUseId,
        ...callShown(proposed, toolUse),
      },
      outcome.request.choices ? { accepts: { choices: outcome.request.choices } } : {},
    );
    responses[id] = answer.response;
  }
}

/** The raw text a provider could not parse as the call's arguments, if that is what `input` holds. */
function unparseableArguments(input: JsonValue): string | undefined {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return undefined;
  const raw = input[UNPARSEABLE_ARGUMENTS];
  return typeof raw === 'string' && Object.keys(input).length === 1 ? raw : undefined;
}
