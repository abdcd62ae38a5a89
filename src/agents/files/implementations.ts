/** The file tools' bodies (activity half: runs in the worker, touches real files). */
import { rm, stat } from 'node:fs/promises';
import { implementTool } from '../../agent/definition.js';
import type { JsonObject } from '../../agent/types.js';
import { BULK_APPROVAL_THRESHOLD, deleteFiles, inspectFiles, isYes, smartDelete } from './definitions.js';
import { resolveInWorkspace } from './workspace.js';

export const inspectFilesTool = implementTool(inspectFiles, async ({ paths }, context) => {
  const resolved = await resolveInWorkspace(context.workspace, paths);
  const report: JsonObject = {};
  for (const [index, file] of resolved.entries()) {
    const info = await stat(file).catch(() => undefined);
    report[paths[index]!] = info?.isFile()
      ? { exists: true, sizeBytes: info.size, modified: info.mtime.toISOString() }
      : { exists: false };
  }
  return report;
});

/** Deletes every path (all inside the workspace) and says what happened to each. */
async function deleteAll(workspace: string | undefined, paths: string[]): Promise<string> {
  const resolved = await resolveInWorkspace(workspace, paths);
  const deleted: string[] = [];
  const missing: string[] = [];
  for (const [index, file] of resolved.entries()) {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      missing.push(paths[index]!);
      continue;
    }
    await rm(file);
    deleted.push(paths[index]!);
  }
  const parts = [];
  if (deleted.length > 0) parts.push(`Successfully deleted files: ${deleted.join(', ')}`);
  if (missing.length > 0) parts.push(`Not found (nothing to delete): ${missing.join(', ')}`);
  return parts.join('. ');
}

export const deleteFilesTool = implementTool(deleteFiles, ({ paths }, context) => deleteAll(context.workspace, paths));

export const smartDeleteTool = implementTool(smartDelete, async ({ paths }, context) => {
  if (paths.length >= BULK_APPROVAL_THRESHOLD) {
    const answer = context.interrupt({
      name: 'smartfile-bulk-approval',
      reason: { paths, count: paths.length, message: `You are about to delete ${paths.length} files` },
    });
    if (!isYes(answer)) return `Bulk delete cancelled by user. ${paths.length} files were NOT deleted.`;
  }
  return deleteAll(context.workspace, paths);
});

export const fileTools = [inspectFilesTool, deleteFilesTool, smartDeleteTool];
