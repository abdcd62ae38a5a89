/**
 * Agents of strands-ported.test.ts (workflow half), after the fixtures of Strands' own tests:
 * tests_integ/interrupts (a hook that asks before every tool but `weather_tool`; tools that ask
 * from inside), and tests/strands/agent/test_agent_hooks.py (a hook provider that records every
 * event it sees, here into agent state so that the result shows it).
 */
import { z } from 'zod';
import { defineAgent, defineTool, type AgentDefinition } from '../../src/agent/definition.js';
import type { HookEventType, HookRegistry } from '../../src/agent/hooks.js';
import { recordAction } from './test-agents.js';

const none = z.object({});
export const timeTool = defineTool({ name: 'time_tool', description: 'Says the time.', input: none });
export const weatherTool = defineTool({ name: 'weather_tool', description: 'Says the weather.', input: none });
/** Asks for the time from inside its body (Strands: test_tool.py's `time_tool`). */
export const askTimeTool = defineTool({ name: 'ask_time_tool', description: 'Asks a person for the time.', input: none });
/** Asks for the day from inside its body (Strands: test_tool.py's `day_tool`). */
export const dayTool = defineTool({ name: 'day_tool', description: 'Asks a person for the day.', input: none });

/** Strands' `interrupt_hook`: asks "need approval" before `tool` (every tool but weather_tool when absent); "APPROVE" lets it run. */
function approvalHook(registry: HookRegistry, only?: string) {
  registry.on('beforeToolCall', async (event) => {
    const name = event.toolUse.name;
    if (only ? name !== only : name === weatherTool.name) return;
    const response = await event.interrupt({ name: 'test_interrupt', reason: 'need approval' });
    if (response !== 'APPROVE') event.cancel = 'tool rejected';
  });
}

/** tests_integ/interrupts/test_hook.py and test_session.py: `time_tool` asks a hook question, `weather_tool` does not. */
export const clockAgent = defineAgent({
  name: 'sp-clock',
  description: 'tells the time and the weather, the time after approval',
  systemPrompt: 'Answer with the tools.',
  tools: [timeTool, weatherTool],
  hooks: (registry) => approvalHook(registry),
});

/** tests_integ/interrupts/test_tool.py: a hook question before `ask_time_tool`, which then asks too; `day_tool` asks; weather does not. */
export const askingClockAgent = defineAgent({
  name: 'sp-asking-clock',
  description: 'tells the time, the day and the weather, asking people',
  systemPrompt: 'Answer with the tools.',
  tools: [askTimeTool, dayTool, weatherTool],
  hooks: (registry) => approvalHook(registry, askTimeTool.name),
});

/** Every event a hook may see but the questions' own (interruptsPending). */
const SEEN: HookEventType[] = ['beforeInvocation', 'afterInvocation', 'beforeModelCall', 'afterModelCall', 'beforeTools', 'beforeToolCall', 'afterToolCall', 'messageAdded'];

/** test_agent_hooks.py's `hook_provider`: each event's type is appended to the agent state's `events`. */
export const hookedAgent = defineAgent({
  name: 'sp-hooked',
  description: 'records which hook events fire',
  systemPrompt: 'test',
  tools: [recordAction],
  hooks(registry) {
    for (const type of SEEN) {
      registry.on(type, (event) => {
        const role = event.type === 'messageAdded' ? `:${event.message.role}` : '';
        event.state.set('events', [...(event.state.get<string[]>('events') ?? []), `${type}${role}`]);
      });
    }
  },
});

export const strandsPortedAgents: AgentDefinition[] = [clockAgent, askingClockAgent, hookedAgent];
