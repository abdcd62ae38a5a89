/**
 * The path jail: every filesystem operation of a file tool happens in a folder reached from the
 * workspace root one component at a time, never through a symlink, at the moment it happens.
 *
 * On Linux the root is opened once (O_DIRECTORY|O_NOFOLLOW), each folder component is opened
 * relative to the previous folder's descriptor through `/proc/self/fd/<fd>/<name>` with
 * O_NOFOLLOW, and the final operation (lstat, unlink, mkdir, open with O_NOFOLLOW, rename) names
 * its entry relative to the last descriptor. A folder swapped for a symlink between two
 * operations, or in the middle of one, is refused rather than followed: there is no window
 * between the check and the use. Node has no openat(2); `/proc/self/fd` gives the same effect.
 *
 * Without /proc (macOS, BSD) each operation checks that its folder's real path is still the
 * lexical path beneath the root, then acts: the check and the use are two system calls, so a
 * swap that lands between them can still redirect that one operation. Run workers on Linux
 * where a hostile process can write to the workspace.
 */
import { close, constants, existsSync, open } from 'node:fs';
import { lstat, mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const FOLDER_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const HAS_PROC_FD = process.platform === 'linux' && existsSync('/proc/self/fd');
// Plain descriptors rather than FileHandles: a walk opens and closes one per folder, per operation.
const openFd = promisify(open);
const closeFd = promisify(close);

/** Why an entry could not be reached: one of its folders is a symlink, or not a folder at all. */
export class JailRefusal extends Error {
  constructor(
    readonly reason: 'through-symlink' | 'not-a-folder',
    component: string,
  ) {
    super(reason === 'through-symlink' ? `${JSON.stringify(component)} is a symlink, which file tools never follow` : `${JSON.stringify(component)} is not a folder`);
  }
}

/** Names entries inside one folder that was reached safely. */
export type EntryPath = (name: string) => string;

export class Jail {
  private constructor(
    private readonly root: number | undefined,
    readonly rootPath: string,
  ) {}

  /** Opens the root (a real path: the worker resolved its symlinks at start); `byDescriptor` false: the fallback. */
  static async open(rootReal: string, byDescriptor = HAS_PROC_FD): Promise<Jail> {
    if (!byDescriptor) return new Jail(undefined, rootReal);
    const root = await openFd(rootReal, FOLDER_FLAGS).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`the workspace root ${rootReal} cannot be opened (${error.code ?? error.message})`);
    });
    return new Jail(root, rootReal);
  }

  async close(): Promise<void> {
    if (this.root !== undefined) await closeFd(this.root);
  }

  /**
   * Runs `operation` with a way to name entries of the folder `folder` (components beneath the
   * root). Throws ENOENT when a folder is missing (unless `create`, which makes it), and a
   * JailRefusal when one is a symlink or a file.
   */
  async inFolder<T>(folder: readonly string[], operation: (entry: EntryPath) => Promise<T>, create = false): Promise<T> {
    if (this.root === undefined) return this.inFolderByPath(folder, operation, create);
    let current = this.root;
    try {
      for (const component of folder) {
        const next = await openFolder(`/proc/self/fd/${current}/${component}`, component, create);
        if (current !== this.root) await closeFd(current);
        current = next;
      }
      const fd = current;
      return await operation((name) => `/proc/self/fd/${fd}/${name}`);
    } finally {
      if (current !== this.root) await closeFd(current);
    }
  }

  private async inFolderByPath<T>(folder: readonly string[], operation: (entry: EntryPath) => Promise<T>, create: boolean): Promise<T> {
    let lexical = this.rootPath;
    for (const component of folder) {
      const next = path.join(lexical, component);
      const info = await lstat(next).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT' || !create) throw error;
        await mkdir(next).catch((mkdirError: NodeJS.ErrnoException) => {
          if (mkdirError.code !== 'EEXIST') throw mkdirError;
        });
        return lstat(next);
      });
      if (info.isSymbolicLink()) throw new JailRefusal('through-symlink', component);
      if (!info.isDirectory()) throw new JailRefusal('not-a-folder', component);
      lexical = next;
    }
    // The weaker check: the folder is still where the walk found it, symlinks resolved.
    if ((await realpath(lexical)) !== lexical) throw new JailRefusal('through-symlink', folder.at(-1) ?? '.');
    return operation((name) => path.join(lexical, name));
  }
}

async function openFolder(entry: string, component: string, create: boolean): Promise<number> {
  try {
    return await openFd(entry, FOLDER_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && create) {
      await mkdir(entry).catch((mkdirError: NodeJS.ErrnoException) => {
        if (mkdirError.code !== 'EEXIST') throw mkdirError;
      });
      return openFolder(entry, component, false);
    }
    if (code !== 'ENOTDIR' && code !== 'ELOOP') throw error;
    // Say why: a symlink (never followed) or a file where a folder should be.
    const info = await lstat(entry).catch(() => undefined);
    throw new JailRefusal(info?.isSymbolicLink() ? 'through-symlink' : 'not-a-folder', component);
  }
}
