/**
 * The model activity receives only what changed in the conversation since the run's last model
 * call, so a run's history grows by a constant per step instead of by the whole conversation every
 * time. The worker keeps each run's conversation in memory; on a miss (another worker, a restart,
 * an eviction) it asks the run itself with the `conversation` query. Either way the provider gets
 * the whole conversation, exactly as the run holds it.
 */
import { activityInfo, Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { jsonBytes } from '../agent/payload-budget.js';
import type { Message, ModelRequest } from '../agent/types.js';
import { conversationQuery, type ConversationDelta } from '../workflows/messages.js';

/** What the model activity is called with: a request whose `messages` may be only the tail of the conversation. */
export type ModelActivityInput = ModelRequest & { conversation?: ConversationDelta };

/** Conversations kept per worker, least recently used first out. */
const MAX_CACHED_BYTES = 256 * 1024 * 1024;

export class ConversationCache {
  private readonly entries = new Map<string, { messages: Message[]; bytes: number }>();
  private bytes = 0;

  constructor(private readonly maxBytes = MAX_CACHED_BYTES) {}

  /** The whole request: the cached head plus the sent tail, or the run's own copy on a miss. */
  async resolve(input: ModelActivityInput): Promise<ModelRequest> {
    const { conversation, ...request } = input;
    if (!conversation) return request;
    const head = conversation.from === 0 ? [] : this.take(conversation.key, conversation.from) ?? (await this.ask(conversation));
    const messages = [...head, ...request.messages];
    if (messages.length !== conversation.total) {
      throw ApplicationFailure.nonRetryable(`the conversation has ${messages.length} messages, the run says ${conversation.total}`, 'ConversationMismatch');
    }
    this.keep(conversation.key, messages);
    return { ...request, messages };
  }

  private take(key: string, length: number): Message[] | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.messages.length !== length) return undefined;
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.messages;
  }

  private keep(key: string, messages: Message[]): void {
    const previous = this.entries.get(key);
    if (previous) this.bytes -= previous.bytes;
    this.entries.delete(key);
    const entry = { messages, bytes: jsonBytes(messages) };
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.bytes;
    }
  }

  /** The head of the conversation from the run itself (this worker has not seen it). */
  private async ask(conversation: ConversationDelta): Promise<Message[]> {
    const execution = activityInfo().workflowExecution;
    if (!execution) throw ApplicationFailure.nonRetryable('a model call with part of a conversation must come from a run', 'ConversationMismatch');
    const { workflowId, runId } = execution;
    const all = await Context.current().client.workflow.getHandle(workflowId, runId).query(conversationQuery);
    return all.slice(0, conversation.from);
  }
}
