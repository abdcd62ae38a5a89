/**
 * The worker decides which folders file tools may touch (its workspace roots); a run only
 * chooses a folder beneath them. Roots come from `AGENT_WORKSPACE_ROOTS` (`:`-separated,
 * default `./workspace`), resolved against the worker's working directory when it starts.
 */
import { mkdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { checkRelativePath } from './path-names.js';

export const WORKSPACE_ROOTS_ENV = 'AGENT_WORKSPACE_ROOTS';
export const DEFAULT_WORKSPACE_ROOT = './workspace';
/** A hidden folder in every root where the worker keeps its tool journals; file tools refuse to touch it. */
export const JOURNAL_FOLDER = '.agent-tool-journal';

export interface WorkspaceRoot {
  /** Absolute, as configured (it may go through symlinks, e.g. /tmp on macOS). */
  readonly path: string;
  /** The same folder with symlinks resolved: where the jail opens it. */
  readonly real: string;
}

/** A run's folder: a root and the components beneath it (none: the root itself). */
export interface ChosenWorkspace {
  readonly root: WorkspaceRoot;
  readonly components: readonly string[];
}

/** The roots from a list (default: `AGENT_WORKSPACE_ROOTS`, else `./workspace`, created if missing). */
export function resolveWorkspaceRoots(list: readonly string[] | undefined = rootsFromEnv(), cwd = process.cwd()): WorkspaceRoot[] {
  const configured = list.map((entry) => entry.trim()).filter((entry) => entry !== '');
  const entries = configured.length > 0 ? configured : [DEFAULT_WORKSPACE_ROOT];
  return entries.map((entry) => {
    const absolute = path.resolve(cwd, entry);
    if (configured.length === 0) mkdirSync(absolute, { recursive: true });
    let isFolder: boolean;
    try {
      isFolder = statSync(absolute).isDirectory();
    } catch {
      throw new Error(`${WORKSPACE_ROOTS_ENV}: the workspace root ${absolute} does not exist (create it, or take it out of the list)`);
    }
    if (!isFolder) throw new Error(`${WORKSPACE_ROOTS_ENV}: the workspace root ${absolute} is not a folder`);
    return { path: absolute, real: realpathSync(absolute) };
  });
}

function rootsFromEnv(): string[] {
  return (process.env[WORKSPACE_ROOTS_ENV] ?? '').split(':');
}

/**
 * Maps a run's `workspace` onto the roots: absent means the first root, a relative folder lies
 * beneath the first root, an absolute one must lie beneath one of the roots. Throws a refusal
 * that every file tool reports as is.
 */
export function chooseWorkspace(roots: readonly WorkspaceRoot[], requested: string | undefined): ChosenWorkspace {
  const first = roots[0];
  if (!first) throw new Error('this worker has no workspace roots, so file tools are disabled');
  if (requested === undefined || requested === '') return { root: first, components: [] };
  if (requested.includes('\0')) throw new Error('refused: the workspace folder name contains a NUL byte');
  const trimmed = requested.length > 1 ? requested.replace(/\/+$/, '') : requested;
  if (!path.isAbsolute(trimmed)) return { root: first, components: beneath(first, trimmed, requested) };
  for (const root of roots) {
    for (const base of new Set([root.path, root.real])) {
      if (trimmed === base) return { root, components: [] };
      const prefix = base === '/' ? '/' : `${base}/`;
      if (trimmed.startsWith(prefix)) return { root, components: beneath(root, trimmed.slice(prefix.length), requested) };
    }
  }
  throw new Error(
    `refused: the workspace ${JSON.stringify(requested)} is not beneath this worker's workspace roots ` +
      `(${WORKSPACE_ROOTS_ENV}: ${roots.map((root) => root.path).join(':')}); file tools touch nothing outside them`,
  );
}

function beneath(root: WorkspaceRoot, relative: string, requested: string): string[] {
  if (relative === '.' || relative === '') return [];
  const checked = checkRelativePath(relative);
  if (!checked.ok) throw new Error(`refused: the workspace ${JSON.stringify(requested)} ${checked.problem.replace('the workspace', `the workspace root ${root.path}`)}`);
  if (checked.components[0] === JOURNAL_FOLDER) throw new Error(`refused: the workspace ${JSON.stringify(requested)} is the worker's reserved journal folder`);
  return checked.components;
}
