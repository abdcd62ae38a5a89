/**
 * The graph workflow (`agentGraph`): runs a registered graph's nodes as their inputs finish,
 * in parallel where they can (graph-schedule.ts). Agent nodes are child runs; function nodes run
 * here. A failed or cancelled node fails the graph (as in Strands) and cancels the nodes still
 * running; cancelling the graph cancels its running nodes and waits until they took it. When the
 * history grows long it continues as new, carrying its nodes' results, its waiting questions and
 * its running child runs (found again by their ids).
 */
import { ApplicationFailure, CancellationScope, condition, continueAsNew, isCancellation, allHandlersFinished } from '@temporalio/workflow';
import type { AgentDefinition } from '../agent/definition.js';
import { HandOffWhileWaiting } from '../agent/interrupt-book.js';
import { isAgentNode, type GraphContext, type GraphDefinition, type GraphNode, type NodeResult } from '../agent/multi-agent/graph-definition.js';
import { decide, defaultPrompt, type NodeStatus } from '../agent/multi-agent/graph-schedule.js';
import { promptProblem } from '../agent/payload-budget.js';
import type { JsonValue } from '../agent/types.js';
import type { GraphInput, MultiAgentResult } from './multi-agent-messages.js';
import { MultiAgentRun } from './multi-agent-run.js';

export function createGraphWorkflow(graphs: readonly GraphDefinition[], agents: readonly AgentDefinition[]) {
  return async function agentGraph(input: GraphInput): Promise<MultiAgentResult> {
    const definition = graphs.find((candidate) => candidate.name === input.name);
    const statuses: Record<string, NodeStatus> = { ...(input.carried?.statuses ?? Object.fromEntries((definition?.nodes ?? []).map((node) => [node.id, 'pending']))) };
    // Nodes that ran when the last run handed off run on: a child run an earlier run started is attached to (multi-agent-run.ts), never started again.
    for (const id of Object.keys(statuses)) if (statuses[id] === 'executing') statuses[id] = 'pending';
    const results: Record<string, NodeResult> = { ...input.carried?.results };
    const order = [...(input.carried?.order ?? [])];
    const run = new MultiAgentRun({
      kind: 'graph',
      agents,
      input,
      nodeOfScope: (scope) => scope,
      view: () => ({
        order,
        nodes: Object.fromEntries(
          Object.entries(statuses).map(([id, status]) => {
            const result = results[id];
            return [id, { status, ...(result?.text ? { text: result.text } : {}), ...(result?.error ? { error: result.error } : {}), ...(result?.runId ? { runId: result.runId } : {}) }];
          }),
        ),
      }),
    });
    const refusal = definition ? (input.carried ? undefined : promptProblem(input.prompt)) ?? unknownAgents(definition, agents) : `unknown graph "${input.name}"; this worker has: ${graphs.map((graph) => graph.name).join(', ') || 'none'}`;
    if (refusal || !definition) {
      run.end('failed', refusal);
      throw ApplicationFailure.nonRetryable(refusal ?? 'refused', 'GraphRefused');
    }
    const context = (): GraphContext => ({ task: input.prompt, results: { ...results }, state: run.state.snapshot() });
    const nodesScope = new CancellationScope();
    const inFlight = new Set<string>();
    let settled = 0;
    let failure: string | undefined;
    let cancelled: unknown;

    const runNode = async (node: GraphNode, inputs: string[]): Promise<void> => {
      try {
        const cancel = await run.beforeNode(definition.beforeNode, { id: node.id, ...(isAgentNode(node) ? { agent: node.agent } : {}), scope: node.id, task: input.prompt, results: { ...results } });
        const result: NodeResult =
          cancel !== undefined
            ? { status: 'cancelled', text: '', error: cancel }
            : isAgentNode(node)
              ? await run.runAgent({ key: node.id, id: node.id, agent: node.agent, prompt: (node.prompt ?? defaultPrompt)(context(), inputs), ...(node.model ? { model: node.model } : {}) })
              : await runFunction(node.run, context(), inputs);
        results[node.id] = result;
        statuses[node.id] = result.status;
        if (result.status === 'failed') failure ??= `node ${node.id} failed: ${result.error}`;
        if (result.status === 'cancelled') failure ??= `node ${node.id} was cancelled: ${result.error}`;
      } catch (error) {
        if (error instanceof HandOffWhileWaiting) statuses[node.id] = 'pending';
        else if (isCancellation(error)) {
          statuses[node.id] = 'cancelled';
          cancelled ??= error;
        } else {
          statuses[node.id] = 'failed';
          results[node.id] = { status: 'failed', text: '', error: (error as Error).message };
          failure ??= `node ${node.id} failed: ${(error as Error).message}`;
        }
      } finally {
        inFlight.delete(node.id);
        settled += 1;
      }
    };

    for (;;) {
      if (failure === undefined && cancelled === undefined && !run.handingOff()) {
        let decision: ReturnType<typeof decide>;
        try {
          decision = decide(definition, statuses, context());
        } catch (error) {
          // An edge condition that throws fails the graph (not its workflow task, again and again).
          failure = `an edge condition failed: ${(error as Error).message}`;
          continue;
        }
        for (const id of decision.skip) {
          statuses[id] = 'skipped';
          results[id] = { status: 'skipped', text: '' };
        }
        for (const { id, inputs } of decision.run) {
          statuses[id] = 'executing';
          if (!order.includes(id)) order.push(id);
          inFlight.add(id);
          void nodesScope.run(() => runNode(definition.nodes.find((node) => node.id === id)!, inputs));
        }
        if (decision.skip.length > 0) continue;
      }
      if (inFlight.size === 0) break;
      const seen = settled;
      // Not cancellable: a cancel reaches the nodes (their scope), and the graph ends once they took it.
      await CancellationScope.nonCancellable(() => condition(() => settled !== seen || (failure !== undefined && !nodesScope.consideredCancelled)));
      if (failure !== undefined && !nodesScope.consideredCancelled) nodesScope.cancel();
    }

    if (cancelled !== undefined && failure === undefined) {
      run.end('cancelled');
      await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
      throw cancelled;
    }
    if (failure !== undefined) {
      run.end('failed', failure);
      await condition(allHandlersFinished);
      throw ApplicationFailure.nonRetryable(failure, 'GraphFailed');
    }
    if (Object.values(statuses).some((status) => status === 'pending')) {
      // Handing off: every node that waited stopped waiting (HandOffWhileWaiting) and runs on in the new run.
      await condition(allHandlersFinished);
      return continueAsNew<(input: GraphInput) => Promise<MultiAgentResult>>({ ...input, carried: { ...run.carry(), statuses, results, order } });
    }
    run.end('completed');
    await condition(allHandlersFinished);
    return { kind: 'graph', name: definition.name, status: 'completed', stopReason: 'completed', text: finalText(definition, order, results), results, order, state: run.state.snapshot() };
  };
}

async function runFunction(code: (context: GraphContext, inputs: readonly string[]) => JsonValue | Promise<JsonValue>, context: GraphContext, inputs: string[]): Promise<NodeResult> {
  try {
    const value = await code(context, inputs);
    return { status: 'completed', text: typeof value === 'string' ? value : JSON.stringify(value), value };
  } catch (error) {
    return { status: 'failed', text: '', error: (error as Error).message };
  }
}

/** The text of the last node to complete that no completed node follows. */
function finalText(definition: GraphDefinition, order: readonly string[], results: Record<string, NodeResult>): string {
  const completed = (id: string) => results[id]?.status === 'completed';
  const last = [...order].reverse().find((id) => completed(id) && !definition.edges.some((edge) => edge.from === id && completed(edge.to)));
  return last !== undefined ? results[last]!.text : '';
}

function unknownAgents(definition: GraphDefinition, agents: readonly AgentDefinition[]): string | undefined {
  const missing = definition.nodes.filter((node) => isAgentNode(node) && !agents.some((agent) => agent.name === node.agent));
  return missing.length > 0 ? `graph "${definition.name}" names agents this worker does not have: ${missing.map((node) => (node as { agent: string }).agent).join(', ')}` : undefined;
}
