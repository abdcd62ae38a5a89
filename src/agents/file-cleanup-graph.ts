/**
 * An example graph whose node asks a person itself: `plan` (the planner agent) writes a plan;
 * `cleanup` (the file-approval agent, which asks before it deletes) runs only when the plan names
 * files to delete; `report`, a function node, says what happened. The cleanup's question reaches
 * people once, through the graph and the inbox, and the answer goes down to the cleanup's run.
 */
import { graph } from '../agent/multi-agent/graph-definition.js';

export const fileCleanupGraph = graph({
  name: 'file-cleanup',
  description: 'planner writes a plan; file-approval carries it out if it deletes anything (asking first); a report.',
  nodes: [
    { id: 'plan', agent: 'planner' },
    { id: 'cleanup', agent: 'file-approval', prompt: (context) => `Carry out this plan: ${context.results.plan?.text ?? ''}` },
    {
      id: 'report',
      run: (context) => {
        const cleanup = context.results.cleanup;
        return cleanup?.status === 'completed' ? `Plan carried out: ${cleanup.text}` : `Nothing to delete: ${context.results.plan?.text ?? ''}`;
      },
    },
  ],
  edges: [
    { from: 'plan', to: 'cleanup', when: (context) => /\b[\w-]+\.[A-Za-z0-9]{1,5}\b/.test(context.results.plan?.text ?? '') },
    { from: 'plan', to: 'report' },
    { from: 'cleanup', to: 'report' },
  ],
});
