/**
 * The session's contract: a session is a long-lived workflow (`session-<id>`) that owns the
 * durable agent state and conversation of one user or thread, and runs its prompts one at a time
 * as child agent runs.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { StateChange } from '../agent/state.js';
import type { JsonObject, Message } from '../agent/types.js';
import type { AgentRunInput } from './messages.js';

export const SESSION_WORKFLOW = 'agentSession';
export const sessionWorkflowId = (sessionId: string): string => `session-${sessionId}`;

export interface SessionInput {
  sessionId: string;
  state?: JsonObject;
  messages?: Message[];
  /** The run in progress when the session continued as new. */
  active?: ActiveRun;
  /** State edits made while the active run ran: re-applied on top of its final state. */
  editsDuringRun?: StateChange[];
  runs?: RunSummary[];
}

/** A prompt for the session: the run's own input (the session adds its state and conversation) and the run's workflow id. */
export type SubmitRun = Pick<AgentRunInput, 'agent' | 'prompt' | 'model' | 'workspace' | 'maxModelCalls' | 'timeouts' | 'indexed' | 'output' | 'toolCall'> & {
  runId: string;
};

export interface ActiveRun {
  runId: string;
  agent: string;
  prompt: string;
  startedAt: string;
  /** The run told the session it waits for a person (prompts are then refused at once). */
  waiting?: boolean;
}

export interface RunSummary extends ActiveRun {
  outcome: 'completed' | 'failed' | 'cancelled';
  endedAt: string;
  error?: string;
}

export interface SessionView {
  sessionId: string;
  state: JsonObject;
  active: ActiveRun | undefined;
  /** Most recent first, at most `RECENT_RUNS`. */
  runs: RunSummary[];
  messageCount: number;
}

/** How a run tells its session that it has ended (sent by the run itself, so it survives the session's continue-as-new). */
export interface RunFinished {
  runId: string;
  outcome: RunSummary['outcome'];
  state?: JsonObject;
  messages?: Message[];
  error?: string;
}

export const RECENT_RUNS = 20;

/** Starts a run in the session; refused while another run of the session is in progress. */
export const submitRunUpdate = defineUpdate<{ workflowId: string }, [SubmitRun]>('submit');
/** Changes the session's state (for example revokes a trust); returns the new view. */
export const editStateUpdate = defineUpdate<SessionView, [StateChange[]]>('editState');
export const sessionQuery = defineQuery<SessionView>('session');
export const runFinishedSignal = defineSignal<[RunFinished]>('runFinished');
/** A run of the session starts or stops waiting for a person. */
export const runWaitingSignal = defineSignal<[{ runId: string; waiting: boolean }]>('runWaiting');
