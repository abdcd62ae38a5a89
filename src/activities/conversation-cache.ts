/**
 * The model activity receives only what changed since the run's last model call: the new messages,
 * and the system prompt and tool specs only when they changed. A run's history then grows by a
 * constant per step instead of by the whole conversation every time. The worker keeps each run's
 * conversation in memory, as JSON, and one copy of each setup however many runs use it, until the
 * run's model ends a turn without asking for tools; on a miss (another worker, a restart, an
 * eviction, a call after such a turn) it asks the run itself for the call as it was sent (the
 * `modelRequest` query; runs from before setups were cached: the `conversation` query). Either way
 * the provider gets the whole request, exactly as the run sent it.
 */
import { activityInfo, Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Message, ModelRequest } from '../agent/types.js';
import { conversationQuery, modelRequestQuery, type ConversationDelta, type ModelSetup } from '../workflows/messages.js';

/** What the model activity is called with: a request that may hold only the tail of the conversation, and no setup. */
export type ModelActivityInput = Omit<ModelRequest, keyof ModelSetup> &
  Partial<ModelSetup> & {
    conversation?: ConversationDelta;
    /** Stream the answer's text to the run's watchers as this message (see src/agent/run-events.ts). */
    stream?: { id: string };
  };

/** Conversations kept per worker (characters of their JSON), least recently used first out. */
const MAX_CACHED_BYTES = 256 * 1024 * 1024;

/**
 * A setup as the runs that use it share it: runs of one agent send the same system prompt and
 * tools, and a worker holding thousands of parked runs keeps one copy. As JSON: each call gets
 * objects of its own, so a provider that changes its request changes no other run's.
 */
interface SharedSetup {
  json: string;
  users: number;
}

interface Entry {
  /** The conversation as JSON: a string costs its length, parsed messages several times that. */
  messagesJson: string;
  count: number;
  setup: SharedSetup;
  /** The setup's number in its run (ConversationDelta.setup). */
  setupNumber: number | undefined;
  bytes: number;
}

export class ConversationCache {
  private readonly entries = new Map<string, Entry>();
  private readonly setups = new Map<string, SharedSetup>();
  private bytes = 0;

  constructor(private readonly maxBytes = MAX_CACHED_BYTES) {}

  /** The whole request: the cached head and setup plus what was sent, or the run's own copy on a miss. */
  async resolve(input: ModelActivityInput): Promise<ModelRequest> {
    const { conversation, system, tools, stream: _stream, ...request } = input;
    const sent = tools !== undefined ? { system: system ?? '', tools } : undefined;
    if (!conversation) {
      if (!sent) throw ApplicationFailure.nonRetryable('a model call without its setup must say which conversation it belongs to', 'ConversationMismatch');
      return { ...request, ...sent };
    }
    const entry = this.entries.get(conversation.key);
    let head: Message[] | undefined = conversation.from === 0 ? [] : entry?.count === conversation.from ? (JSON.parse(entry.messagesJson) as Message[]) : undefined;
    // The cached setup's JSON is stored again as it is: a hit parses it once and stringifies nothing.
    const cachedSetup = !sent && entry && entry.setupNumber === conversation.setup ? entry.setup.json : undefined;
    let setup: ModelSetup | undefined = sent ?? (cachedSetup !== undefined ? (JSON.parse(cachedSetup) as ModelSetup) : undefined);
    if (!head || !setup) {
      const asked = await this.ask(conversation);
      head ??= asked.messages.slice(0, conversation.from);
      setup ??= asked.setup;
      if (!setup) throw ApplicationFailure.nonRetryable('the run did not say which system prompt and tools this model call has', 'ConversationMismatch');
    }
    const messages: Message[] = [...head, ...request.messages];
    if (messages.length !== conversation.total) {
      throw ApplicationFailure.nonRetryable(`the conversation has ${messages.length} messages, the run says ${conversation.total}`, 'ConversationMismatch');
    }
    this.keep(conversation.key, messages, cachedSetup ?? JSON.stringify(setup), conversation.setup);
    return { ...request, ...setup, messages };
  }

  /** The run's model turn ended without asking for tools: its next call (if any) is unlikely, and asks the run. */
  forget(key: string): void {
    const entry = this.entries.get(key);
    if (entry) this.drop(key, entry);
  }

  /** Stores an entry as the most recently used, dropping the least recently used beyond the budget. */
  private keep(key: string, messages: Message[], setupJson: string, setupNumber: number | undefined): void {
    const previous = this.entries.get(key);
    const shared = this.share(setupJson);
    if (previous) this.drop(key, previous);
    const messagesJson = JSON.stringify(messages);
    const entry: Entry = { messagesJson, count: messages.length, setup: shared, setupNumber, bytes: messagesJson.length + shared.json.length };
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(oldest, old);
    }
  }

  private share(json: string): SharedSetup {
    const shared = this.setups.get(json) ?? { json, users: 0 };
    shared.users += 1;
    this.setups.set(json, shared);
    return shared;
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.bytes;
    entry.setup.users -= 1;
    if (entry.setup.users === 0) this.setups.delete(entry.setup.json);
  }

  /**
   * The call as the run sent it. Runs from before setups were cached (no `setup` number) always
   * send their setup and answer only the `conversation` query.
   */
  private async ask(conversation: ConversationDelta): Promise<{ messages: Message[]; setup?: ModelSetup }> {
    const execution = activityInfo().workflowExecution;
    if (!execution) throw ApplicationFailure.nonRetryable('a model call with part of a conversation must come from a run', 'ConversationMismatch');
    const run = Context.current().client.workflow.getHandle(execution.workflowId, execution.runId);
    if (conversation.setup === undefined) return { messages: await run.query(conversationQuery) };
    const { messages, system, tools } = await run.query(modelRequestQuery);
    return { messages, setup: { system, tools } };
  }
}
