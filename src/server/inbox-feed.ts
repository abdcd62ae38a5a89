/**
 * The inbox as the web page sees it: `listInbox` (every pending question across runs), each item
 * with its run's prompt, read again every few seconds while a browser listens, and pushed to the
 * listeners (server-sent events) when it changed. One read serves every open page.
 */
import type { Client } from '@temporalio/client';
import { listInbox, type InboxItem } from '../sdk/inbox.js';

export type InboxEntry = Omit<InboxItem, 'ageMs'> & { prompt?: string };
type Listener = (entries: InboxEntry[]) => void;

/** The prompt from the run's static summary (`<agent>: <prompt>`, markdown-escaped when the run started). */
export function promptFromSummary(summary: string, agent: string): string {
  const text = summary.replace(/\\(.)/g, '$1').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return text.startsWith(`${agent}: `) ? text.slice(agent.length + 2) : text;
}

export class InboxFeed {
  private readonly listeners = new Set<Listener>();
  private readonly prompts = new Map<string, string | undefined>();
  private timer: NodeJS.Timeout | undefined;
  private last = '';
  private current: InboxEntry[] = [];
  private reading: Promise<InboxEntry[]> | undefined;

  constructor(
    private readonly client: Client,
    private readonly pollMs = 2000,
  ) {}

  /** The inbox now (one read shared by concurrent callers). */
  read(): Promise<InboxEntry[]> {
    this.reading ??= this.load().finally(() => (this.reading = undefined));
    return this.reading;
  }

  /** Reads now and tells the listeners if anything changed (after an answer, or on the timer). */
  async refresh(): Promise<void> {
    const entries = await this.read();
    const text = JSON.stringify(entries);
    if (text === this.last) return;
    this.last = text;
    this.current = entries;
    for (const listener of this.listeners) listener(entries);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.last) listener(this.current);
    this.timer ??= setInterval(() => void this.refresh().catch(() => undefined), this.pollMs);
    void this.refresh().catch(() => undefined);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.last = '';
  }

  private async load(): Promise<InboxEntry[]> {
    const items = await listInbox(this.client);
    return Promise.all(
      items.map(async ({ ageMs: _age, ...item }) => {
        const prompt = await this.promptOf(item.workflowId, item.agent);
        return prompt !== undefined ? { ...item, prompt } : item;
      }),
    );
  }

  private async promptOf(workflowId: string, agent: string): Promise<string | undefined> {
    if (!this.prompts.has(workflowId)) {
      const summary = await this.client.workflow
        .getHandle(workflowId)
        .describe()
        .then((description) => description.staticSummary())
        .catch(() => undefined);
      if (this.prompts.size > 5000) this.prompts.clear();
      this.prompts.set(workflowId, summary === undefined ? undefined : promptFromSummary(summary, agent));
    }
    return this.prompts.get(workflowId);
  }
}
