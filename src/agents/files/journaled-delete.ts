/**
 * Deletes files and says what happened to each, exactly, even across retries: before the first
 * unlink the call journals which names were not deletable files at its start (delete-journal.ts);
 * every other name that is gone afterwards was deleted by this call, whichever attempt did it.
 */
import { digestOf, readJournal, writeJournal } from './delete-journal.js';
import { IN_FLIGHT, mapInOrder } from './in-order.js';
import { shownName } from './path-names.js';
import type { CheckedName, Entry, Removal, Workspace } from './workspace.js';

export async function journaledDelete(
  workspace: Workspace,
  names: readonly string[],
  idempotencyKey: string,
  progress: (done: number) => void,
  signal?: AbortSignal,
): Promise<string> {
  const unique = [...new Set(names)];
  const checked = workspace.check(unique);
  const input = digestOf(unique);
  let journal = await readJournal(workspace.jail, idempotencyKey, input);
  if (!journal) {
    const atStart = await mapInOrder(checked, IN_FLIGHT, async (name) => [name.name, notDeletable(await workspace.inspect(name))] as const);
    const notPresentAtStart = atStart.filter((entry): entry is [string, Removal] => entry[1] !== undefined);
    journal = { key: idempotencyKey, input, notPresentAtStart };
    await writeJournal(workspace.jail, journal);
  }
  const notPresent = new Map(journal.notPresentAtStart);
  let done = 0;
  const removals = await mapInOrder(checked, IN_FLIGHT, async (name) => {
    // Given up (a worker shutting down): stop between files; the retry finishes from the journal.
    signal?.throwIfAborted();
    const removal = notPresent.get(name.name) ?? (await removedByThisCall(workspace, name));
    if (++done % 500 === 0) progress(done);
    return removal;
  });
  const report = new DeleteReport();
  removals.forEach((removal, index) => report.add(checked[index]!, removal));
  return report.text();
}

/**
 * Present at the start and gone from its folder now: deleted by this call (this attempt or an
 * earlier one). A folder on its path gone missing is not that: it is reported as not found.
 */
async function removedByThisCall(workspace: Workspace, name: CheckedName): Promise<Removal> {
  const removal = await workspace.remove(name);
  return removal === 'missing' ? 'deleted' : removal;
}

/** Why an entry cannot be deleted, or undefined when it can (a file, a symlink, a socket...). */
function notDeletable(entry: Entry): Removal | undefined {
  switch (entry.kind) {
    case 'missing':
    case 'folder':
      return entry.kind;
    case 'refused':
      return { refused: entry.why };
    case 'failed':
      return { failed: entry.error };
    default:
      return undefined;
  }
}

class DeleteReport {
  private readonly deleted: string[] = [];
  private readonly missing: string[] = [];
  private readonly folders: string[] = [];
  private readonly problems: string[] = [];

  add({ name }: CheckedName, removal: Removal): void {
    if (removal === 'deleted') this.deleted.push(shownName(name));
    else if (removal === 'missing' || removal === 'unreachable') this.missing.push(shownName(name));
    else if (removal === 'folder') this.folders.push(shownName(name));
    else if ('refused' in removal) this.problems.push(`${shownName(name)} refused: ${removal.refused}`);
    else this.problems.push(`${shownName(name)} could not be deleted (${removal.failed})`);
  }

  text(): string {
    const parts: string[] = [];
    if (this.deleted.length > 0) parts.push(`Successfully deleted files: ${this.deleted.join(', ')}`);
    if (this.missing.length > 0) parts.push(`Not found (nothing to delete): ${this.missing.join(', ')}`);
    if (this.folders.length > 0) parts.push(`Not deleted (folders, not files): ${this.folders.join(', ')}`);
    if (this.problems.length > 0) parts.push(`Not deleted: ${this.problems.join('; ')}`);
    return parts.join('. ');
  }
}
