/**
 * The agent-run workflow: one run of one agent, from prompt to final answer, waiting durably
 * for humans whenever a hook or tool interrupts.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  ContinueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AgentDefinition } from '../agent/definition.js';
import type { InterruptBook } from '../agent/interrupt-book.js';
import type { InterruptResponse } from '../agent/interrupts.js';
import { AgentLoop, type RunCarry } from '../agent/loop.js';
import { AUTO_MODEL } from '../agent/definition.js';
import { parseModelChoice } from '../agent/model-choice.js';
import { CONVERSATION_MAX_BYTES, fitConversation, fitJson, PAYLOAD_BUDGET, promptProblem } from '../agent/payload-budget.js';
import type { ModelChoice } from '../agent/types.js';
import { runFailure } from './failures.js';
import { Notifier } from './notifier.js';
import { publishStart, publishState, type RunIdentity } from './run-visibility.js';
import { runFinishedSignal, sessionWorkflowId, type RunFinished } from './session-messages.js';
import {
  acceptRunUpdate,
  bareStatus,
  respondSignal,
  respondUpdate,
  statusQuery,
  type AgentRunInput,
  type AgentRunResult,
  type RunPhase,
  type RunStatus,
} from './messages.js';
import { workflowRuntime } from './runtime.js';

/** Builds the workflow function for a set of agents (the worker's agents, or a test's). */
export function createAgentRunWorkflow(agents: readonly AgentDefinition[]) {
  return async function agentRun(input: AgentRunInput): Promise<AgentRunResult> {
    const report = reportToSession(input);
    const agent = agents.find((candidate) => candidate.name === input.agent);
    const refusal = agent ? (input.carried ? undefined : promptProblem(input.prompt)) : unknownAgent(agents, input.agent);
    // Handlers first, before any await: the start's own 'accept' update is delivered with the start.
    setHandler(acceptRunUpdate, () => ({ agent: input.agent }), {
      validator: () => {
        if (refusal) throw new Error(refusal);
      },
    });
    if (!agent || refusal) {
      const failure = ApplicationFailure.nonRetryable(refusal ?? 'refused', agent ? 'RunInputRefused' : 'UnknownAgent');
      setHandler(statusQuery, () =>
        bareStatus({ status: 'failed', agent: input.agent, sessionId: input.sessionId, state: input.state ?? {}, error: failure.message }),
      );
      await report({ outcome: 'failed', error: failure.message });
      throw failure;
    }
    const loop = new AgentLoop(agent, workflowRuntime(input.timeouts), {
      prompt: input.prompt,
      model: input.model ?? defaultModelOf(agent),
      runId: workflowInfo().workflowId,
      ...(input.maxModelCalls !== undefined ? { maxModelCalls: input.maxModelCalls } : {}),
      ...(input.workspace !== undefined ? { workspace: input.workspace } : {}),
      ...(input.messages !== undefined ? { messages: input.messages } : {}),
      ...(input.state !== undefined ? { state: input.state } : {}),
      ...(input.carried !== undefined ? { carried: input.carried } : {}),
      // Continue as new when Temporal suggests it: between turns, or while waiting when the history
      // grows anyway (signals nobody can refuse), carrying the waiting turn and its questions.
      shouldHandOff: () => workflowInfo().continueAsNewSuggested,
      shouldHandOffWhileWaiting: () => workflowInfo().continueAsNewSuggested,
      onInterruptsChange: () => {
        publishState(identity, currentPhase(), loop.book.pending);
        notifier.update(loop.book.pending, loop.book.answered);
      },
    });
    const notifier = new Notifier({
      agent,
      prompt: input.prompt,
      ...(input.sessionId !== undefined ? { sessionId: input.sessionId } : {}),
      isPending: (id) => loop.book.pending.some((interrupt) => interrupt.id === id),
      record: (note) => loop.decisions.push(note),
    });
    const identity: RunIdentity = {
      agent: agent.name,
      indexed: input.indexed ?? false,
      ...(input.sessionId !== undefined ? { sessionId: input.sessionId } : {}),
    };
    let phase: Exclude<RunPhase, 'waiting'> = 'running';
    let error: string | undefined;
    const currentPhase = (): RunPhase => (phase === 'running' && loop.book.isWaiting ? 'waiting' : phase);
    const end = (final: Exclude<RunPhase, 'running' | 'waiting'>) => {
      phase = final;
      publishState(identity, final, []);
    };
    publishStart(identity);
    publishState(identity, 'running', []);
    const status = (): RunStatus => fitJson({
      status: currentPhase(),
      agent: agent.name,
      ...(input.sessionId !== undefined ? { sessionId: input.sessionId } : {}),
      // A run that has ended waits for nothing, whatever its hooks were awaiting when it ended.
      pending: phase === 'running' ? loop.book.pending : [],
      answered: loop.book.answered,
      ignored: loop.book.ignored,
      decisions: loop.decisions,
      usage: loop.usage,
      modelCalls: loop.modelCalls,
      lastMessage: loop.lastMessage,
      state: loop.state.snapshot(),
      ...(error !== undefined ? { error } : {}),
    } satisfies RunStatus);

    setHandler(statusQuery, status);
    setHandler(respondSignal, (response) => {
      loop.book.offer(response);
    });
    setHandler(
      respondUpdate,
      (responses) => {
        for (const response of asList(responses)) loop.book.accept(response);
        return status();
      },
      { validator: (responses) => validateAnswers(loop.book, responses, phase) },
    );

    try {
      const outcome = await loop.run();
      if (outcome.type === 'handOff') {
        await condition(allHandlersFinished);
        return await continueAsNew<(input: AgentRunInput) => Promise<AgentRunResult>>({
          ...input,
          messages: outcome.messages,
          state: outcome.state,
          carried: fitCarry(outcome.carry),
        });
      }
      end('completed');
      const result = fitResult(outcome.result);
      await report({ outcome: 'completed', state: result.state, messages: result.messages });
      return result;
    } catch (thrown) {
      if (isCancellation(thrown)) {
        end('cancelled');
        await CancellationScope.nonCancellable(() => report({ outcome: 'cancelled', state: loop.state.snapshot() }));
        throw thrown;
      }
      if (thrown instanceof ContinueAsNew) throw thrown;
      const failure = runFailure(thrown);
      error = failure.message;
      end('failed');
      await report({ outcome: 'failed', state: loop.state.snapshot(), error: failure.message });
      throw failure;
    }
  };
}

/**
 * A run of a session tells the session when it ends, with its final state and conversation.
 * The signal goes to the session's workflow id, so it reaches the session even after the session
 * continued as new. A session that is gone is not the run's problem.
 */
function reportToSession(input: AgentRunInput): (finished: Omit<RunFinished, 'runId'>) => Promise<void> {
  const session = input.sessionId !== undefined ? sessionWorkflowId(input.sessionId) : undefined;
  return async (finished) => {
    if (!session || workflowInfo().parent?.workflowId !== session) return;
    const messages = finished.messages && structuredCopy(finished.messages);
    if (messages) fitConversation(messages);
    await getExternalWorkflowHandle(session)
      .signal(runFinishedSignal, fitJson({ runId: workflowInfo().workflowId, ...finished, ...(messages ? { messages } : {}) }))
      .catch(() => undefined);
  };
}

/** Room for the carried audit in a continue-as-new input, beside the conversation, state and prompt. */
const CARRY_BUDGET = 192 * 1024;

/** The carry within its budget: the audit may be shortened for display, the waiting turn's tool inputs never. */
function fitCarry(carry: RunCarry): RunCarry {
  const { waitingTurn, ...audit } = carry;
  return {
    ...fitJson(audit, CARRY_BUDGET),
    ...(waitingTurn ? { waitingTurn: { message: waitingTurn.message, results: fitJson(waitingTurn.results, CARRY_BUDGET) } } : {}),
  };
}

/** The result within Temporal's payload limit: the conversation shrunk as the model would see it, then the rest. */
function fitResult(result: AgentRunResult): AgentRunResult {
  const messages = structuredCopy(result.messages);
  fitConversation(messages, CONVERSATION_MAX_BYTES / 2);
  return fitJson({ ...result, messages }, PAYLOAD_BUDGET);
}

function structuredCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function unknownAgent(agents: readonly AgentDefinition[], name: string): string {
  return `unknown agent ${JSON.stringify(name.slice(0, 100))}; this worker has: ${agents.map((candidate) => candidate.name).join(', ')}`;
}

/** The agent's own model when it names one, else the worker's choice (`auto`: Bedrock with credentials, else the demo model). */
function defaultModelOf(agent: AgentDefinition): ModelChoice {
  return agent.model !== undefined ? parseModelChoice(agent.model) : AUTO_MODEL;
}

function asList(responses: InterruptResponse | InterruptResponse[]): InterruptResponse[] {
  return Array.isArray(responses) ? responses : [responses];
}

/** Rejects the whole update, before it enters history, if any answer cannot be applied. */
function validateAnswers(book: InterruptBook, responses: InterruptResponse | InterruptResponse[], phase: string): void {
  if (phase !== 'running') throw new Error(`the run is ${phase}; it takes no more answers`);
  const list = asList(responses);
  if (list.length === 0) throw new Error('no answers given');
  const seen = new Set<string>();
  for (const response of list) {
    const problem = book.check(response);
    if (problem) throw new Error(problem);
    if (seen.has(response.interruptId)) throw new Error(`interrupt "${response.interruptId}" is answered twice in one update`);
    seen.add(response.interruptId);
  }
}
