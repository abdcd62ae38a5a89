/**
 * The workspace jail: every path a file tool touches must resolve inside the run's workspace
 * folder, symlinks included. A call with any outside path is refused as a whole.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';

export async function resolveInWorkspace(workspace: string | undefined, paths: readonly string[]): Promise<string[]> {
  if (!workspace) throw new Error('this run has no workspace folder, so file tools are disabled');
  const root = await realpath(workspace).catch(() => {
    throw new Error(`the workspace folder ${workspace} does not exist`);
  });
  const outside: string[] = [];
  const resolved: string[] = [];
  for (const requested of paths) {
    const target = path.resolve(root, requested);
    // Resolve symlinks of what exists (the file, or else its folder) before the containment check.
    const real = await realpath(target).catch(() =>
      realpath(path.dirname(target)).then((dir) => path.join(dir, path.basename(target)), () => target),
    );
    const relative = path.relative(root, real);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) outside.push(requested);
    else resolved.push(real);
  }
  if (outside.length > 0) {
    throw new Error(`refused: ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside the workspace ${root}; nothing was changed`);
  }
  return resolved;
}
