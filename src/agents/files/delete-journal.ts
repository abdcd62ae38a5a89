/**
 * What a delete found before it began, kept per idempotency key in the root's reserved journal
 * folder, so that a retried attempt (another worker, after a crash) reports what the first
 * attempt did: a file that was there at the start and is gone now was deleted by this call,
 * not "not found". Written atomically (temporary file, then rename) before the first unlink;
 * journals older than a week are pruned whenever a new one is written.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, rename, unlink } from 'node:fs/promises';
import type { Jail } from './jail.js';
import type { Removal } from './workspace.js';
import { JOURNAL_FOLDER } from './workspace-roots.js';

/** Tool activities retry within minutes; a week leaves room for anything slower. */
export const JOURNAL_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

export interface DeleteJournal {
  /** Which call this is (its key and its exact list of names). */
  key: string;
  input: string;
  /** The names that were not deletable files when the call began, with what they were (pairs: names may be "__proto__"). */
  notPresentAtStart: Array<[string, Removal]>;
}

const fileOf = (key: string): string => `${createHash('sha256').update(key).digest('hex')}.json`;
export const digestOf = (names: readonly string[]): string => createHash('sha256').update(JSON.stringify(names)).digest('hex');

/** The journal an earlier attempt of the same call (same key, same names) wrote, if any. */
export async function readJournal(jail: Jail, key: string, input: string): Promise<DeleteJournal | undefined> {
  const text = await jail
    .inFolder([JOURNAL_FOLDER], async (entry) => {
      const handle = await open(entry(fileOf(key)), constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        return await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    })
    .catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw new Error(`cannot read the tool journal (${error.code ?? error.message})`);
    });
  if (text === undefined) return undefined;
  const journal = JSON.parse(text) as DeleteJournal;
  // A key reused for different names (a model repeating its tool-use ids) starts afresh.
  return journal.key === key && journal.input === input ? journal : undefined;
}

export async function writeJournal(jail: Jail, journal: DeleteJournal, now = Date.now()): Promise<void> {
  const name = fileOf(journal.key);
  await jail
    .inFolder(
      [JOURNAL_FOLDER],
      async (entry) => {
        const temporary = `${name}.${process.pid}.${now}.tmp`;
        const handle = await open(entry(temporary), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        try {
          await handle.writeFile(JSON.stringify(journal));
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(entry(temporary), entry(name));
        await prune(entry, now);
      },
      true,
    )
    .catch((error: NodeJS.ErrnoException) => {
      throw new Error(`cannot write the tool journal, so nothing was deleted (${error.code ?? error.message})`);
    });
}

async function prune(entry: (name: string) => string, now: number): Promise<void> {
  for (const name of await readdir(entry('.'))) {
    const info = await lstat(entry(name)).catch(() => undefined);
    if (info && now - info.mtimeMs > JOURNAL_MAX_AGE_MS) await unlink(entry(name)).catch(() => undefined);
  }
}
