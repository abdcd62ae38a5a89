/** `respond`, `approve`, `deny`: answering a run's interrupts. */
import { escapeInline } from '../agent/escape.js';
import type { Interrupt, InterruptResponse } from '../agent/interrupts.js';
import type { JsonValue } from '../agent/types.js';
import type { AgentClient } from '../sdk/agent-client.js';
import { withAgents } from './connect.js';
import { CliError } from './errors.js';
import { callLines, formatStatus, outputFor, shownJson, type JsonFlag } from './output.js';
import { signerFor, type KeyFlags, type Signer } from './signing.js';

export interface RespondFlags extends JsonFlag, KeyFlags {
  reason?: string;
  signal?: boolean;
  /** The call digest (or a prefix of 8+ characters) the person saw: the answer goes only if the call is still that one. */
  call?: string;
}

/** RESPONSE as JSON when it parses (`true`, `{"a":1}`, `"quoted"`), else the plain string. */
export function parseResponse(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

function draftOf(interruptId: string, response: JsonValue, flags: RespondFlags): InterruptResponse {
  return { interruptId, response, ...(flags.reason !== undefined ? { reason: flags.reason } : {}) };
}


export async function respondCommand(workflowId: string, interruptId: string, responseText: string, flags: RespondFlags): Promise<void> {
  const out = outputFor(flags);
  const signer = signerFor(flags);
  const draft = draftOf(interruptId, parseResponse(responseText), flags);
  if (flags.signal) {
    await withAgents((agents) => agents.signal(workflowId, draft, signer.sign));
    out.emit({ workflowId, interruptId, signalled: true }, `signal sent to ${escapeInline(workflowId)} for ${escapeInline(interruptId)} (unchecked: see status for the outcome)`);
    return;
  }
  const { shown, status } = await withAgents(async (agents) => {
    const shown = await questionsShown(agents, workflowId, [interruptId]);
    checkCall(flags, [interruptId], shown);
    return { shown, status: await agents.answer(workflowId, [draft], signer.sign, shown) };
  });
  out.emit(status, () => [...answeredLines([interruptId], draft.response, signer, shown), ...formatStatus(workflowId, status)]);
}

/**
 * The run's questions as this command read them: its answers are bound to exactly these, and it
 * says which call each answered. An id that is not among them is refused here, naming the ones
 * that are (a caller's list includes its sub-agents' questions, as `sub:` ids).
 */
async function questionsShown(agents: AgentClient, workflowId: string, ids: readonly string[] = []): Promise<Interrupt[]> {
  const { status, pending } = await agents.status(workflowId);
  if (status !== 'waiting' && status !== 'running') throw new CliError(`run ${workflowId} has ended (${status}); it takes no more answers`);
  const unknown = ids.find((id) => !pending.some((question) => question.id === id));
  if (unknown !== undefined) {
    if (pending.length === 0) throw new CliError(`run ${workflowId} is not waiting for an answer (status: ${status})`);
    throw new CliError(`run ${workflowId} has no question ${JSON.stringify(unknown)}; it waits for: ${pending.map((question) => escapeInline(question.id)).join(', ')}`);
  }
  return pending;
}

/** `--call`: each question answered must still be about the call the person saw. */
function checkCall(flags: RespondFlags, ids: readonly string[], shown: readonly Interrupt[]): void {
  if (flags.call === undefined) return;
  const prefix = flags.call.trim().toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(prefix)) throw new CliError('--call takes the call digest status and inbox show (8 to 64 hex characters)');
  for (const id of ids) {
    const question = shown.find((candidate) => candidate.id === id);
    if (!question?.binding) throw new CliError(`"${escapeInline(id)}" carries no call digest (a run from before bindings): answer it without --call`);
    if (!question.binding.call.startsWith(prefix)) {
      throw new CliError(`the call changed since you saw it: "${escapeInline(id)}" is now about call ${question.binding.call.slice(0, 12)} (${callLines(question).join('; ')}); not answered`);
    }
  }
}

function answeredLines(ids: readonly string[], response: JsonValue, signer: Signer, shown: readonly Interrupt[]): string[] {
  return ids.flatMap((id) => {
    const question = shown.find((candidate) => candidate.id === id);
    return [`answered ${escapeInline(id)}${signedNote(signer)}: ${shownJson(response)}`, ...(question ? callLines(question).map((line) => `  (the call you answered: ${line})`) : [])];
  });
}

export interface DecideFlags extends RespondFlags {
  all?: boolean;
  /** approve only: run the tool with this input instead (JSON), checked against its schema by the run. */
  edit?: string;
}

/** `approve` (`"y"`), `deny` (`"n"`) and `trust` (`"t"`): the named interrupt, or the only one pending, or all with `--all`. */
export async function decideCommand(
  verdict: 'y' | 'n' | 't',
  workflowId: string,
  interruptId: string | undefined,
  flags: DecideFlags,
): Promise<void> {
  const response = flags.edit !== undefined ? editAnswer(flags.edit) : verdict;
  const signer = signerFor(flags);
  const { ids, shown, status } = await withAgents(async (agents) => {
    const shown = await questionsShown(agents, workflowId, interruptId !== undefined ? [interruptId] : []);
    const ids = interruptId !== undefined ? [interruptId] : pendingIds(workflowId, shown, Boolean(flags.all));
    checkCall(flags, ids, shown);
    // Each answer goes to the run that asks the question (a sub-agent's, for `sub:` ids), bound to it as read here and signed for it.
    return { ids, shown, status: await agents.answer(workflowId, ids.map((id) => draftOf(id, response, flags)), signer.sign, shown) };
  });
  outputFor(flags).emit(status, () => [...answeredLines(ids, response, signer, shown), ...formatStatus(workflowId, status)]);
}

function signedNote(signer: Signer): string {
  return signer.keyFile !== undefined ? ` (signed as ${escapeInline(signer.respondedBy)})` : ` (unsigned, as ${escapeInline(signer.respondedBy)})`;
}

/** `--edit '<json>'`: edit-and-approve, as the approval policy understands it. */
function editAnswer(text: string): JsonValue {
  try {
    return { decision: 'edit', input: JSON.parse(text) as JsonValue };
  } catch (error) {
    throw new CliError(`--edit takes the tool's new input as JSON: ${(error as Error).message}`);
  }
}

function pendingIds(workflowId: string, pending: readonly Interrupt[], all: boolean): string[] {
  if (pending.length === 0) throw new CliError(`run ${workflowId} is not waiting for an answer`);
  const ids = pending.map((interrupt) => interrupt.id);
  if (ids.length > 1 && !all) {
    throw new CliError(`run ${workflowId} waits for ${ids.length} answers; name one, or pass --all: ${ids.map(escapeInline).join(', ')}`);
  }
  return ids;
}
