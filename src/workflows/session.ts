/**
 * The session workflow: owns a session's durable agent state and conversation, and runs its
 * prompts one at a time as child agent runs. A prompt sent while a run is in progress is refused
 * with a message naming that run: a run may wait for a human for days, and silently queueing
 * behind it would leave the sender guessing (answer or cancel the run, then send again).
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { AgentState, copyJson, type StateChange } from '../agent/state.js';
import { fitConversation, promptProblem } from '../agent/payload-budget.js';
import { oneLine } from '../agent/types.js';
import type { InterruptResponse } from '../agent/interrupts.js';
import type { createActivities } from '../activities/index.js';
import { AGENT_RUN_WORKFLOW, respondSignal, respondUpdate, type AgentRunInput, type RunStatus } from './messages.js';
import {
  editStateUpdate,
  RECENT_RUNS,
  runFinishedSignal,
  runWaitingSignal,
  sessionQuery,
  submitRunUpdate,
  type ActiveRun,
  type RunSummary,
  type SessionInput,
  type SessionView,
  type SubmitRun,
} from './session-messages.js';

const FINISH_REPORT_GRACE = '5 seconds';
/** How much of a prompt the session keeps in its list of runs. */
const PROMPT_PREVIEW = 200;
/** Sessions pass on answers signalled to them (older sessions ignored them). */
const SESSION_ROUTES_ANSWERS = 'session-routes-answers';

const { runState: runStateOf } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

export async function agentSession(input: SessionInput): Promise<void> {
  let state = new AgentState(input.state ?? {});
  let messages = input.messages ?? [];
  let active: ActiveRun | undefined = input.active;
  let editsDuringRun: StateChange[] = input.editsDuringRun ?? [];
  let runs: RunSummary[] = input.runs ?? [];

  const view = (): SessionView => ({
    sessionId: input.sessionId,
    state: state.snapshot(),
    active,
    runs,
    messageCount: messages.length,
  });
  const busy = (what = 'the prompt'): string | undefined =>
    active &&
    `session "${input.sessionId}" is busy with run ${active.runId} (started ${active.startedAt}); ` +
      `answer or cancel that run, then send ${what} again`;

  setHandler(sessionQuery, view);

  const finish = (outcome: RunSummary['outcome'], error?: string): void => {
    if (!active) return;
    runs = [{ ...active, outcome, endedAt: new Date().toISOString(), ...(error !== undefined ? { error } : {}) }, ...runs].slice(0, RECENT_RUNS);
    active = undefined;
    editsDuringRun = [];
  };

  /**
   * A run reports its end by signal just before it completes; a prompt sent right after may get
   * here first, so the report gets a moment. A run that ended without reporting (terminated by
   * an operator) is found out by asking Temporal, so the session never stays busy for nothing.
   */
  const settleActive = async (): Promise<void> => {
    // A run that said it waits for a person will not report soon: no grace, just check it still runs.
    if (!active || (!active.waiting && (await condition(() => active === undefined, FINISH_REPORT_GRACE)))) return;
    const runId = active.runId;
    const ended = await runStateOf(runId);
    if (active?.runId === runId && ended !== 'open') finish(ended === 'missing' ? 'failed' : ended, `the run ended without reporting to its session (${ended})`);
  };

  setHandler(
    submitRunUpdate,
    async (submit: SubmitRun) => {
      await settleActive();
      const what = submit.toolCall !== undefined ? 'the tool call' : undefined;
      const refusal = active?.waiting ? `${busy(what)} (it is waiting for a person)` : busy(what);
      if (refusal) throw ApplicationFailure.nonRetryable(refusal, 'SessionBusy');
      // The session keeps a preview of the prompt: the run holds the prompt itself.
      active = { runId: submit.runId, agent: submit.agent, prompt: oneLine(submit.prompt, PROMPT_PREVIEW), startedAt: new Date().toISOString() };
      editsDuringRun = [];
      // Only the fields a caller may set: the session owns the conversation, the state and the rest.
      const runInput: AgentRunInput = {
        agent: submit.agent,
        prompt: submit.prompt,
        model: submit.model,
        sessionId: input.sessionId,
        messages,
        state: state.snapshot(),
        ...(submit.workspace !== undefined ? { workspace: submit.workspace } : {}),
        ...(submit.maxModelCalls !== undefined ? { maxModelCalls: submit.maxModelCalls } : {}),
        ...(submit.timeouts !== undefined ? { timeouts: submit.timeouts } : {}),
        ...(submit.indexed !== undefined ? { indexed: submit.indexed } : {}),
        ...(submit.output !== undefined ? { output: submit.output } : {}),
        ...(submit.toolCall !== undefined ? { toolCall: submit.toolCall } : {}),
      };
      try {
        await startChild(AGENT_RUN_WORKFLOW, {
          workflowId: submit.runId,
          args: [runInput],
          // The run outlives a continue-as-new of its session; it reports back by signal.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          staticSummary: `${submit.agent} in session ${input.sessionId}`,
          memo: { agent: submit.agent, sessionId: input.sessionId },
        });
      } catch (error) {
        active = undefined;
        throw ApplicationFailure.nonRetryable(`could not start run ${submit.runId}: ${(error as Error).message}`, 'RunNotStarted');
      }
      return { workflowId: submit.runId };
    },
    {
      validator: (submit: SubmitRun) => {
        if (!submit || typeof submit.runId !== 'string' || typeof submit.prompt !== 'string' || typeof submit.agent !== 'string') {
          throw new Error('a run needs runId, agent and prompt');
        }

        const problem = promptProblem(submit.prompt);
        if (problem) throw new Error(problem);
      },
    },
  );

  setHandler(
    editStateUpdate,
    (changes: StateChange[]) => {
      state.apply(changes);
      if (active) editsDuringRun.push(...changes);
      return view();
    },
    {
      validator: (changes: StateChange[]) => {
        if (!Array.isArray(changes) || changes.some((change) => !['set', 'delete'].includes(change?.op) || typeof change.key !== 'string')) {
          throw new Error('state edits are a list of { op: "set", key, value } or { op: "delete", key }');
        }
        // Checked here: a value the handler could not store would fail the workflow task instead.
        for (const change of changes) if (change.op === 'set') copyJson(change.value, change.key);
      },
    },
  );

  // Answers sent to the session instead of its run: the update is refused with the run to answer,
  // the signal (which cannot be refused) is passed on to the run in progress.
  const notARun = (): string =>
    `session-${input.sessionId} is a session, not a run: ` +
    (active ? `answer its run ${active.runId}` : 'it has no run in progress; answer the run that asked');
  const refuseAnswers = (_answers: InterruptResponse | InterruptResponse[]): RunStatus => {
    throw new Error(notARun());
  };
  setHandler(respondUpdate, refuseAnswers, { validator: refuseAnswers });
  setHandler(respondSignal, (response) => {
    if (!active || !patched(SESSION_ROUTES_ANSWERS)) return;
    void getExternalWorkflowHandle(active.runId).signal(respondSignal, response).catch(() => undefined);
  });

  setHandler(runWaitingSignal, ({ runId, waiting }) => {
    if (active?.runId === runId) active = { ...active, waiting };
  });

  setHandler(runFinishedSignal, (finished) => {
    if (!active || finished.runId !== active.runId) return;
    if (finished.state) {
      // The run's final state, then whatever was edited from outside while it ran (a revoke wins).
      state = new AgentState(finished.state);
      state.apply(editsDuringRun);
    }
    if (finished.messages) {
      messages = finished.messages;
      fitConversation(messages);
    }
    finish(finished.outcome, finished.error);
  });

  // A session lives until it is terminated; it continues as new whenever its history grows long,
  // but never while an update is in flight (the active run, if any, carries on and reports back).
  await condition(() => workflowInfo().continueAsNewSuggested && allHandlersFinished());
  await continueAsNew<typeof agentSession>({
    sessionId: input.sessionId,
    state: state.snapshot(),
    messages,
    ...(active ? { active } : {}),
    editsDuringRun,
    runs,
  });
}
