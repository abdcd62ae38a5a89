/** Graphs and swarms only the tests use (Strands' cancel-node and limit scenarios), over the example agents. */
import { graph } from '../../src/agent/multi-agent/graph-definition.js';
import { swarm } from '../../src/agent/multi-agent/swarm-definition.js';

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
];

export const testSwarms = [
  // Strands' max_handoffs, with ping-pong detection off: triage -> reporter -> triage is one handoff too many.
  swarm({ name: 'tiny-swarm', agents: ['triage', 'reporter'], maxHandoffs: 1, repetitiveHandoff: { window: 0, minUniqueAgents: 0 } }),
];
