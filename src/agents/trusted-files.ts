/**
 * Seed pattern 3: approval with a remembered "trust always". `t` stores the trust in agent state;
 * in a session, later runs find it there and delete without asking, saying so in the result.
 */
import { defineAgent } from '../agent/definition.js';
import { resultText, successResult } from '../agent/types.js';
import { deleteFiles, inspectFiles } from './files/definitions.js';

export const TRUST_KEY = `trust.${deleteFiles.name}`;
export const TRUST_USED_NOTE = '[Using saved trust preference: auto-approved]';
export const TRUST_DENIED_MESSAGE = 'User denied permission';

/** `t` = trust always, `y` = yes once, anything else = no. */
function choiceOf(answer: unknown): 't' | 'y' | 'n' {
  const text = typeof answer === 'string' ? answer.trim().toLowerCase() : answer === true ? 'y' : '';
  if (text === 't' || text === 'trust') return 't';
  if (text === 'y' || text === 'yes') return 'y';
  return 'n';
}

export const trustedFilesAgent = defineAgent({
  name: 'trusted-files',
  description: 'Deletes files after approval; "t" trusts delete_files for the rest of the session.',
  systemPrompt:
    'You are a file management assistant. Always inspect files before deleting them. ' +
    'Report clearly what was and was not deleted.',
  tools: [inspectFiles, deleteFiles],
  hooks(hooks) {
    // Per run: the tool uses that went ahead on saved trust, so the result can say so.
    const autoApproved = new Set<string>();
    hooks.on('beforeToolCall', async (event) => {
      if (event.toolUse.name !== deleteFiles.name) return;
      if (event.state.get(TRUST_KEY) === true) {
        autoApproved.add(event.toolUse.toolUseId);
        return;
      }
      const { paths } = event.toolUse.input as { paths: string[] };
      const answer = await event.interrupt({
        name: 'persistent-app-approval',
        reason: { message: 'Delete these files? (t/y/N)', paths, options: 't=trust always, y=yes once, n=no' },
        accepts: { choices: ['t', 'y', 'n', 'trust', 'yes', 'no'] },
      });
      const choice = choiceOf(answer);
      if (choice === 't') event.state.set(TRUST_KEY, true);
      else if (choice === 'n') event.cancel = TRUST_DENIED_MESSAGE;
    });
    hooks.on('afterToolCall', (event) => {
      if (!autoApproved.has(event.toolUse.toolUseId) || event.result.status !== 'success') return;
      event.result = successResult(event.toolUse.toolUseId, `${TRUST_USED_NOTE} ${resultText(event.result)}`);
    });
  },
});
