/** Seed pattern 2: the tool itself asks when a delete touches 3 or more files. */
import { defineAgent } from '../agent/definition.js';
import { inspectFiles, smartDelete } from './files/definitions.js';

export const smartDeleteAgent = defineAgent({
  name: 'smart-delete',
  description: 'Deletes files; the delete tool asks a human before bulk deletes (3 or more files).',
  systemPrompt:
    'You are a file management assistant. Inspect files before deleting them, then delete them with smart_delete. ' +
    'Report the tool result to the user.',
  tools: [inspectFiles, smartDelete],
});
