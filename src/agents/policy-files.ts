/**
 * The seed's patterns 1 and 3 again, declared with the approval policy instead of hand-written
 * hooks, and an operations agent that shows argument-aware rules, a quorum and a deadline.
 */
import { defineAgent } from '../agent/definition.js';
import { approvalPolicy } from '../agent/approval/hook.js';
import { deleteFiles, inspectFiles } from './files/definitions.js';

const FILE_PROMPT = 'You are a file management assistant. Always inspect files before deleting them. Report clearly what was and was not deleted.';

/** Pattern 1: every delete asks, and "trust" is not an answer. */
export const policyApprovalAgent = defineAgent({
  name: 'policy-approval',
  description: 'Pattern 1 as a policy: every delete_files call needs a yes.',
  systemPrompt: FILE_PROMPT,
  tools: [inspectFiles, deleteFiles],
  hooks: approvalPolicy({ ask: ['!delete_files'] }),
});

/** Pattern 3: deletes ask; "t" trusts delete_files for the rest of the session. */
export const policyTrustAgent = defineAgent({
  name: 'policy-trust',
  description: 'Pattern 3 as a policy: deletes ask until someone answers t (trust) in the session.',
  systemPrompt: FILE_PROMPT,
  tools: [inspectFiles, deleteFiles],
  hooks: approvalPolicy({ ask: ['delete_files'] }),
});

/** Large or risky deletes need two people from ops; small ones one; silence for a day escalates. */
export const opsFilesAgent = defineAgent({
  name: 'ops-files',
  description: 'Deletes of more than 3 files, or of logs, need 2 approvers from ops; others need one.',
  systemPrompt: FILE_PROMPT,
  tools: [inspectFiles, deleteFiles],
  hooks: approvalPolicy({
    allow: ['inspect_files'],
    groups: { ops: ['alice', 'bob', 'carol'], managers: ['dana'] },
    rules: [
      {
        tool: 'delete_files',
        description: 'bulk delete or logs',
        when: (input) => {
          const { paths } = input as { paths: string[] };
          return paths.length > 3 || paths.some((file) => file.startsWith('logs/'));
        },
        action: 'ask',
        quorum: 2,
        approvers: ['group:ops'],
        deadline: { after: '24h', then: 'escalate', escalateTo: ['group:managers'] },
      },
      { tool: 'delete_files', action: 'ask', approvers: ['group:ops'], deadline: { after: '24h', then: 'deny' } },
    ],
  }),
});
