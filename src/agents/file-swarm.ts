/**
 * An example swarm: `triage` reads the request and hands it on; `cleaner` (the file-approval
 * agent as a swarm member: it asks before it deletes) does file work; `reporter` writes the
 * answer. A `beforeNode` hook asks a person before `cleaner` takes the task ("need approval"):
 * `APPROVE` (or `y`) lets it, anything else fails the swarm. Offline, give each agent its script:
 * `hitl swarm start file-swarm --model scripted:FILE` (examples/multi-agent/file-swarm.json).
 */
import { defineAgent } from '../agent/definition.js';
import { swarmMember } from '../agent/multi-agent/handoff.js';
import { swarm } from '../agent/multi-agent/swarm-definition.js';
import { fileApprovalAgent } from './file-approval.js';

export const triageAgent = swarmMember(
  defineAgent({
    name: 'triage',
    description: 'Reads a request and hands it to the agent that can do it.',
    systemPrompt: 'You triage requests. Hand file work to cleaner and writing to reporter, with a message that says what to do.',
    tools: [],
  }),
);

export const cleanerAgent = swarmMember(fileApprovalAgent, { name: 'cleaner' });

export const reporterAgent = swarmMember(
  defineAgent({
    name: 'reporter',
    description: 'Writes the final answer from what the other agents did.',
    systemPrompt: 'You write the final answer for the person, from what the other agents did and shared.',
    tools: [],
  }),
);

export const fileSwarm = swarm({
  name: 'file-swarm',
  description: 'triage hands file work to cleaner (approved first, asks before deleting) and the answer to reporter.',
  agents: ['triage', 'cleaner', 'reporter'],
  entry: 'triage',
  beforeNode: async (event) => {
    if (event.nodeId !== 'cleaner') return;
    const answer = await event.interrupt({ name: 'cleaner_interrupt', reason: 'need approval' });
    if (answer !== 'APPROVE' && answer !== 'y') event.cancel = 'node rejected';
  },
});
