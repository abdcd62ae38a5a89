/**
 * Agents whose `interruptsPending` hooks answer questions from code (hook-answers.test.ts): a rule,
 * a lookup through a tool, a judge agent; one whose questions count only a signed answer; one
 * whose hook answers wrongly.
 */
import { z } from 'zod';
import { defineAgent, defineTool, implementTool, type AgentDefinition } from '../../src/agent/definition.js';
import type { HookRegistry } from '../../src/agent/hooks.js';
import { resultText } from '../../src/agent/types.js';
import { recordAction } from './test-agents.js';

export const allowlist = defineTool({ name: 'allowlist', description: 'Says whether a label is on the allow list.', input: z.object({ label: z.string() }) });
export const allowlistBody = implementTool(allowlist, ({ label }) => (label === 'lookup-listed' ? 'allowed' : 'not listed'));

export const JUDGE_SYSTEM = 'You judge whether a recorded action is safe. Say APPROVE or DENY.';

/** The judge: another agent, asked through the sub-agent machinery (a child run). */
export const judgeAgent = defineAgent({ name: 'hook-judge', description: 'judges actions', systemPrompt: JUDGE_SYSTEM, tools: [] });

const labelOf = (input: unknown) => (input as { label: string }).label;

function askFirst(registry: HookRegistry, guard: { allowedResponders?: string[] } = {}) {
  registry.on('beforeToolCall', async (event) => {
    const answer = await event.interrupt({ name: 'approve', reason: { message: `record ${labelOf(event.toolUse.input)}?` }, accepts: { choices: ['y', 'n'] }, ...guard });
    if (answer !== 'y') event.cancel = 'refused';
  });
}

/** Rule: `ok-*` is approved; `lookup-*` asks the allow list; `judge-*` asks the judge agent; the rest wait for a person. */
export const ruleAgent = defineAgent({
  name: 'hook-rule',
  description: 'answers safe questions from code',
  systemPrompt: 'test',
  tools: [recordAction, allowlist],
  hooks(registry) {
    askFirst(registry);
    registry.on(
      'interruptsPending',
      async (event) => {
        for (const question of event.interrupts) {
          const label = labelOf(question.toolInput);
          if (label.startsWith('ok')) {
            event.resume([{ interruptId: question.id, response: 'y', reason: 'safe label' }]);
          } else if (label.startsWith('lookup')) {
            const listed = resultText(await event.runTool('allowlist', { label }), '');
            if (listed === 'allowed') event.resume([{ interruptId: question.id, response: 'y', reason: 'on the allow list' }]);
          } else if (label.startsWith('judge')) {
            const verdict = resultText(await event.runAgent(judgeAgent.name, `Is recording ${label} safe?`), '').trim();
            event.resume([{ interruptId: question.id, response: verdict === 'APPROVE' ? 'y' : 'n', reason: `the judge said ${verdict}` }], { agent: judgeAgent.name });
          }
        }
      },
      { name: 'safe-rule' },
    );
  },
});

/** Every question names an approver: the eager hook's answers never count. */
export const signedAgent = defineAgent({
  name: 'hook-signed',
  description: 'a hook tries to answer a question that needs a signature',
  systemPrompt: 'test',
  tools: [recordAction],
  hooks(registry) {
    askFirst(registry, { allowedResponders: ['alice'] });
    registry.on('interruptsPending', (event) => void event.resume(event.interrupts.map((question) => ({ interruptId: question.id, response: 'y' }))), { name: 'eager' });
  },
});

/** The hook answers with a string where a list belongs. */
export const wrongAgent = defineAgent({
  name: 'hook-wrong',
  description: 'a hook answers wrongly',
  systemPrompt: 'test',
  tools: [recordAction],
  hooks(registry) {
    askFirst(registry);
    registry.on('interruptsPending', (event) => void event.resume('y' as never), { name: 'sloppy' });
  },
});

export const hookAnswerAgents: AgentDefinition[] = [judgeAgent, ruleAgent, signedAgent, wrongAgent];
