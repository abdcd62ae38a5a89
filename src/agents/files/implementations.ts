/** The file tools' bodies (activity half: runs in the worker, touches real files through the jail). */
import { implementTool, type ToolContext } from '../../agent/definition.js';
import type { JsonObject } from '../../agent/types.js';
import { BULK_APPROVAL_THRESHOLD, deleteFiles, inspectFiles, isYes, smartDelete } from './definitions.js';
import { IN_FLIGHT, mapInOrder } from './in-order.js';
import { journaledDelete } from './journaled-delete.js';
import { withWorkspace, type Entry, type Workspace } from './workspace.js';

/** Runs `use` in the run's workspace folder beneath the worker's roots. */
function inWorkspace<T>(context: ToolContext, use: (workspace: Workspace) => Promise<T>): Promise<T> {
  return withWorkspace(context.workspaceRoots, context.workspace, use);
}

export const inspectFilesTool = implementTool(inspectFiles, ({ paths }, context) =>
  inWorkspace(context, async (workspace) => {
    const report = await mapInOrder(workspace.check(paths), IN_FLIGHT, async (name) => [name.name, described(await workspace.inspect(name))] as const);
    // fromEntries: a file may be called "__proto__".
    return Object.fromEntries(report);
  }),
);

/** A file keeps the original shape; anything else says what it is (a symlink is never followed). */
function described(entry: Entry): JsonObject {
  switch (entry.kind) {
    case 'file':
      return { exists: true, sizeBytes: entry.sizeBytes, modified: entry.modified };
    case 'other':
      return { exists: true, type: 'other', sizeBytes: entry.sizeBytes, modified: entry.modified };
    case 'symlink':
      return { exists: true, type: 'symlink', target: entry.target, modified: entry.modified };
    case 'folder':
      return { exists: true, type: 'folder' };
    case 'missing':
      return { exists: false };
    case 'refused':
      return { exists: false, refused: entry.why };
    case 'failed':
      return { exists: false, error: entry.error };
  }
}

function deleteAll(paths: string[], context: ToolContext): Promise<string> {
    return inWorkspace(context, (workspace) => journaledDelete(workspace, paths, context.idempotencyKey, (done) => context.heartbeat({ deleted: done }), context.signal));
}

export const deleteFilesTool = implementTool(deleteFiles, ({ paths }, context) => deleteAll(paths, context));

export const smartDeleteTool = implementTool(smartDelete, async ({ paths }, context) => {
  if (paths.length >= BULK_APPROVAL_THRESHOLD) {
    const answer = context.interrupt({
      name: 'smartfile-bulk-approval',
      reason: { paths, count: paths.length, message: `You are about to delete ${paths.length} files` },
      choices: ['y', 'n', 'yes', 'no'],
    });
    if (!isYes(answer)) return `Bulk delete cancelled by user. ${paths.length} files were NOT deleted.`;
  }
  return deleteAll(paths, context);
});

export const fileTools = [inspectFilesTool, deleteFilesTool, smartDeleteTool];
