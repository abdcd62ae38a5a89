/**
 * A run's workspace folder, seen through the jail: the tools' only way to the disk. Names are
 * checked before anything is touched (a call with any bad name is refused whole), and each
 * operation walks from the root again, so nothing swapped in between calls is ever followed.
 * Symlinks are entries like any other: inspected and deleted as links, never followed.
 */
import { lstat, readlink, unlink } from 'node:fs/promises';
import { Jail, JailRefusal } from './jail.js';
import { checkRelativePath, shownName } from './path-names.js';
import { chooseWorkspace, JOURNAL_FOLDER, type WorkspaceRoot } from './workspace-roots.js';

export type Entry =
  | { kind: 'file' | 'other'; sizeBytes: number; modified: string }
  | { kind: 'symlink'; target: string; modified: string }
  | { kind: 'folder' }
  | { kind: 'missing' }
  | { kind: 'refused'; why: string }
  | { kind: 'failed'; error: string };

export type Removal = 'deleted' | 'missing' | 'unreachable' | 'folder' | { refused: string } | { failed: string };

/** A workspace-relative name, checked and split. */
export interface CheckedName {
  readonly name: string;
  readonly components: readonly string[];
}

export class Workspace {
  private constructor(
    readonly jail: Jail,
    private readonly folder: readonly string[],
  ) {}

  /** Opens the run's folder beneath the worker's roots, creating it when missing. */
  static async open(roots: readonly WorkspaceRoot[], requested: string | undefined): Promise<Workspace> {
    const chosen = chooseWorkspace(roots, requested);
    const jail = await Jail.open(chosen.root.real);
    try {
      await jail.inFolder(chosen.components, async () => undefined, true);
    } catch (error) {
      await jail.close();
      const why = error instanceof JailRefusal ? error.message : ((error as NodeJS.ErrnoException).code ?? String(error));
      throw new Error(`refused: the workspace ${JSON.stringify(requested ?? chosen.root.path)} cannot be used (${why})`);
    }
    return new Workspace(jail, chosen.components);
  }

  close(): Promise<void> {
    return this.jail.close();
  }

  /** Every name checked; throws one refusal naming each bad one (nothing was touched). */
  check(names: readonly string[]): CheckedName[] {
    const problems: string[] = [];
    const checked: CheckedName[] = [];
    for (const name of names) {
      const result = checkRelativePath(name);
      if (!result.ok) problems.push(`${shownName(name)} ${result.problem}`);
      else if (this.folder.length === 0 && result.components[0] === JOURNAL_FOLDER) problems.push(`${shownName(name)} is reserved for the worker's tool journal`);
      else checked.push({ name, components: result.components });
    }
    if (problems.length > 0) throw new Error(`refused: ${problems.join('; ')}; nothing was changed`);
    return checked;
  }

  /** What the entry is, without following it. */
  inspect({ components }: CheckedName): Promise<Entry> {
    return this.atEntry(components, async (entry): Promise<Entry> => {
      const info = await lstat(entry);
      const modified = info.mtime.toISOString();
      if (info.isSymbolicLink()) return { kind: 'symlink', target: await readlink(entry), modified };
      if (info.isDirectory()) return { kind: 'folder' };
      return { kind: info.isFile() ? 'file' : 'other', sizeBytes: info.size, modified };
    }).catch((error: unknown) => outcome<Entry>(error, { kind: 'missing' }, (why) => ({ kind: 'refused', why }), (code) => ({ kind: 'failed', error: code })));
  }

  /**
   * Removes the entry itself (a symlink is unlinked, never its target); folders are left alone.
   * `missing`: the entry is not in its folder; `unreachable`: a folder on its path is missing.
   */
  remove({ components }: CheckedName): Promise<Removal> {
    return this.atEntry(components, async (entry): Promise<Removal> => {
      try {
        if ((await lstat(entry)).isDirectory()) return 'folder';
        await unlink(entry);
        return 'deleted';
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return 'missing';
        // unlink(2) on a folder that replaced the file since the lstat above.
        if (code === 'EISDIR' || code === 'EPERM') return 'folder';
        throw error;
      }
    }).catch((error: unknown) => outcome<Removal>(error, 'unreachable', (why) => ({ refused: why }), (failed) => ({ failed })));
  }

  private atEntry<T>(components: readonly string[], operation: (entry: string) => Promise<T>): Promise<T> {
    const folder = [...this.folder, ...components.slice(0, -1)];
    const name = components.at(-1)!;
    return this.jail.inFolder(folder, (entryPath) => operation(entryPath(name)));
  }
}

/** Opens the workspace for `use` and always closes it. */
export async function withWorkspace<T>(roots: readonly WorkspaceRoot[], requested: string | undefined, use: (workspace: Workspace) => Promise<T>): Promise<T> {
  const workspace = await Workspace.open(roots, requested);
  try {
    return await use(workspace);
  } finally {
    await workspace.close();
  }
}

/** Sorts a failed operation: missing, refused by the jail, or another error (by its code). */
function outcome<T>(error: unknown, missing: T, refused: (why: string) => T, failed: (code: string) => T): T {
  if (error instanceof JailRefusal) return error.reason === 'not-a-folder' ? missing : refused(error.message);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return missing;
  return failed(code ?? (error instanceof Error ? error.message : String(error)));
}
