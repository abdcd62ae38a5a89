/** The file tools as the model sees them (workflow half: schemas only, no file access). */
import { z } from 'zod';
import { defineTool } from '../../agent/definition.js';

const paths = z.array(z.string().min(1)).min(1).describe('File paths, relative to the workspace');

export const inspectFiles = defineTool({
  name: 'inspect_files',
  description: 'Inspect files in the workspace: size in bytes and last modification time.',
  input: z.object({ paths }),
});

export const deleteFiles = defineTool({
  name: 'delete_files',
  description: 'Delete files from the workspace.',
  input: z.object({ paths }),
});

export const smartDelete = defineTool({
  name: 'smart_delete',
  description: 'Delete files from the workspace; asks the user first when 3 or more files are involved.',
  input: z.object({ paths }),
});

/** Bulk deletes at or above this many files ask the user from inside `smart_delete`. */
export const BULK_APPROVAL_THRESHOLD = 3;

/** A human's "yes": `y`/`yes` (any case), or `true`. */
export function isYes(answer: unknown): boolean {
  if (answer === true) return true;
  return typeof answer === 'string' && ['y', 'yes'].includes(answer.trim().toLowerCase());
}
