/**
 * The workflow bundle entry of the single sign-on test's own worker: one agent whose question names
 * its approver, taken from the call (`record_action`'s label), since a subject's name holds the
 * test provider's port and is only known when the test runs.
 */
import { defineAgent } from '../../src/agent/definition.js';
import { isYes } from '../../src/agents/files/definitions.js';
import { createAgentRunWorkflow } from '../../src/workflows/agent-run.js';
import { recordAction } from '../support/test-agents.js';

export const namedApproverAgent = defineAgent({
  name: 'test-sso-named',
  description: 'asks before record_action, naming the label as the only approver',
  systemPrompt: 'test',
  tools: [recordAction],
  hooks(hooks) {
    hooks.on('beforeToolCall', async (event) => {
      const { label } = event.toolUse.input as { label: string };
      const answer = await event.interrupt({ name: 'approve', reason: { label }, allowedResponders: [label] });
      if (!isYes(answer)) event.cancel = `denied: ${label}`;
    });
  },
});

export const agentRun = createAgentRunWorkflow([namedApproverAgent]);
