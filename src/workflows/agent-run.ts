/**
 * The agent-run workflow: one run of one agent, from prompt to final answer, waiting durably
 * for humans whenever a hook or tool interrupts, and for its sub-agents' runs.
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
import { AUTO_MODEL, type AgentDefinition } from '../agent/definition.js';
import { directCallProblem } from '../agent/direct-call.js';
import { AgentLoop } from '../agent/loop.js';
import { parseModelChoice } from '../agent/model-choice.js';
import { PATCHES } from '../agent/patches.js';
import { fitConversation, fitJson, promptProblem } from '../agent/payload-budget.js';
import { stateChangesBetween } from '../agent/state.js';
import { OUTPUT_TOOL, outputSchemaProblem } from '../agent/structured-output.js';
import type { ModelChoice } from '../agent/types.js';
import { activationSettled } from './activation.js';
import { watchCallerOfRun } from './caller-watch.js';
import { asList, validateAnswers } from './answer-checks.js';
import { runFailure } from './failures.js';
import {
  acceptRunUpdate,
  bareStatus,
  conversationQuery,
  respondSignal,
  respondUpdate,
  statusQuery,
  MAX_WAIT_UPDATE_MS,
  waitUpdate,
  type AgentRunInput,
  type AgentRunResult,
  type RunPhase,
  type RunStatus,
} from './messages.js';
import { Notifier } from './notifier.js';
import { RunMetrics } from './run-metrics.js';
import { RunStream } from './run-stream.js';
import { ParkedLimit } from './parked-limit.js';
import type { RunEvent } from '../agent/run-events.js';
import { parentReports } from './parent-link.js';
import { fitCarry, fitResult, jsonCopy } from './run-payloads.js';
import { publishStart, publishState, type RunIdentity } from './run-visibility.js';
import { workflowRuntime } from './runtime.js';
import { runFinishedSignal, runWaitingSignal, sessionWorkflowId, type RunFinished } from './session-messages.js';
import { offerOrForward, SubAgents } from './sub-agents.js';

/** `wait` updates a run holds at once: with the stream's watchers, they leave room for answers (parked-limit.ts). */
const MOST_WAITERS = 3;

/** Builds the workflow function for a set of agents (the worker's agents, or a test's). */
export function createAgentRunWorkflow(agents: readonly AgentDefinition[]) {
  return async function agentRun(input: AgentRunInput): Promise<AgentRunResult> {
    const report = reportToSession(input);
    const agent = agents.find((candidate) => candidate.name === input.agent);
    const refusal = agent
      ? input.carried
        ? undefined
        : promptProblem(input.prompt) ?? (input.output !== undefined ? outputRefusal(agent, input.output) : undefined) ?? (input.toolCall !== undefined ? directCallRefusal(agent, input) : undefined)
      : unknownAgent(agents, input.agent);
    // Handlers first, before any await: the start's own 'accept' update is delivered with the start.
    setHandler(acceptRunUpdate, () => ({ agent: input.agent }), {
      validator: () => {
        if (refusal) throw new Error(refusal);
      },
    });
    const parent = parentReports(input.parent, input.agent);
    if (!agent || refusal) {
      const failure = ApplicationFailure.nonRetryable(refusal ?? 'refused', agent ? 'RunInputRefused' : 'UnknownAgent');
      const failed = () => bareStatus({ status: 'failed', agent: input.agent, sessionId: input.sessionId, state: input.state ?? {}, error: failure.message });
      setHandler(statusQuery, failed);
      setHandler(waitUpdate, failed);
      await report({ outcome: 'failed', error: failure.message });
      await parent.finished({ outcome: 'failed', error: failure.message, stateChanges: [] });
      throw failure;
    }
    const { workflowId } = workflowInfo();
    // Before any await: a watcher may poll from the run's first task (see run-stream.ts).
    const stream = new RunStream(input.stream ?? {});
    if (!input.carried) stream.publish({ type: 'start', messageId: workflowId, agent: agent.name });
    const handingOff = () => workflowInfo().continueAsNewSuggested;
    const subAgents = new SubAgents({
      agents,
      runId: workflowId,
      agent: agent.name,
      lineage: parent.lineage,
      indexed: input.indexed ?? false,
      ...(input.sessionId !== undefined ? { sessionId: input.sessionId } : {}),
      ...(input.timeouts !== undefined ? { timeouts: input.timeouts } : {}),
      ...(input.subAgents !== undefined ? { carried: input.subAgents } : {}),
      handingOff,
      onChange: () => questionsChanged(),
      patched: (id) => runtime.patched(id),
    });
    const runtime = workflowRuntime(input.timeouts, (call) => subAgents.run(call));
    const loop = new AgentLoop(agent, runtime, {
      prompt: input.prompt,
      model: input.model ?? defaultModelOf(agent),
      runId: workflowId,
      scope: { namespace: workflowInfo().namespace, workflowId, execution: workflowInfo().firstExecutionRunId },
      ...(input.maxModelCalls !== undefined ? { maxModelCalls: input.maxModelCalls } : {}),
      ...(input.workspace !== undefined ? { workspace: input.workspace } : {}),
      ...(input.messages !== undefined ? { messages: input.messages } : {}),
      ...(input.state !== undefined ? { state: input.state } : {}),
      ...(input.carried !== undefined ? { carried: input.carried } : {}),
      ...(input.output !== undefined ? { output: input.output } : {}),
      ...(input.toolCall !== undefined ? { toolCall: input.toolCall } : {}),
      // Continue as new when Temporal suggests it: between turns, or while waiting when the history
      // grows anyway (signals nobody can refuse), carrying the waiting turn and its questions.
      shouldHandOff: handingOff,
      shouldHandOffWhileWaiting: handingOff,
      onProgress: (event) => stream.publish(event),
      onInterruptsChange: () => {
        questionsChanged();
        notifier.update(loop.book.pending, loop.book.answered);
        metrics.update(loop.book.pending, loop.book.answered);
      },
    });
    const metrics = new RunMetrics(agent.name);
    const notifier = new Notifier({
      agent,
      prompt: input.prompt,
      ...(input.sessionId !== undefined ? { sessionId: input.sessionId } : {}),
      ...(parent.path ? { path: parent.path } : {}),
      isPending: (id) => loop.book.pending.some((interrupt) => interrupt.id === id),
      record: (note) => loop.decisions.push(note),
      patched: runtime.patched,
    });
    const identity: RunIdentity = {
      agent: agent.name,
      indexed: input.indexed ?? false,
      // Asked only by runs whose client found the inbox's attributes: the others pay no marker.
      inbox: (input.indexed === 'inbox' || input.indexed === 'inbox-sealed') && runtime.patched(PATCHES.inboxAttributes),
      sealed: input.indexed === 'inbox-sealed',
      ...(input.sessionId !== undefined ? { sessionId: input.sessionId } : {}),
    };
    let phase: Exclude<RunPhase, 'waiting'> = 'running';
    let error: string | undefined;
    /** Everything this run waits for: its own questions (with their path when it is a sub-agent) and its sub-agents'. */
    const questions = () => [...parent.withPath(loop.book.pending), ...subAgents.pending];
    const currentPhase = (): RunPhase => (phase === 'running' && (loop.book.isWaiting || subAgents.pending.length > 0) ? 'waiting' : phase);
    const questionsChanged = () => {
      const pending = questions();
      stream.questions(pending, loop.book.answered);
      publishState(identity, currentPhase(), pending);
      parent.waiting(pending);
      tellSession(pending.length > 0);
    };
    const tellSession = sessionWaiting(input, runtime.patched);
    // A sub-agent ends when its caller closed without it (activities/caller-watch.ts): nothing can answer it any more.
    const callerWatch = input.parent !== undefined && runtime.patched(PATCHES.callerWatch) ? watchCallerOfRun() : undefined;
    const loopScope = new CancellationScope();
    let callerClosed: string | undefined;
    callerWatch?.onClosed((how) => {
      callerClosed = `the calling run ${input.parent!.runId} ${how === 'gone' ? 'is gone' : `was ${how}`}; this sub-agent takes no more answers`;
      loopScope.cancel();
    });
    const end = (final: Exclude<RunPhase, 'running' | 'waiting'>, told: Partial<Extract<RunEvent, { type: 'finish' }>> = {}) => {
      phase = final;
      callerWatch?.stop();
      if (final === 'failed' && error !== undefined) stream.publish({ type: 'error', errorText: error });
      stream.end({ type: 'finish', status: final, ...told });
      // Answers waiting for a carried question to be asked again are refused: it never will be.
      loop.book.endCarriedWaits();
      publishState(identity, final, []);
      metrics.runEnded();
    };
    publishStart(identity);
    // Waits carried from before a hand-off show (and take answers) at once.
    publishState(identity, currentPhase(), questions());
    const status = (): RunStatus =>
      fitJson({
        status: currentPhase(),
        agent: agent.name,
        ...(input.sessionId !== undefined ? { sessionId: input.sessionId } : {}),
        // A run that has ended waits for nothing, whatever its hooks were awaiting when it ended.
        pending: phase === 'running' ? questions() : [],
        answered: loop.book.answered,
        ignored: loop.book.ignored,
        decisions: loop.decisions,
        usage: loop.usage,
        modelCalls: loop.modelCalls,
        lastMessage: loop.lastMessage,
        state: loop.state.snapshot(),
        ...(error !== undefined ? { error } : {}),
        ...(loop.output !== undefined ? { output: loop.output } : {}),
        ...(loop.toolResult !== undefined ? { toolResult: loop.toolResult } : {}),
      } satisfies RunStatus);

    setHandler(statusQuery, status);
    setHandler(conversationQuery, () => [...loop.messages]);
    // Since the patch every answer waits for its activation to settle (see activation.ts); runs from
    // before wait only with an answer that meets no question yet, which they used to ignore.
    const allAnswersSettleFirst = runtime.patched(PATCHES.answersAfterActivation);
    const settlesFirst = (ids: readonly unknown[]) =>
      allAnswersSettleFirst || ids.some((id) => typeof id === 'string' && !loop.book.knows(id) && !subAgents.question(id));
    setHandler(respondSignal, async (response) => {
      if (settlesFirst([response?.interruptId])) await activationSettled();
      offerOrForward(response, (id) => subAgents.question(id), (answer) => loop.book.offer(answer));
    });
    setHandler(
      respondUpdate,
      async (responses) => {
        const list = asList(responses);
        try {
          if (settlesFirst(list.map((response) => response?.interruptId))) {
            await activationSettled();
            // The validator saw the run before the activation settled (and a replay runs no validator).
            if (allAnswersSettleFirst) validateAnswers(loop.book, list, phase, (id) => subAgents.question(id));
          }
          // A question carried across a hand-off is answered alone (the validator sees to it) and
          // applied once the run asks it again; other answers are applied at once, all together.
          if (list.length === 1 && loop.book.isCarried(list[0]!.interruptId)) await loop.book.acceptWhenAsked(list[0]!);
          else for (const response of list) loop.book.accept(response);
        } catch (error) {
          // Only a Temporal failure fails the update; any other error would fail the workflow task, again and again.
          throw ApplicationFailure.nonRetryable((error as Error).message, 'AnswerRefused');
        }
        return status();
      },
      { validator: (responses) => validateAnswers(loop.book, responses, phase, (id) => subAgents.question(id)) },
    );

    const waiters = new ParkedLimit('waiters', MOST_WAITERS);
    setHandler(
      waitUpdate,
      (options?: { timeoutMs?: number }) =>
        waiters.hold(async () => {
          const timeoutMs = Math.min(Math.max(0, options?.timeoutMs ?? MAX_WAIT_UPDATE_MS), MAX_WAIT_UPDATE_MS);
          // Also when the run is about to continue as new (it waits for its handlers): the client asks the new run.
          await condition(() => currentPhase() !== 'running' || handingOff(), timeoutMs);
          return status();
        }),
      { validator: (_options?: { timeoutMs?: number }) => waiters.admit() },
    );

    const initialState = input.state ?? {};
    const finish = async (outcome: 'completed' | 'failed' | 'cancelled', extra: { text?: string; error?: string }) => {
      const finalState = loop.state.snapshot();
      await parent.finished({ outcome, ...extra, stateChanges: stateChangesBetween(initialState, finalState) });
    };
    try {
      const outcome = await (callerWatch ? loopScope.run(() => loop.run()) : loop.run());
      if (outcome.type === 'handOff') {
        callerWatch?.stop();
        stream.detach();
        await condition(allHandlersFinished);
        return await continueAsNew<(input: AgentRunInput) => Promise<AgentRunResult>>({
          ...input,
          messages: outcome.messages,
          state: outcome.state,
          carried: fitCarry(outcome.carry()),
          subAgents: subAgents.waiting,
          stream: stream.handOff(),
        });
      }
      const result = fitResult(outcome.result);
      end('completed', { finishReason: result.stopReason, text: result.text, usage: result.usage, ...(result.output !== undefined ? { output: result.output } : {}) });
      await report({ outcome: 'completed', state: result.state, messages: result.messages });
      await finish('completed', { text: result.text });
      // Waiting clients get the final status rather than "aborted by closing workflow".
      await condition(allHandlersFinished);
      return result;
    } catch (thrown) {
      if (isCancellation(thrown) && callerClosed === undefined) {
        end('cancelled');
        await CancellationScope.nonCancellable(async () => {
          await report({ outcome: 'cancelled', state: loop.state.snapshot() });
          await finish('cancelled', { error: 'the run was cancelled' });
          await condition(allHandlersFinished);
        });
        throw thrown;
      }
      if (thrown instanceof ContinueAsNew) throw thrown;
      const failure = callerClosed !== undefined ? ApplicationFailure.nonRetryable(callerClosed, 'CallerClosed') : runFailure(thrown);
      error = failure.message;
      end('failed');
      await report({ outcome: 'failed', state: loop.state.snapshot(), error: failure.message });
      await finish('failed', { error: failure.message });
      await condition(allHandlersFinished);
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
    const messages = finished.messages && jsonCopy(finished.messages);
    if (messages) fitConversation(messages);
    await getExternalWorkflowHandle(session)
      .signal(runFinishedSignal, fitJson({ runId: workflowInfo().workflowId, ...finished, ...(messages ? { messages } : {}) }))
      .catch(() => undefined);
  };
}

/** A run of a session tells it when it starts and stops waiting for a person (runs since this change). */
function sessionWaiting(input: AgentRunInput, patched: (id: string) => boolean): (waiting: boolean) => void {
  const session = input.sessionId !== undefined ? sessionWorkflowId(input.sessionId) : undefined;
  let told = false;
  return (waiting) => {
    if (!session || workflowInfo().parent?.workflowId !== session || waiting === told || !patched(PATCHES.tellSessionWaiting)) return;
    told = waiting;
    void getExternalWorkflowHandle(session).signal(runWaitingSignal, { runId: workflowInfo().workflowId, waiting }).catch(() => undefined);
  };
}

function unknownAgent(agents: readonly AgentDefinition[], name: string): string {
  const queue = workflowInfo().taskQueue;
  return (
    `unknown agent ${JSON.stringify(name.slice(0, 100))} on task queue "${queue}"; the worker polling it has: ${agents.map((candidate) => candidate.name).join(', ')}. ` +
    "If your agent's worker polls another queue, name it: --task-queue <queue> (or AGENT_TASK_QUEUE; AgentClient's second argument)"
  );
}

/** Why a run of `agent` cannot have this output schema (checked when the run starts), or undefined. */
function outputRefusal(agent: AgentDefinition, schema: unknown): string | undefined {
  const problem = outputSchemaProblem(schema);
  if (problem) return problem;
  if (agent.tools.some((tool) => tool.name === OUTPUT_TOOL)) return `agent "${agent.name}" has a tool named "${OUTPUT_TOOL}", the name a run with an output schema gives its output tool`;
  return undefined;
}

/** Why a direct tool call cannot start (checked when the run starts; an MCP server's tools only once the run has read them), or undefined. */
function directCallRefusal(agent: AgentDefinition, input: AgentRunInput): string | undefined {
  if (input.output !== undefined) return 'a direct tool call calls no model, so it gives no typed output: leave out the output schema';
  return directCallProblem(agent.name, agent.tools, input.toolCall, (agent.mcpServers?.length ?? 0) > 0);
}

/** The agent's own model when it names one, else the worker's choice (`auto`: Bedrock with credentials, else the demo model). */
function defaultModelOf(agent: AgentDefinition): ModelChoice {
  return agent.model !== undefined ? parseModelChoice(agent.model) : AUTO_MODEL;
}
