/**
 * A Strands-shaped front for code ported from Strands Agents: `invoke(prompt)` runs the agent and
 * resolves with a result whose `stopReason` is `'interrupt'` while the run waits for people (its
 * `interrupts` are the questions), and `resume(responses)` answers them in Strands' shape
 * (`[{ interruptResponse: { interruptId, response } }]`) and goes on with the same run.
 *
 * A thin layer over `AgentClient`: `start`, `wait`, `status`, `answer` and `result` do the work; the
 * run is an ordinary durable run that any other client (the CLI, the inbox, another machine with
 * `fromRun`) may read or answer too.
 */
import type { Interrupt, InterruptResponse } from '../agent/interrupts.js';
import { textOf, type JsonObject, type JsonValue, type Message, type RunStopReason, type Usage } from '../agent/types.js';
import type { AgentRunResult, RunStatus } from '../workflows/messages.js';
import { AgentClientError, type AgentClient, type StartOptions } from './agent-client.js';

/** What every run of a `DurableAgent` is started with: `AgentClient.start`'s options but the prompt and the run id. */
export type DurableAgentOptions = Omit<StartOptions, 'prompt' | 'workflowId'> & {
  /** Signs each answer for the run that asks the question (see `AgentClient.answer`); unsigned when absent. */
  sign?: (runId: string, answer: InterruptResponse) => InterruptResponse;
};

/** One answer as Strands gives it, or plainly. */
export type DurableInterruptResponse =
  | { interruptResponse: { interruptId: string; response: JsonValue } }
  | { interruptId: string; response: JsonValue };

/**
 * What `invoke`, `resume` and `fromRun` resolve with: Strands' `AgentResult`, one shape for both
 * outcomes. `stopReason` is `'interrupt'` while the run waits for answers (`interrupts` lists the
 * questions, as the client shows them), else the model's stop reason of the completed run
 * (`end_turn`, `max_tokens`, ..., or `max_model_calls`) with `interrupts` empty.
 */
export interface DurableAgentResult {
  stopReason: RunStopReason | 'interrupt';
  /** The run's workflow id: `hitl` commands, the inbox and `fromRun` take it. */
  runId: string;
  interrupts: Interrupt[];
  /** The text of the model's last message (while interrupted: what it wrote before it asked). */
  text: string;
  message: Message | null;
  state: JsonObject;
  usage: Usage;
  modelCalls: number;
  /** The whole result of a completed run (its answered interrupts, decisions, conversation). */
  result?: AgentRunResult;
}

export class DurableAgent {
  /** The run waiting for answers, and its questions as last shown; undefined when no run is in progress. */
  private current: { runId: string; shown: Interrupt[] } | undefined;
  /** A call of this agent not yet settled: calls are taken one at a time. */
  private busy = false;

  constructor(
    readonly agents: AgentClient,
    private readonly options: DurableAgentOptions,
  ) {
    if (typeof options?.agent !== 'string') throw new AgentClientError('DurableAgent needs { agent: "<agent name>" }');
  }

  /** The run waiting for answers, if any. */
  get runId(): string | undefined {
    return this.current?.runId;
  }

  /**
   * Starts a run with `prompt` and resolves when it next stops: interrupted, or completed. A run
   * that fails, is cancelled or terminated rejects, naming the run and why. Refused while a run of
   * this agent still waits for answers (`resume` it). Like Strands' `agent(responses)`, a list of
   * answers instead of a prompt resumes.
   */
  async invoke(prompt: string | readonly DurableInterruptResponse[]): Promise<DurableAgentResult> {
    if (Array.isArray(prompt)) return this.resume(prompt);
    if (typeof prompt !== 'string') throw new AgentClientError(`invoke takes a prompt (a string) or a list of interrupt responses, not ${describe(prompt)}`);
    return this.oneAtATime(async () => {
      await this.refuseWhileWaiting();
      const { sign: _sign, ...start } = this.options;
      const { workflowId } = await this.agents.start({ ...start, prompt });
      return this.settle(workflowId);
    });
  }

  /**
   * Answers questions of the run in progress (`[{ interruptResponse: { interruptId, response } }]`,
   * or `[{ interruptId, response }]`), each bound to the question as this agent showed it, then
   * resolves when the run next stops, as `invoke` does.
   */
  async resume(responses: readonly DurableInterruptResponse[]): Promise<DurableAgentResult> {
    const answers = parseResponses(responses);
    return this.oneAtATime(async () => {
      const current = this.current;
      if (!current) throw new AgentClientError('no run is in progress: start one with invoke(prompt) (or pick one up with fromRun(runId))');
      const status = await this.agents.status(current.runId);
      if (isOver(status)) {
        this.current = undefined;
        throw new AgentClientError(`run ${current.runId} has ended (${status.status}${status.error ? `: ${status.error}` : ''}); it takes no more answers`);
      }
      const pending = new Set(status.pending.map((question) => question.id));
      const unknown = answers.find((answer) => !pending.has(answer.interruptId));
      if (unknown) {
        const waiting = pending.size > 0 ? `its pending questions: ${[...pending].join(', ')}` : 'no question is pending now';
        throw new AgentClientError(`"${unknown.interruptId}" is not a pending question of run ${current.runId} (${waiting})`);
      }
      await this.agents.answer(current.runId, answers, this.options.sign, current.shown);
      return this.settle(current.runId, current.shown);
    });
  }

  /**
   * Picks up an existing run of this agent (started elsewhere, or by another process) and resolves
   * when it next stops, as `invoke` does: an interrupted run can then be resumed here.
   */
  async fromRun(runId: string): Promise<DurableAgentResult> {
    if (typeof runId !== 'string') throw new AgentClientError(`fromRun takes a run id (a string), not ${describe(runId)}`);
    return this.oneAtATime(async () => {
      if (this.current?.runId !== runId) await this.refuseWhileWaiting();
      const status = await this.agents.status(runId);
      if (status.agent !== this.options.agent) throw new AgentClientError(`run ${runId} is a run of agent "${status.agent}", not of "${this.options.agent}"`);
      return this.settle(runId);
    });
  }

  /** Waits until the run next stops and says how: interrupted (it becomes the run in progress), completed, or an error. */
  private async settle(runId: string, shown: Interrupt[] = []): Promise<DurableAgentResult> {
    // The run is this agent's while it goes on: should the wait fail, a new prompt is still refused.
    this.current = { runId, shown };
    let status = await this.agents.wait(runId);
    while (status.status === 'running') status = await this.agents.wait(runId);
    if (status.status === 'waiting') {
      this.current = { runId, shown: status.pending };
      return {
        stopReason: 'interrupt',
        runId,
        interrupts: status.pending,
        text: textOf(status.lastMessage),
        message: status.lastMessage,
        state: status.state,
        usage: status.usage,
        modelCalls: status.modelCalls,
      };
    }
    this.current = undefined;
    // Completed; a run that ended otherwise throws, saying how ("run X did not complete: the run was cancelled").
    const result = await this.agents.result(runId);
    return {
      stopReason: result.stopReason,
      runId,
      interrupts: [],
      text: result.text,
      message: result.lastMessage,
      state: result.state,
      usage: result.usage,
      modelCalls: result.modelCalls,
      result,
    };
  }

  /** Refuses a new run while this agent's run still waits for answers (or runs on after answers given elsewhere). */
  private async refuseWhileWaiting(): Promise<void> {
    const current = this.current;
    if (!current) return;
    const status = await this.agents.status(current.runId);
    if (isOver(status)) {
      this.current = undefined;
      return;
    }
    const ids = status.pending.map((question) => question.id).join(', ');
    throw new AgentClientError(
      status.status === 'waiting'
        ? `run ${current.runId} still waits for answers to ${ids}: resume it with resume([{ interruptResponse: { interruptId, response } }]) before a new prompt`
        : `run ${current.runId} is still in progress (answered elsewhere): pick it up with fromRun("${current.runId}") before a new prompt`,
    );
  }

  private async oneAtATime<T>(call: () => Promise<T>): Promise<T> {
    if (this.busy) throw new AgentClientError('this agent is still busy with an earlier invoke, resume or fromRun: await it first');
    this.busy = true;
    try {
      return await call();
    } finally {
      this.busy = false;
    }
  }
}

function isOver(status: RunStatus): boolean {
  return status.status === 'completed' || status.status === 'failed' || status.status === 'cancelled';
}

/** The answers of `resume`, checked: a non-empty list of `{ interruptResponse: { interruptId, response } }` or `{ interruptId, response }`. */
function parseResponses(responses: unknown): InterruptResponse[] {
  const shape = 'a list of [{ interruptResponse: { interruptId, response } }] (or [{ interruptId, response }])';
  if (!Array.isArray(responses)) throw new AgentClientError(`resume takes ${shape}, not ${describe(responses)}`);
  if (responses.length === 0) throw new AgentClientError(`resume takes ${shape}: the list is empty`);
  const seen = new Set<string>();
  return responses.map((item: unknown, index) => {
    const inner = isObject(item) && isObject(item.interruptResponse) ? item.interruptResponse : item;
    if (!isObject(inner) || typeof inner.interruptId !== 'string' || !('response' in inner) || inner.response === undefined) {
      throw new AgentClientError(`resume: answer ${index + 1} is ${describe(item)}; each answer is { interruptResponse: { interruptId, response } } or { interruptId, response }`);
    }
    if (seen.has(inner.interruptId)) throw new AgentClientError(`resume: "${inner.interruptId}" is answered twice`);
    seen.add(inner.interruptId);
    return { interruptId: inner.interruptId, response: inner.response as JsonValue };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A wrong argument, in a few words: `a string ("y")`, `an object`, `undefined`. */
function describe(value: unknown): string {
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)})`;
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? `an object with ${Object.keys(value).map((key) => JSON.stringify(key)).join(', ') || 'no keys'}` : `a ${typeof value}`;
}
