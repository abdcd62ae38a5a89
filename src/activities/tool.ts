/**
 * The tool activity: runs one tool body with a tool context. A tool that asks a human ends the
 * attempt with an "interrupt" outcome; a tool that throws becomes an error result the model sees.
 */
import type { ToolContext, ToolImplementation, ToolInterruptRequest } from '../agent/definition.js';
import { InterruptNames, toolInterruptId, ToolInterruptSignal } from '../agent/interrupts.js';
import type { ToolCall, ToolOutcome } from '../agent/runtime.js';
import { truncateToolResult } from '../agent/payload-budget.js';
import { AgentState } from '../agent/state.js';
import { errorResult, successResult, type JsonValue } from '../agent/types.js';

export interface RegisteredTool {
  name: string;
  body: ToolImplementation<unknown>;
}

export function createToolActivity(tools: readonly RegisteredTool[]) {
  const byName = new Map(tools.map((tool) => [tool.name, tool.body]));
  return async function runTool(call: ToolCall): Promise<ToolOutcome> {
    const { toolUse } = call;
    const state = new AgentState(call.state, { journal: true });
    const body = byName.get(toolUse.name);
    if (!body) {
      const result = errorResult(toolUse.toolUseId, `tool "${toolUse.name}" has no implementation in this worker`);
      return { type: 'result', result, stateChanges: [] };
    }
    const context = toolContext(call, state);
    try {
      const value = await body(toolUse.input, context);
      return { type: 'result', result: truncateToolResult(successResult(toolUse.toolUseId, value ?? null)), stateChanges: state.changes() };
    } catch (error) {
      if (error instanceof ToolInterruptSignal) {
        const { name, reason } = error.request;
        return { type: 'interrupt', request: { name, ...(reason !== undefined ? { reason } : {}) }, stateChanges: state.changes() };
      }
      const message = error instanceof Error ? error.message : String(error);
      const result = truncateToolResult(errorResult(toolUse.toolUseId, `Tool "${toolUse.name}" failed: ${message}`));
      return { type: 'result', result, stateChanges: state.changes() };
    }
  };
}

function toolContext(call: ToolCall, state: AgentState): ToolContext {
  const names = new InterruptNames(`tool ${call.toolUse.name} (tool use ${call.toolUse.toolUseId})`);
  return {
    state,
    toolUseId: call.toolUse.toolUseId,
    agentName: call.agentName,
    idempotencyKey: `${call.runId}:${call.toolUse.toolUseId}`,
    workspace: call.workspace,
    interrupt(request: ToolInterruptRequest): JsonValue {
      names.claim(request.name);
      const answer = call.responses[toolInterruptId(call.toolUse.toolUseId, request.name)];
      if (answer !== undefined) return answer;
      if (request.response !== undefined) return request.response;
      throw new ToolInterruptSignal(request);
    },
  };
}

