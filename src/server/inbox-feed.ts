/**
 * The inbox as the web page sees it, live: the questions of the newest `LIVE_RUNS` waiting runs
 * (one visibility page, then their details), each item with its run's prompt, its question in web
 * words and whether trust is offered (web-question.ts), read again every few seconds while a
 * browser listens, and pushed to the listeners (server-sent events) when it changed. One read
 * serves every open page. Every other waiting run is in the pages (`page`: visibility alone), so
 * ten thousand waiting runs cost a live page `LIVE_RUNS` queries per read, not ten thousand.
 */
import type { Client } from '@temporalio/client';
import { listInboxPage, type InboxItem, type InboxPage, type InboxPageOptions } from '../sdk/inbox.js';
import { RunPrompts } from './run-prompt.js';
import { offersTrust, webQuestion, webWording } from './web-question.js';

export type InboxEntry = Omit<InboxItem, 'ageMs'> & { prompt?: string; offersTrust: boolean };
export type InboxEntryPage = Omit<InboxPage, 'items'> & { items: InboxEntry[] };
type Listener = (entries: InboxEntry[]) => void;

/** Runs whose questions the live list reads (the newest waiting). */
export const LIVE_RUNS = 50;

export class InboxFeed {
  private readonly listeners = new Set<Listener>();
  private readonly prompts: RunPrompts;
  private timer: NodeJS.Timeout | undefined;
  private last = '';
  private current: InboxEntry[] = [];
  private reading: Promise<InboxEntry[]> | undefined;

  constructor(
    private readonly client: Client,
    private readonly pollMs = 2000,
  ) {
    this.prompts = new RunPrompts(client);
  }

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

  /**
   * One page of the inbox (`GET /api/inbox?agent=…&mine=1&overdue=1&pageSize=…&page=…`): the
   * visibility list alone unless `details`, then its questions in the feed's words.
   */
  async page(options: InboxPageOptions): Promise<InboxEntryPage> {
    const page = await listInboxPage(this.client, options);
    // A row's question in web words too: the page's buttons are the choices, not "(y/N)".
    const listed = page.listed.map((run) => (run.question !== undefined ? { ...run, question: webWording(run.question) } : run));
    return { ...page, listed, items: await this.entries(page.items) };
  }

  private async load(): Promise<InboxEntry[]> {
    return this.entries((await listInboxPage(this.client, { pageSize: LIVE_RUNS, details: true })).items);
  }

  private entries(items: InboxItem[]): Promise<InboxEntry[]> {
    return Promise.all(
      items.map(async ({ ageMs: _age, ...item }): Promise<InboxEntry> => {
        const prompt = await this.prompts.of(item.workflowId, item.agent, item.binding?.execution);
        const web = { ...item, question: webQuestion(item.question), offersTrust: offersTrust({ accepts: item.accepts, reason: item.question }, item.sessionId) };
        return prompt !== undefined ? { ...web, prompt } : web;
      }),
    );
  }
}
