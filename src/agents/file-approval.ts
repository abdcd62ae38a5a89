/** Seed pattern 1: a before-tool-call hook asks before `delete_files`. */
import { defineAgent } from '../agent/definition.js';
import { deleteFiles, inspectFiles, isYes } from './files/definitions.js';

export const DENIED_MESSAGE = 'User denied permission to delete files';

export const fileApprovalAgent = defineAgent({
  name: 'file-approval',
  description: 'Inspects and deletes files; a hook asks a human before every delete.',
  systemPrompt:
    'You are a file management assistant. Always inspect files before deleting them. ' +
    'Report clearly what was and was not deleted.',
  tools: [inspectFiles, deleteFiles],
  hooks(hooks) {
    hooks.on('beforeToolCall', async (event) => {
      if (event.toolUse.name !== deleteFiles.name) return;
      const { paths } = event.toolUse.input as { paths: string[] };
      const answer = await event.interrupt({
        name: 'filemanager-approval',
        reason: { message: 'Approve deleting these files? (y/N)', paths },
        // The hook understands yes and no only: an edit or a trust is refused, not taken as a no.
        accepts: { choices: ['y', 'n', 'yes', 'no'] },
      });
      if (!isYes(answer)) event.cancel = DENIED_MESSAGE;
    });
  },
});
