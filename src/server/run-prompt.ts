/**
 * The prompt a run was started with: its input (`AgentRunInput.prompt`), read from the first event
 * of its history and decoded with the client's data converter (so encrypted payloads are read with
 * the client's keys). A run that continued as new keeps its prompt in its input, so the latest
 * execution's first event serves running and ended runs alike. Where the input cannot be read (no
 * key for it), the run's static summary (`<agent>: <prompt>`, cut to 150 characters) stands in.
 */
import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import type { AgentRunInput } from '../workflows/messages.js';

/** The prompt from the run's static summary (`<agent>: <prompt>`, markdown-escaped when the run started). */
export function promptFromSummary(summary: string, agent: string): string | undefined {
  const text = summary.replace(/\\(.)/g, '$1').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  // A session's run is summarised as "<agent> in session <id>": no prompt in it.
  return text.startsWith(`${agent}: `) ? text.slice(agent.length + 2) : undefined;
}

/** The run's prompt as it was started, or undefined when neither its input nor its summary says. */
export async function readRunPrompt(client: Client, workflowId: string, agent?: string): Promise<string | undefined> {
  const fromInput = await client.workflowService
    .getWorkflowExecutionHistory({ namespace: client.options.namespace, execution: { workflowId }, maximumPageSize: 1 })
    .then(async ({ history }) => {
      const payloads = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
      const input = await decodeFromPayloadsAtIndex<AgentRunInput>(client.options.loadedDataConverter, 0, payloads);
      return typeof input?.prompt === 'string' ? input.prompt : undefined;
    })
    .catch(() => undefined);
  if (fromInput !== undefined || agent === undefined) return fromInput;
  const summary = await client.workflow
    .getHandle(workflowId)
    .describe()
    .then((description) => description.staticSummary())
    .catch(() => undefined);
  return summary === undefined ? undefined : promptFromSummary(summary, agent);
}

/** Prompts of runs already read, per run (workflow id and first execution): a prompt never changes. A read that found none is tried again next time. */
export class RunPrompts {
  private readonly known = new Map<string, string>();

  constructor(
    private readonly client: Client,
    private readonly max = 5000,
  ) {}

  async of(workflowId: string, agent: string, execution = ''): Promise<string | undefined> {
    const key = `${workflowId}\n${execution}`;
    const known = this.known.get(key);
    if (known !== undefined) return known;
    const prompt = await readRunPrompt(this.client, workflowId, agent);
    if (prompt !== undefined) {
      if (this.known.size >= this.max) this.known.clear();
      this.known.set(key, prompt);
    }
    return prompt;
  }
}
