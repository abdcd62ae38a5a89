/**
 * The agent loop: call the model, run the tools it asks for (concurrently), feed the results
 * back, until the model ends its turn or the run reaches its model-call limit.
 *
 * The assistant message that asks for tools is appended together with its results, so the
 * conversation never holds a `toolUse` without its `toolResult`, even while the run waits.
 */
import { z } from 'zod';
import type { AgentDefinition } from './definition.js';
import { isRemoteTool, toolSpecOf, type McpServerRef, type RemoteToolDefinition, type RunTool } from './definition.js';
import { BeforeToolsEvent, HookRegistry, InterruptsPendingEvent, type DecisionNote, type HookServices } from './hooks.js';
import { fitConversation } from './payload-budget.js';
import { summarizedMessages, summaryDue, summaryRequestText, summarySplit, summaryState, windowOf, type SummarizingManager, type SummaryState } from './conversation.js';
import { parseModelChoice } from './model-choice.js';
import { PATCHES } from './patches.js';
import { toolUseIdsIn, withUniqueToolUseIds } from './tool-use-ids.js';
import { HandOffWhileWaiting, InterruptBook, type CarriedWait, type RaisedInterrupt } from './interrupt-book.js';
import { beforeToolsInterruptId, type AnsweredInterrupt, type Interrupt, type InterruptRequest, type InterruptResponse } from './interrupts.js';
import type { RunScope } from './binding.js';
import { messageIdOf, type RunEvent } from './run-events.js';
import type { AgentRuntime } from './runtime.js';
import { AgentState } from './state.js';
import { DEFAULT_CANCEL_MESSAGE, executeToolUse, type ToolCallScope } from './tool-calls.js';
import {
  directAcknowledgement,
  directCallProblem,
  directRequestMessage,
  directResultText,
  DirectToolCallError,
  directToolUseId,
  directTurn,
  type DirectToolCall,
} from './direct-call.js';
import { MAX_OUTPUT_RETRIES, OUTPUT_REQUEST, OUTPUT_TOOL, outputToolSpec, StructuredOutputError, type OutputCarry } from './structured-output.js';
import {
  addUsage,
  errorResult,
  resultText,
  textOf,
  toolUsesOf,
  ZERO_USAGE,
  type JsonObject,
  type JsonValue,
  type Message,
  type ModelChoice,
  type ModelRequest,
  type ModelResponse,
  type RunStopReason,
  type ToolResult,
  type ToolSpec,
  type ToolUse,
  type Usage,
} from './types.js';

export const DEFAULT_MAX_MODEL_CALLS = 20;

export interface AgentRunOptions {
  prompt: string;
  model: ModelChoice;
  /** Identifies the run in idempotency keys (the workflow id). */
  runId: string;
  /** The run as answers bind to it (see binding.ts); absent where nothing binds (unit tests of the loop). */
  scope?: RunScope;
  maxModelCalls?: number;
  workspace?: string;
  /** Conversation and state carried in from earlier runs of the same session. */
  messages?: Message[];
  state?: JsonObject;
  /** Present when this run continues one that handed off (continue-as-new): the prompt is already in `messages`. */
  carried?: RunCarry;
  /**
   * Asked before each model call, when no answer is pending and the conversation is consistent:
   * true ends the loop with a `handOff` so the workflow can continue as new.
   */
  shouldHandOff?: () => boolean;
  /** Called when interrupts start or stop waiting (the workflow refreshes the Web UI and search attributes). */
  onInterruptsChange?: () => void;
  /** Told what happens, for the run's watchers (see run-events.ts): model text and tool calls, and their results. */
  onProgress?: (event: RunEvent) => void;
  /**
   * Asked while the run waits for people: true ends every wait and hands off with the waiting turn,
   * its finished tool results and its pending interrupts (the workflow: history grown too large,
   * for example by a flood of signals). The new run asks the same questions again under the same
   * ids, keeping their age and deadlines; answers already given are not asked again. Hooks of the
   * waiting turn run again from their start, tools that finished do not.
   */
  shouldHandOffWhileWaiting?: () => boolean;
  /**
   * The JSON Schema of the run's typed result (structured-output.ts); absent: the agent's own
   * `output`, if any. The run then ends only when the model gives an output that fits.
   */
  output?: JsonObject;
  /**
   * A direct tool call (direct-call.ts): the run calls this tool, through the same hooks and
   * approvals as a model's call, and ends with its result; no model is called.
   */
  toolCall?: DirectToolCall;
}

export type { DirectToolCall };

/** What a run carries across continue-as-new, besides its conversation and state. */
export interface RunCarry {
  usage: Usage;
  modelCalls: number;
  answered: AnsweredInterrupt[];
  decisions: DecisionNote[];
  /** Set when the run handed off while waiting: the turn whose tools were running, and the results it had. */
  waitingTurn?: { message: Message; results: Record<string, ToolResult> };
  /** The interrupts that were waiting at that hand-off. */
  waits?: CarriedWait[];
  /** Signalled answers to those interrupts, held until they are asked again. */
  held?: InterruptResponse[];
  /** The MCP servers' tools as the first run read them. */
  remoteTools?: RemoteToolDefinition[];
  /** Runs with a typed result: how far the model got in giving it. */
  output?: OutputCarry;
  /** Agents with a summarizing conversation manager: the summary the model sees, once there is one. */
  summary?: SummaryState;
}

export type AgentLoopOutcome =
  | { type: 'finished'; result: AgentRunResult }
  /** `carry` is read once the run's handlers have finished: answers accepted while it hands off are carried too. */
  | { type: 'handOff'; messages: Message[]; state: JsonObject; carry: () => RunCarry };

export interface AgentRunResult {
  stopReason: RunStopReason;
  /** The last assistant message; null before the model has said anything (JSON keeps null, drops undefined). */
  lastMessage: Message | null;
  text: string;
  usage: Usage;
  modelCalls: number;
  interrupts: AnsweredInterrupt[];
  decisions: DecisionNote[];
  state: JsonObject;
  messages: Message[];
  /** The typed result, for runs that asked for one (it fits their output schema); `text` is then its JSON. */
  output?: JsonValue;
  /** A direct tool call's result (`text` is its text); an error result when a hook or an approver refused the call. */
  toolResult?: ToolResult;
}

export class AgentLoop {
  readonly state: AgentState;
  readonly book: InterruptBook;
  readonly messages: Message[];
  usage: Usage = ZERO_USAGE;
  modelCalls = 0;
  /** The assistant turn whose tools are running (not yet in `messages`). */
  pendingTurn: Message | undefined;
  /** Why tool calls ran, waited or were refused, as hooks (the approval policy) noted it. */
  readonly decisions: DecisionNote[];
  private readonly hooks = new HookRegistry();
  /** Bumped whenever messages already in the conversation change (see AgentRuntime.callModel). */
  private revision = 0;
  /** Whether this run may hand off while waiting (not for runs that started before it could). */
  private handsOffWhileWaiting = false;
  /** The agent's tools, then those its MCP servers gave this run. */
  private readonly tools: RunTool[];
  /** JSON Schemas of the tools, generated once per run rather than once per model call. */
  private toolSpecs: ToolSpec[];
  /** Runs with a typed result: the output tool offered beside the agent's tools (structured-output.ts). */
  private readonly outputSpec: ToolSpec | undefined;
  /** Runs with a typed result: outputs that did not fit so far, and whether the next call must give one. */
  private outputState: OutputCarry = { retries: 0, force: false };
  /** The typed result, once the model gave one that fits. */
  output: JsonValue | undefined;
  /** Agents with a summarizing conversation manager: the summary that stands for the oldest messages (conversation.ts). */
  private summary: SummaryState | undefined;
  /** A direct tool call's turn, once the run has made it (direct-call.ts). */
  private directCall: Message | undefined;
  /** A direct tool call's result, once it has one. */
  toolResult: ToolResult | undefined;

  constructor(
    readonly agent: AgentDefinition,
    private readonly runtime: AgentRuntime,
    private readonly options: AgentRunOptions,
  ) {
    this.state = new AgentState(options.state ?? {});
    this.book = new InterruptBook(
      {
        waitUntil: runtime.waitUntil,
        now: () => runtime.now(),
        runId: options.runId,
        approverKeys: (names) => runtime.approverKeys(names),
        checksProofs: () => runtime.patched(PATCHES.approverProof),
        bindsTo: () => (options.scope && runtime.patched(PATCHES.decisionBinding) ? options.scope : undefined),
        handOffWhileWaiting: () => this.handsOffWhileWaiting && (options.shouldHandOffWhileWaiting?.() ?? false),
        offerToCode: (interrupt) => this.offerToCode(interrupt),
      },
      { answered: options.carried?.answered ?? [], pending: options.carried?.waits ?? [], held: options.carried?.held ?? [] },
      options.onInterruptsChange,
    );
    this.messages = [...(options.messages ?? [])];
    this.usage = options.carried?.usage ?? ZERO_USAGE;
    this.decisions = [...(options.carried?.decisions ?? [])];
    this.modelCalls = options.carried?.modelCalls ?? 0;
    agent.hooks?.(this.hooks);
    this.tools = [...agent.tools];
    this.toolSpecs = agent.tools.map(toolSpecOf);
    // A direct tool call calls no model, so it gives no typed output.
    const outputSchema = options.toolCall ? undefined : options.output ?? agentOutputSchema(agent);
    this.outputSpec = outputSchema ? outputToolSpec(outputSchema) : undefined;
    if (options.carried?.output) this.outputState = { ...options.carried.output };
    if (options.carried?.summary) this.summary = options.carried.summary;
  }

  /** The run's end: how it ended, with what every result carries (usage, answers, decisions, state, conversation). */
  private finished(end: Pick<AgentRunResult, 'stopReason' | 'lastMessage' | 'text' | 'output' | 'toolResult'>): AgentLoopOutcome {
    const result: AgentRunResult = {
      ...end,
      usage: this.usage,
      modelCalls: this.modelCalls,
      interrupts: this.book.answered,
      decisions: [...this.decisions],
      state: this.state.snapshot(),
      messages: [...this.messages],
    };
    return { type: 'finished', result };
  }

  get lastMessage(): Message | null {
    return this.pendingTurn ?? this.directCall ?? this.messages.findLast((message) => message.role === 'assistant') ?? null;
  }

  async run(): Promise<AgentLoopOutcome> {
    const base = { agentName: this.agent.name, state: this.state };
    const carried = this.options.carried;
    this.handsOffWhileWaiting = this.runtime.patched(PATCHES.handOffWhileWaiting);
    this.hooks.skipsUnheardEvents = this.runtime.patched(PATCHES.leanEvents);
    this.hooks.asksTogether = this.runtime.patched(PATCHES.hooksAskTogether);
    // A run that continued as new keeps the tool list its first run read.
    if (carried?.remoteTools) this.useRemoteTools(carried.remoteTools);
    else if (this.agent.mcpServers?.length) await this.addRemoteTools(this.agent.mcpServers);
    if (this.outputSpec && this.tools.some((tool) => tool.name === OUTPUT_TOOL)) {
      throw new StructuredOutputError(`agent "${this.agent.name}" has a tool named "${OUTPUT_TOOL}", the name a run with an output schema gives its output tool; rename the tool`);
    }
    if (this.options.toolCall) return this.runDirect(this.options.toolCall);
    if (!carried) {
      const invoked = this.hooks.emit({ type: 'beforeInvocation', ...base, prompt: this.options.prompt });
      if (invoked) await invoked;
      const added = this.append({ role: 'user', content: [{ text: this.options.prompt }] });
      if (added) await added;
    }

    const limit = this.options.maxModelCalls ?? this.agent.maxModelCalls ?? DEFAULT_MAX_MODEL_CALLS;
    let resumed = carried?.waitingTurn;
    let stopReason: RunStopReason;
    for (;;) {
      let turn: Message;
      if (resumed) {
        turn = resumed.message;
      } else {
        if (this.modelCalls >= limit) {
          if (this.outputSpec) throw new StructuredOutputError(`the run reached its limit of ${limit} model calls before the model gave its final output`);
          stopReason = 'max_model_calls';
          break;
        }
        if (this.options.shouldHandOff?.()) return this.handOff();
        const response = await this.callModel();
        this.told(response);
        const called = this.hooks.emit({ type: 'afterModelCall', ...base, response });
        if (called) await called;
        if (this.outputSpec) {
          const next = await this.outputTurn(response);
          if (next === 'end') {
            stopReason = response.stopReason;
            break;
          }
          if (next === 'again') continue;
        } else if (toolUsesOf(response.message).length === 0) {
          const added = this.append(response.message);
          if (added) await added;
          stopReason = response.stopReason;
          break;
        }
        turn = response.message;
      }
      this.pendingTurn = turn;
      let results: ToolResult[];
      try {
        results = this.outputSpec ? await this.runBatchBesideOutput(turn, resumed?.results ?? {}) : await this.runBatch(turn, resumed?.results ?? {});
      } catch (error) {
        if (error instanceof BatchHandOff) return this.handOff({ message: turn, results: error.finished });
        throw error;
      }
      if (resumed) this.book.endCarriedWaits();
      resumed = undefined;
      for (const result of results) this.options.onProgress?.(toolOutputEvent(result));
      this.pendingTurn = undefined;
      const turnAdded = this.append(turn);
      if (turnAdded) await turnAdded;
      const resultsAdded = this.append({ role: 'user', content: results.map((toolResult) => ({ toolResult })) });
      if (resultsAdded) await resultsAdded;
      this.fit();
    }

    const lastMessage = this.lastMessage;
    const ended = this.hooks.emit({ type: 'afterInvocation', ...base, stopReason, lastMessage });
    if (ended) await ended;
    return this.finished({ stopReason, lastMessage, text: textOf(lastMessage), ...(this.output !== undefined ? { output: this.output } : {}) });
  }

  /**
   * A direct tool call: the call as the run's one assistant turn (tool-use id `direct-N`), run
   * through `runBatch` like a model's turn (before-tools and before-tool-call hooks, the approval
   * policy, questions, the tool body, after-tool-call hooks), then the run ends with its result.
   * No model is called, and the invocation hooks do not fire (as for Strands' direct calls).
   */
  private async runDirect(call: DirectToolCall): Promise<AgentLoopOutcome> {
    const record = call.record !== false;
    const resumed = this.options.carried?.waitingTurn;
    let turn: Message;
    if (resumed) {
      turn = resumed.message;
    } else {
      // Checked when the run was accepted; again here for tools an MCP server gave this run.
      const problem = directCallProblem(this.agent.name, this.tools, call);
      if (problem) throw new DirectToolCallError(problem);
      const toolUse: ToolUse = { toolUseId: directToolUseId(this.usedToolUseIds()), name: call.name, input: call.input };
      turn = directTurn(toolUse);
      if (record) {
        const asked = this.append(directRequestMessage(call));
        if (asked) await asked;
      }
      this.options.onProgress?.({ type: 'tool-input-available', toolCallId: toolUse.toolUseId, toolName: toolUse.name, input: toolUse.input });
    }
    this.directCall = turn;
    this.pendingTurn = turn;
    let results: ToolResult[];
    try {
      results = await this.runBatch(turn, resumed?.results ?? {});
    } catch (error) {
      if (error instanceof BatchHandOff) return this.handOff({ message: turn, results: error.finished });
      throw error;
    }
    if (resumed) this.book.endCarriedWaits();
    const toolResult = results[0]!;
    this.options.onProgress?.(toolOutputEvent(toolResult));
    this.pendingTurn = undefined;
    this.toolResult = toolResult;
    if (record) {
      for (const message of [turn, { role: 'user' as const, content: [{ toolResult }] }, directAcknowledgement(call)]) {
        const added = this.append(message);
        if (added) await added;
      }
      this.fit();
    }
    return this.finished({ stopReason: 'end_turn', lastMessage: turn, text: directResultText(toolResult), toolResult });
  }

  /** Reads the MCP servers' tools once for the run; a name that clashes with another tool fails the run, naming both. */
  private async addRemoteTools(servers: McpServerRef[]): Promise<void> {
    const remote = await this.runtime.remoteTools({
      agentName: this.agent.name,
      servers,
      runId: this.options.runId,
      ...(this.options.workspace !== undefined ? { workspace: this.options.workspace } : {}),
    });
    this.useRemoteTools(remote);
  }

  private useRemoteTools(remote: readonly RemoteToolDefinition[]): void {
    for (const tool of remote) {
      const clash = this.tools.find((known) => known.name === tool.name);
      if (clash) {
        const from = isRemoteTool(clash) ? `MCP server "${clash.remote.server}"` : 'the agent itself';
        throw new Error(`tool name "${tool.name}" comes from both ${from} and MCP server "${tool.remote.server}"; give one of the servers a prefix`);
      }
      this.tools.push(tool);
    }
    this.toolSpecs = this.tools.map(toolSpecOf);
  }

  /**
   * Keeps the conversation under its payload budget (bumping the revision when old messages
   * changed); a summary's indexes follow the oldest turns it drops.
   */
  private fit(): void {
    const before = this.messages.length;
    if (fitConversation(this.messages) > 0) this.revision += 1;
    const dropped = before - this.messages.length;
    if (this.summary && dropped > 0) {
      this.summary = { ...this.summary, covered: Math.max(0, this.summary.covered - dropped), through: Math.max(0, this.summary.through - dropped) };
    }
  }

  /**
   * What the model is sent of the conversation: all of it, or what the agent's sliding window keeps
   * (conversation.ts). Synchronous: runs without a summarizing manager take no extra step here.
   */
  private requestMessages(): Message[] {
    const manager = this.agent.conversation;
    if (manager?.kind === 'slidingWindow') return windowOf(this.messages, manager.maxMessages, manager.slideBy);
    if (manager?.kind === 'summarizing') return summarizedMessages(this.messages, this.summary);
    return [...this.messages];
  }

  /**
   * One model call (the model activity, without the run's tools) summarizes the messages the
   * summary does not cover yet, up to the newest `keepRecent`, with the earlier summary.
   */
  private async summarize(manager: SummarizingManager): Promise<void> {
    const from = this.summary?.covered ?? 0;
    const split = summarySplit(this.messages, from, manager.keepRecent);
    if (split === undefined) return;
    const response = await this.runtime.callModel({
      model: manager.summaryModel !== undefined ? parseModelChoice(manager.summaryModel) : this.options.model,
      system: manager.summaryPrompt,
      messages: [{ role: 'user', content: [{ text: summaryRequestText(this.messages.slice(from, split), this.summary?.text) }] }],
      tools: [],
    });
    this.usage = addUsage(this.usage, response.usage);
    // No text, no summary: the messages stay as they are rather than vanish.
    const text = textOf(response.message).trim();
    if (text !== '') this.summary = summaryState(text, this.messages, split);
  }

  /** One model call with the conversation so far; its tool-use ids made unique in this run. */
  private async callModel(): Promise<ModelResponse> {
    // A summarizing manager first writes a summary when what the model would see passes the trigger.
    const manager = this.agent.conversation;
    if (manager?.kind === 'summarizing' && summaryDue(manager, summarizedMessages(this.messages, this.summary))) await this.summarize(manager);
    const request: ModelRequest = {
      model: this.options.model,
      system: this.agent.systemPrompt,
      messages: this.requestMessages(),
      tools: this.outputSpec ? [...this.toolSpecs, this.outputSpec] : this.toolSpecs,
      ...(this.outputSpec ? { outputTool: OUTPUT_TOOL } : {}),
      ...(this.outputSpec && this.outputState.force ? { toolChoice: { tool: OUTPUT_TOOL } } : {}),
    };
    const calling = this.hooks.emit({ type: 'beforeModelCall', agentName: this.agent.name, state: this.state, request });
    if (calling) await calling;
    const response = await this.runtime.callModel(request, this.revision, messageIdOf(this.modelCalls + 1));
    this.modelCalls += 1;
    if (this.runtime.patched(PATCHES.uniqueToolUseIds)) {
      response.message = withUniqueToolUseIds(response.message, this.usedToolUseIds(), this.modelCalls, this.runtime.patched(PATCHES.safeToolUseIds));
    }
    this.usage = addUsage(this.usage, response.usage);
    return response;
  }

  /** Tells watchers what the model said: its text when the model call did not stream it, and the tool calls it asks for. */
  private told(response: ModelResponse & { streamed?: boolean }): void {
    const tell = this.options.onProgress;
    if (!tell) return;
    const id = messageIdOf(this.modelCalls);
    const text = textOf(response.message);
    if (text && !response.streamed) {
      tell({ type: 'text-start', id });
      tell({ type: 'text-delta', id, delta: text });
      tell({ type: 'text-end', id });
    }
    for (const toolUse of toolUsesOf(response.message)) tell({ type: 'tool-input-available', toolCallId: toolUse.toolUseId, toolName: toolUse.name, input: toolUse.input });
  }

  private handOff(waitingTurn?: RunCarry['waitingTurn']): AgentLoopOutcome {
    const carry = (): RunCarry => ({
      usage: this.usage,
      modelCalls: this.modelCalls,
      answered: this.book.answered,
      decisions: [...this.decisions],
      ...(waitingTurn ? { waitingTurn, waits: this.book.waits, held: this.book.held } : {}),
      ...(this.agent.mcpServers?.length ? { remoteTools: this.tools.filter(isRemoteTool) } : {}),
      ...(this.outputSpec ? { output: { ...this.outputState } } : {}),
      ...(this.summary ? { summary: this.summary } : {}),
    });
    return { type: 'handOff', messages: [...this.messages], state: this.state.snapshot(), carry };
  }

  /**
   * The before-tools hooks, then every tool use of the turn concurrently (results in the order the
   * model asked for them). Tool uses with a result carried from before a hand-off do not run again.
   */
  private async runBatch(turn: Message, finished: Record<string, ToolResult>): Promise<ToolResult[]> {
    const toolUses = toolUsesOf(turn);
    const batchScope = `turn${this.modelCalls}`;
    const services = this.hookServices((request) => ({
      id: beforeToolsInterruptId(batchScope, request.name),
      name: request.name,
      reason: request.reason ?? null,
      source: 'hook',
      scope: 'beforeTools',
      calls: toolUses.map((toolUse) => ({ tool: toolUse.name, input: toolUse.input })),
    }));
    const event = new BeforeToolsEvent(this.agent.name, this.state, toolUses, batchScope, services);
    try {
      const emitted = this.hooks.emit(event);
      if (emitted) await emitted;
    } catch (error) {
      if (error instanceof HandOffWhileWaiting) throw new BatchHandOff(finished);
      throw error;
    }
    if (event.cancel !== false) {
      const reason = typeof event.cancel === 'string' ? event.cancel : DEFAULT_CANCEL_MESSAGE;
      return toolUses.map((toolUse) => errorResult(toolUse.toolUseId, reason));
    }
    const scope: ToolCallScope = {
      agent: this.agent,
      tools: this.tools,
      model: this.options.model,
      hooks: this.hooks,
      state: this.state,
      book: this.book,
      runtime: this.runtime,
      runId: this.options.runId,
      workspace: this.options.workspace,
      hookServices: (describe) => this.hookServices(describe),
    };
    const call = (toolUse: ToolUse) => finished[toolUse.toolUseId] ?? executeToolUse(scope, toolUse);
    if (this.agent.toolExecution !== 'sequential') return settleBatch(toolUses.map(call), toolUses);
    // One after another: a call that waits for a person holds back the calls after it.
    const results: ToolResult[] = [];
    for (const [index, toolUse] of toolUses.entries()) {
      try {
        results.push(await call(toolUse));
      } catch (error) {
        if (!(error instanceof HandOffWhileWaiting)) throw error;
        throw new BatchHandOff(Object.fromEntries(results.map((result, done) => [toolUses[done]!.toolUseId, result]).slice(0, index)));
      }
    }
    return results;
  }

  /**
   * Runs with a typed result, after a model call: `end` when the model gave an output that fits
   * (the conversation then ends with it as JSON text), `again` when it must be asked again (it
   * answered in text, or its output does not fit: the conversation says so), `tools` when it asked
   * for other tools (an output call beside them is answered by `runBatchBesideOutput`).
   */
  private async outputTurn(response: ModelResponse): Promise<'end' | 'again' | 'tools'> {
    const uses = toolUsesOf(response.message);
    const outputs = uses.filter((use) => use.name === OUTPUT_TOOL);
    // Other tools (an output call beside them is refused in the batch).
    if (outputs.length < uses.length) return 'tools';
    if (uses.length === 0) {
      // Text instead of the output: once is the model's way of ending; after a forced call, a try that failed.
      if (this.outputState.force) this.outputFailed(`the model answered in text instead of calling ${OUTPUT_TOOL}`);
      this.outputState = { ...this.outputState, force: true };
      const said = this.append(response.message);
      if (said) await said;
      const asked = this.append({ role: 'user', content: [{ text: OUTPUT_REQUEST }] });
      if (asked) await asked;
      this.fit();
      return 'again';
    }
    const check = response.outputCheck;
    if (!check) {
      throw new StructuredOutputError(`the worker that ran model call ${this.modelCalls} did not check the output against the schema (a build from before structured output?); run this agent's workers on one build`);
    }
    if (outputs.length === 1 && check.fits) {
      this.output = outputs[0]!.input;
      this.outputState = { ...this.outputState, force: false };
      const added = this.append({ role: 'assistant', content: [{ text: JSON.stringify(this.output) }] });
      if (added) await added;
      return 'end';
    }
    const problem = outputs.length > 1 ? `${OUTPUT_TOOL} was called ${outputs.length} times in one turn; call it once` : check.fits ? 'no output' : check.problem;
    this.outputFailed(problem);
    this.outputState = { ...this.outputState, force: true };
    const said = this.append(response.message);
    if (said) await said;
    const text = `The output does not fit the schema: ${problem}. Call ${OUTPUT_TOOL} again with an output that fits.`;
    const told = this.append({ role: 'user', content: outputs.map((use) => ({ toolResult: errorResult(use.toolUseId, text) })) });
    if (told) await told;
    this.fit();
    return 'again';
  }

  /** Counts a failed try at the output; past the retries, ends the run naming the problem. */
  private outputFailed(problem: string): void {
    const retries = this.outputState.retries + 1;
    if (retries > MAX_OUTPUT_RETRIES) {
      throw new StructuredOutputError(`the model gave no output that fits the output schema in ${retries} tries; the last: ${problem}`);
    }
    this.outputState = { ...this.outputState, retries };
  }

  /** Runs with a typed result: the turn's other tools run; an output call beside them is refused (it must come alone, at the end). */
  private async runBatchBesideOutput(turn: Message, finished: Record<string, ToolResult>): Promise<ToolResult[]> {
    const all = toolUsesOf(turn);
    const refused = new Set(all.filter((use) => use.name === OUTPUT_TOOL).map((use) => use.toolUseId));
    if (refused.size === 0) return this.runBatch(turn, finished);
    const others: Message = { ...turn, content: turn.content.filter((block) => !('toolUse' in block) || !refused.has(block.toolUse.toolUseId)) };
    const results = await this.runBatch(others, finished);
    const byId = new Map(results.map((result) => [result.toolUseId, result]));
    const text = `${OUTPUT_TOOL} was not taken: call it alone, once the other tools of this turn have returned.`;
    return all.map((use) => (refused.has(use.toolUseId) ? errorResult(use.toolUseId, text) : byId.get(use.toolUseId)!));
  }

  /** Tool-use ids the run has seen: in its conversation, and in interrupts it carried over. */
  private usedToolUseIds(): Set<string> {
    const used = toolUseIdsIn(this.messages);
    for (const answer of this.book.answered) if (answer.interrupt.toolUseId !== undefined) used.add(answer.interrupt.toolUseId);
    return used;
  }

  /** Questions about to wait that the `interruptsPending` hooks have not seen yet, and the round that will show them. */
  private offered: Interrupt[] = [];
  private offering: Promise<void> | undefined;

  /**
   * Offers a question about to wait to the `interruptsPending` hooks; nothing (no promise, no step)
   * for agents without such hooks, so their runs give the same commands as before. Questions that
   * start waiting together (asked together by one event's callbacks) are offered in one event.
   */
  private offerToCode(interrupt: Interrupt): Promise<void> | undefined {
    if (!this.hooks.has('interruptsPending')) return undefined;
    this.offered.push(interrupt);
    this.offering ??= this.offerRound();
    return this.offering;
  }

  private async offerRound(): Promise<void> {
    // A few turns of the microtask queue: questions released together reach the book meanwhile.
    for (let turn = 0; turn < 4; turn += 1) await Promise.resolve();
    const interrupts = this.offered;
    this.offered = [];
    this.offering = undefined;
    const note = (note: DecisionNote) => void this.decisions.push(note);
    const base = this.hookServices(() => {
      throw new Error('interruptsPending hooks do not ask people');
    });
    const event = new InterruptsPendingEvent(this.agent.name, this.state, interrupts, {
      pending: () => this.book.pending,
      answer: (response, by) => this.book.answerFromCode(response, by),
      note,
      askModel: base.askModel,
      patched: base.patched,
      runTool: (name, input, callId) => this.runToolForHook(name, input, callId),
      runAgent: async (agent, prompt, callId) => {
        const outcome = await this.runtime.runSubAgent({
          agent,
          prompt,
          toolUseId: callId,
          toolName: `judge:${agent}`,
          state: this.state.snapshot(),
          model: this.options.model,
          ...(this.options.workspace !== undefined ? { workspace: this.options.workspace } : {}),
        });
        // A judge reads the run's state; what it changed stays with it.
        return outcome.result;
      },
    });
    await this.hooks.emit(event);
  }

  /** A lookup tool an `interruptsPending` hook runs: the tool activity alone (no hooks, no approvals, no questions). */
  private async runToolForHook(name: string, input: JsonValue, callId: string): Promise<ToolResult> {
    const tool = this.tools.find((known) => known.name === name);
    if (!tool) throw new Error(`an interruptsPending hook of agent ${this.agent.name} runs tool "${name}", which the agent does not have`);
    const outcome = await this.runtime.runTool({
      agentName: this.agent.name,
      toolUse: { toolUseId: callId, name, input },
      responses: {},
      state: this.state.snapshot(),
      runId: this.options.runId,
      ...(this.options.workspace !== undefined ? { workspace: this.options.workspace } : {}),
      ...(isRemoteTool(tool) ? { remote: tool.remote } : {}),
    });
    if (outcome.type === 'interrupt') return errorResult(callId, `tool ${name} asked a person ("${outcome.request.name}"); a lookup from a hook cannot ask`);
    this.state.apply(outcome.stateChanges);
    return outcome.result;
  }

  private hookServices(describe: (request: InterruptRequest) => RaisedInterrupt): HookServices {
    return {
      patched: (id) => this.runtime.patched(id),
      interrupt: (request) => this.book.raise(describe(request), request),
      note: (note) => void this.decisions.push(note),
      askModel: async (system, prompt) => {
        const response = await this.runtime.callModel({
          model: this.options.model,
          system,
          messages: [{ role: 'user', content: [{ text: prompt }] }],
          tools: [],
        });
        this.usage = addUsage(this.usage, response.usage);
        return textOf(response.message);
      },
    };
  }

  /** Adds a message and tells the hooks; a promise only when a hook listens (or for runs before lean events). */
  private append(message: Message): Promise<void> | undefined {
    this.messages.push(message);
    const added = this.hooks.emit({ type: 'messageAdded', agentName: this.agent.name, state: this.state, message });
    return this.hooks.skipsUnheardEvents ? added : settledLikeBefore(added);
  }
}

/**
 * `append` was an async function around `emit`: runs from before lean events resume their code
 * after the same number of steps as they did then, so that replay sees the same order of commands.
 */
async function settledLikeBefore(emitted: Promise<void> | undefined): Promise<void> {
  await emitted;
}

/** A batch interrupted by a hand-off while waiting, with the results its finished tool calls had. */
class BatchHandOff extends Error {
  constructor(readonly finished: Record<string, ToolResult>) {
    super('the batch hands off while waiting');
    this.name = 'BatchHandOff';
  }
}

/**
 * Like `Promise.all`, except that a hand-off while waiting lets every other call of the batch
 * settle first (a call in the middle of a tool activity finishes it), then reports what finished.
 */
function settleBatch(calls: Array<ToolResult | Promise<ToolResult>>, toolUses: readonly ToolUse[]): Promise<ToolResult[]> {
  return new Promise((resolve, reject) => {
    const results: Array<ToolResult | undefined> = [];
    let remaining = calls.length;
    let handingOff = false;
    const settled = () => {
      if (--remaining > 0) return;
      if (!handingOff) return resolve(results as ToolResult[]);
      const finished: Record<string, ToolResult> = {};
      results.forEach((result, index) => {
        if (result) finished[toolUses[index]!.toolUseId] = result;
      });
      reject(new BatchHandOff(finished));
    };
    calls.forEach((call, index) => {
      Promise.resolve(call).then(
        (result) => {
          results[index] = result;
          settled();
        },
        (error: unknown) => {
          if (!(error instanceof HandOffWhileWaiting)) return reject(error);
          handingOff = true;
          settled();
        },
      );
    });
  });
}

/** A tool call's result as its watchers see it. */
function toolOutputEvent(result: ToolResult): RunEvent {
  const text = resultText(result, '\n');
  return result.status === 'error'
    ? { type: 'tool-output-error', toolCallId: result.toolUseId, errorText: text }
    : { type: 'tool-output-available', toolCallId: result.toolUseId, output: text };
}

/** The JSON Schema of the agent's own `output`, if it has one. */
function agentOutputSchema(agent: AgentDefinition): JsonObject | undefined {
  return agent.output ? (z.toJSONSchema(agent.output) as JsonObject) : undefined;
}
