/**
 * The swarm workflow (`agentSwarm`): one agent at a time takes the task, as a child run; an agent
 * that calls `handoff_to_agent` passes it on, with a message and context that every later agent
 * sees; the swarm ends with the first agent that ends its turn without handing off. Too many
 * handoffs, or a ping-pong between too few agents, fails the swarm with the reason. Questions of
 * the agents and of the `beforeNode` hook show here; cancel reaches the running agent; a long
 * history continues as new with the turns so far and the running agent's child run.
 */
import { allHandlersFinished, ApplicationFailure, CancellationScope, condition, continueAsNew, isCancellation, workflowInfo } from '@temporalio/workflow';
import type { AgentDefinition } from '../agent/definition.js';
import { HandOffWhileWaiting } from '../agent/interrupt-book.js';
import type { NodeResult } from '../agent/multi-agent/graph-definition.js';
import { HANDOFF_STATE_KEY, HANDOFF_TOOL, handoffProblem, SWARM_STATE_KEY, type Handoff, type SwarmMembership } from '../agent/multi-agent/handoff.js';
import { swarmLimitProblem, type SwarmDefinition } from '../agent/multi-agent/swarm-definition.js';
import { promptProblem } from '../agent/payload-budget.js';
import type { JsonObject, JsonValue } from '../agent/types.js';
import type { MultiAgentResult, SwarmInput, SwarmVisit } from './multi-agent-messages.js';
import { MultiAgentRun } from './multi-agent-run.js';
import { subAgentWorkflowId } from './sub-agent-messages.js';

/** What a later agent sees of an earlier agent's answer. */
const MAX_SHOWN_RESULT = 2000;

export function createSwarmWorkflow(swarms: readonly SwarmDefinition[], agents: readonly AgentDefinition[]) {
  return async function agentSwarm(input: SwarmInput): Promise<MultiAgentResult> {
    const definition = swarms.find((candidate) => candidate.name === input.name);
    const visits: SwarmVisit[] = [...(input.carried?.visits ?? [])];
    const context: Record<string, JsonObject> = { ...input.carried?.context };
    const handoffs = () => visits.flatMap((visit) => (visit.handoff ? [{ from: visit.agent, to: visit.handoff.agent, message: visit.handoff.message }] : []));
    const latest = (): Record<string, NodeResult> => {
      const results: Record<string, NodeResult> = {};
      for (const visit of visits) {
        if (visit.status === 'executing') continue;
        results[visit.agent] = { status: visit.status, text: visit.text ?? '', runId: visit.runId, ...(visit.error !== undefined ? { error: visit.error } : {}) };
      }
      return results;
    };
    const run = new MultiAgentRun({
      kind: 'swarm',
      agents,
      input,
      nodeOfScope: (scope) => visits.find((visit) => visit.key === scope)?.agent ?? scope,
      view: () => ({
        order: visits.map((visit) => visit.agent),
        nodes: Object.fromEntries(visits.map((visit) => [visit.agent, { status: visit.status, runId: visit.runId, ...(visit.text ? { text: visit.text } : {}), ...(visit.error ? { error: visit.error } : {}) }])),
        handoffs: handoffs(),
        context,
      }),
    });
    const refusal = definition ? (input.carried ? undefined : promptProblem(input.prompt)) ?? unknownAgents(definition, agents) : `unknown swarm "${input.name}"; this worker has: ${swarms.map((swarm) => swarm.name).join(', ') || 'none'}`;
    const fail = async (reason: string): Promise<never> => {
      run.end('failed', reason);
      await condition(allHandlersFinished);
      throw ApplicationFailure.nonRetryable(reason, refusal ? 'SwarmRefused' : 'SwarmFailed');
    };
    if (refusal || !definition) return fail(refusal ?? 'refused');

    try {
      for (;;) {
        const last = visits.at(-1);
        let visit: SwarmVisit;
        if (last?.status === 'executing') visit = last;
        else {
          const next = last?.handoff?.agent ?? definition.entry ?? definition.agents[0]!;
          const limit = swarmLimitProblem(definition, visits.map((done) => done.agent), next);
          if (limit) return await fail(`swarm ${definition.name} stopped: ${limit}`);
          const key = `${visits.length + 1}-${next}`;
          visit = { agent: next, key, runId: subAgentWorkflowId(workflowInfo().workflowId, key), status: 'executing' };
          visits.push(visit);
        }
        const cancel = await run.beforeNode(definition.beforeNode, { id: visit.agent, agent: visit.agent, scope: visit.key, task: input.prompt, results: latest() });
        if (cancel !== undefined) {
          visit.status = 'cancelled';
          visit.error = cancel;
          return await fail(`agent ${visit.agent} was cancelled: ${cancel}`);
        }
        const membership: SwarmMembership = { swarm: definition.name, self: visit.agent, members: definition.agents };
        run.state.set(SWARM_STATE_KEY, membership as unknown as JsonValue);
        run.state.delete(HANDOFF_STATE_KEY);
        const result = await run.runAgent({ key: visit.key, id: visit.agent, agent: visit.agent, prompt: promptFor(definition, input.prompt, visits, context) });
        const recorded = run.state.get<JsonValue>(HANDOFF_STATE_KEY);
        run.state.delete(HANDOFF_STATE_KEY);
        run.state.delete(SWARM_STATE_KEY);
        visit.status = result.status === 'completed' ? 'completed' : 'failed';
        visit.text = result.text;
        if (result.error !== undefined) visit.error = result.error;
        if (visit.status === 'failed') return await fail(`agent ${visit.agent} failed: ${result.error}`);
        if (recorded === undefined) break;
        // The member's run wrote this (its tools and hooks can write anything there): follow it only
        // to another agent of this swarm's definition.
        const problem = handoffProblem(recorded, definition.agents, visit.agent);
        if (problem) {
          visit.status = 'failed';
          visit.error = `refused handoff: ${problem}`;
          return await fail(`agent ${visit.agent} handed off wrongly: ${problem}`);
        }
        const { agent, message, context: shared } = recorded as unknown as Handoff;
        const handoff: Handoff = { agent, message, ...(shared !== undefined ? { context: shared } : {}) };
        visit.handoff = handoff;
        if (handoff.context) context[visit.agent] = { ...context[visit.agent], ...handoff.context };
      }
    } catch (error) {
      if (error instanceof HandOffWhileWaiting) {
        await condition(allHandlersFinished);
        return continueAsNew<(input: SwarmInput) => Promise<MultiAgentResult>>({ ...input, carried: { ...run.carry(), visits, context } });
      }
      if (isCancellation(error)) {
        const current = visits.at(-1);
        if (current?.status === 'executing') current.status = 'cancelled';
        run.end('cancelled');
        await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
        throw error;
      }
      if (error instanceof ApplicationFailure) throw error;
      // A beforeNode hook that throws (a bug, a name asked twice) fails the swarm, not its workflow task again and again.
      return await fail(`swarm ${definition.name} failed in ${visits.at(-1)?.agent ?? 'its first agent'}'s turn: ${(error as Error).message}`);
    }
    run.end('completed');
    await condition(allHandlersFinished);
    return {
      kind: 'swarm',
      name: definition.name,
      status: 'completed',
      stopReason: 'completed',
      text: visits.at(-1)?.text ?? '',
      results: latest(),
      order: visits.map((visit) => visit.agent),
      state: run.state.snapshot(),
      handoffs: handoffs(),
      context,
    };
  };
}

/** The task, who this agent is among the swarm, and what the agents before it did and shared. */
function promptFor(definition: SwarmDefinition, task: string, visits: readonly SwarmVisit[], context: Record<string, JsonObject>): string {
  const current = visits.at(-1)!;
  const before = visits.slice(0, -1);
  const handedBy = before.at(-1);
  const others = definition.agents.filter((agent) => agent !== current.agent);
  const lines = [task, '', `You are ${current.agent}, one agent of the swarm ${definition.name}.`];
  lines.push(others.length > 0 ? `To pass the task on, call ${HANDOFF_TOOL} with one of: ${others.join(', ')}. Otherwise answer: your answer ends the swarm.` : 'You are its only agent: your answer ends the swarm.');
  if (handedBy?.handoff) lines.push('', `${handedBy.agent} handed the task to you: ${handedBy.handoff.message}`);
  if (before.length > 0) {
    lines.push('', `Agents so far: ${before.map((visit) => visit.agent).join(' -> ')}`);
    for (const visit of before) if (visit.text) lines.push(`${visit.agent} said: ${clip(visit.text)}`);
  }
  if (Object.keys(context).length > 0) lines.push('', `Shared context: ${JSON.stringify(context)}`);
  return lines.join('\n');
}

function clip(text: string): string {
  return text.length > MAX_SHOWN_RESULT ? `${text.slice(0, MAX_SHOWN_RESULT - 1)}…` : text;
}

function unknownAgents(definition: SwarmDefinition, agents: readonly AgentDefinition[]): string | undefined {
  const missing = definition.agents.filter((name) => !agents.some((agent) => agent.name === name));
  return missing.length > 0 ? `swarm "${definition.name}" names agents this worker does not have: ${missing.join(', ')}` : undefined;
}
