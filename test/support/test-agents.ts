/**
 * Agents used only by tests (workflow half). Each exercises one part of the interrupt contract;
 * their tools record every execution (test-tools.ts) so that tests can prove exactly-once.
 */
import { z } from 'zod';
import { approvalPolicy } from '../../src/agent/approval/hook.js';
import { agentTool, defineAgent, defineTool, type AgentDefinition } from '../../src/agent/definition.js';
import { isYes } from '../../src/agents/files/definitions.js';

export const recordAction = defineTool({
  name: 'record_action',
  description: 'Performs a side effect (appends to the test ledger).',
  input: z.object({ label: z.string() }),
});

export const askTwice = defineTool({
  name: 'ask_twice',
  description: 'Asks the human two questions in a row from inside the tool.',
  input: z.object({ label: z.string() }),
});

export const explode = defineTool({
  name: 'explode',
  description: 'Always throws.',
  input: z.object({ label: z.string() }),
});

export const duplicateAsk = defineTool({
  name: 'duplicate_ask',
  description: 'Raises the same interrupt name twice (a programming error).',
  input: z.object({ label: z.string() }),
});

export const bigOutput = defineTool({
  name: 'big_output',
  description: 'Returns a string of the given size.',
  input: z.object({ bytes: z.number().int().positive() }),
});

export const applyChange = defineTool({
  name: 'apply_change',
  description: 'Applies a change exactly once per call (idempotent by key).',
  input: z.object({ label: z.string() }),
});

/** Approval before every `record_action` (hook), with a counter proving the hook body before `interrupt()` runs once. */
export const guardedAgent = defineAgent({
  name: 'test-guarded',
  description: 'before-tool-call hook approval over a side-effecting tool',
  systemPrompt: 'test',
  tools: [recordAction, askTwice, explode, duplicateAsk],
  hooks(hooks) {
    hooks.on('beforeToolCall', async (event) => {
      if (event.toolUse.name !== recordAction.name) return;
      const key = `hookEntered:${event.toolUse.toolUseId}`;
      event.state.set(key, (event.state.get<number>(key) ?? 0) + 1);
      const { label } = event.toolUse.input as { label: string };
      const answer = await event.interrupt({ name: 'approve', reason: { label } });
      if (!isYes(answer)) event.cancel = `denied: ${label}`;
    });
  },
});

/** A before-tools hook that asks once for the whole batch; a preset answer on a second name. */
export const batchAgent = defineAgent({
  name: 'test-batch',
  description: 'before-tools hook approval for a whole batch',
  systemPrompt: 'test',
  tools: [recordAction],
  hooks(hooks) {
    hooks.on('beforeTools', async (event) => {
      const preset = await event.interrupt({ name: 'policy', response: 'auto' });
      event.state.set('preset', preset);
      const answer = await event.interrupt({ name: 'batch', reason: { count: event.toolUses.length } });
      if (answer === null) event.state.set('nullAnswer', true);
      else if (!isYes(answer)) event.cancel = 'batch denied';
    });
  },
});

/** No hooks: tools that interrupt from inside, throw, or misuse interrupt names. */
export const toolsAgent = defineAgent({
  name: 'test-tools',
  description: 'tool-body interrupts',
  systemPrompt: 'test',
  tools: [recordAction, askTwice, explode, duplicateAsk, bigOutput],
});

/** A hook that raises the same name twice: the run must fail with a readable reason. */
export const badHookAgent = defineAgent({
  name: 'test-bad-hook',
  description: 'duplicate interrupt names in a hook',
  systemPrompt: 'test',
  tools: [recordAction],
  hooks(hooks) {
    hooks.on('beforeToolCall', async (event) => {
      await event.interrupt({ name: 'same', response: 1 });
      await event.interrupt({ name: 'same', response: 2 });
    });
  },
});


/** The approval policy over the test tools: one rule per behaviour the tests exercise. */
export const policyAgent = defineAgent({
  name: 'test-policy',
  description: 'approval policy with rules, quorum, classifier and deadlines',
  systemPrompt: 'test',
  tools: [recordAction, explode, duplicateAsk],
  hooks: approvalPolicy({
    allow: ['explode'],
    ask: ['*', '!duplicate_ask'],
    groups: { ops: ['alice', 'bob', 'carol'], managers: ['dana'] },
    rules: [
      { tool: 'record_action', when: (input) => label(input).startsWith('quorum'), action: 'ask', quorum: 2, approvers: ['group:ops'] },
      { tool: 'record_action', when: (input) => label(input).startsWith('classify'), action: 'ask', classify: { instructions: 'labels with "rm" are risky' } },
      { tool: 'record_action', when: (input) => label(input).startsWith('free'), action: 'allow' },
      { tool: 'record_action', when: (input) => label(input).startsWith('late'), action: 'ask', deadline: { after: '24h', then: 'deny' } },
      {
        tool: 'record_action',
        when: (input) => label(input).startsWith('escalate'),
        action: 'ask',
        approvers: ['alice'],
        deadline: { after: '24h', then: 'escalate', escalateTo: ['group:managers'] },
      },
    ],
  }),
});

function label(input: unknown): string {
  return (input as { label: string }).label;
}

/** The fault-injection agent: every apply_change waits for a yes; labels ending in an odd digit are denied by the tests. */
export const faultAgent = defineAgent({
  name: 'test-faults',
  description: 'approval before an idempotent side effect',
  systemPrompt: 'test',
  tools: [applyChange],
  hooks(hooks) {
    hooks.on('beforeToolCall', async (event) => {
      const answer = await event.interrupt({ name: 'approve', reason: { label: label(event.toolUse.input) } });
      if (!isYes(answer)) event.cancel = 'denied';
    });
  },
});

/** Delegates to test-guarded (a hook asks before every record_action); two calls in one turn run in parallel. */
export const coordinatorAgent = defineAgent({
  name: 'test-coordinator',
  description: 'hands work to a guarded sub-agent',
  systemPrompt: 'coordinator',
  tools: [agentTool(guardedAgent, { name: 'guarded_worker', description: 'Records actions, asking a human first' })],
});

/** Top of a 3-deep chain: test-deep -> test-coordinator -> test-guarded. */
export const deepAgent = defineAgent({
  name: 'test-deep',
  description: 'delegates to the coordinator',
  systemPrompt: 'deep',
  tools: [agentTool(coordinatorAgent, { name: 'coordinator' })],
});

/** Tool calls one after another: an interrupting call holds back the ones after it. */
export const sequentialAgent = defineAgent({
  name: 'test-sequential',
  description: 'sequential tool execution',
  systemPrompt: 'test',
  tools: [recordAction, askTwice],
  toolExecution: 'sequential',
});

/** A hook changes the model call's setup from the third call on: the system prompt, then the tools too. */
export const changingSetupAgent = defineAgent({
  name: 'test-changing-setup',
  description: 'before-model-call hook that changes the system prompt and tools',
  systemPrompt: 'test',
  tools: [recordAction, askTwice],
  hooks(hooks) {
    hooks.on('beforeModelCall', (event) => {
      const calls = Number(event.state.get('calls') ?? 0) + 1;
      event.state.set('calls', calls);
      if (calls >= 3) event.request.system = 'narrowed';
      if (calls >= 5) event.request.tools = event.request.tools.filter((tool) => tool.name === recordAction.name);
    });
  },
});

export const testAgents: AgentDefinition[] = [
  coordinatorAgent,
  deepAgent,
  sequentialAgent,
  guardedAgent,
  batchAgent,
  toolsAgent,
  badHookAgent,
  policyAgent,
  faultAgent,
  changingSetupAgent,
];
