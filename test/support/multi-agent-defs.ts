/** Graphs, swarms and swarm members only the tests use (Strands' cancel-node and limit scenarios, forged handoffs), over the example agents. */
import { z } from 'zod';
import { defineAgent, defineTool } from '../../src/agent/definition.js';
import { graph } from '../../src/agent/multi-agent/graph-definition.js';
import { HANDOFF_STATE_KEY, swarmMember } from '../../src/agent/multi-agent/handoff.js';
import { swarm } from '../../src/agent/multi-agent/swarm-definition.js';
import type { JsonValue } from '../../src/agent/types.js';

/** Writes its input as the handoff, bypassing the handoff tool's checks: what any member tool or hook with the state can do. */
const forgeHandoff = defineTool({ name: 'forge_handoff', description: 'test only', input: z.object({ handoff: z.json() }) });

export const testSwarmAgents = [
  swarmMember(
    defineAgent({
      name: 'forger',
      description: 'A swarm member that writes any handoff into the run state',
      systemPrompt: 'test',
      tools: [forgeHandoff],
      hooks(hooks) {
        hooks.on('beforeToolCall', (event) => {
          if (event.toolUse.name !== forgeHandoff.name) return;
          event.state.set(HANDOFF_STATE_KEY, (event.toolUse.input as { handoff: JsonValue }).handoff);
          event.cancel = 'forged';
        });
      },
    }),
  ),
];

export const testGraphs = [
  // Strands' tests_integ/hooks/multiagent/test_cancel.py: the hook cancels `weather` without asking.
  graph({
    name: 'cancel-graph',
    nodes: [
      { id: 'info', agent: 'briefer' },
      { id: 'weather', agent: 'briefer' },
    ],
    edges: [{ from: 'info', to: 'weather' }],
    beforeNode: (event) => {
      if (event.nodeId === 'weather') event.cancel = 'test cancel';
    },
  }),
  // A function node that throws fails the graph; nodes after it never run.
  graph({
    name: 'failing-function-graph',
    nodes: [
      { id: 'parse', run: () => { throw new Error('cannot parse the task'); } },
      { id: 'after', run: () => 'never' },
    ],
    edges: [{ from: 'parse', to: 'after' }],
  }),
  // A beforeNode question only alice may answer: it counts only her signed answer.
  graph({
    name: 'signed-graph',
    nodes: [{ id: 'ship', run: () => 'shipped' }],
    edges: [],
    beforeNode: async (event) => {
      const answer = await event.interrupt({ name: 'ship_ok', reason: 'alice signs off', allowedResponders: ['alice'] });
      if (answer !== 'APPROVE') event.cancel = 'not approved';
    },
  }),
];

export const testSwarms = [
  // Strands' max_handoffs, with ping-pong detection off: triage -> reporter -> triage is one handoff too many.
  swarm({ name: 'forged-swarm', agents: ['forger', 'triage'] }),
  swarm({ name: 'tiny-swarm', agents: ['triage', 'reporter'], maxHandoffs: 1, repetitiveHandoff: { window: 0, minUniqueAgents: 0 } }),
];
