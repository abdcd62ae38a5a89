/**
 * An example graph, the shape of Strands' graph-interrupt tests: `info` first, then `day`, `time`
 * and `weather` in parallel; `umbrella` only when the weather mentions rain (a conditional
 * edge); `summary`, a function node, joins them. A `beforeNode` hook asks a person before `day`
 * and `weather` ("need approval"): `APPROVE` (or `y`) lets the node run, anything else cancels it,
 * which fails the graph. Every agent node runs the tool-less `briefer` agent; offline, give each
 * node its script: `hitl graph start daily-brief --model scripted:FILE` with FILE an object of
 * scripts by node id (examples/multi-agent/daily-brief.json).
 */
import { defineAgent } from '../agent/definition.js';
import { graph } from '../agent/multi-agent/graph-definition.js';

export const brieferAgent = defineAgent({
  name: 'briefer',
  description: 'Answers one part of a daily brief in a sentence; no tools.',
  systemPrompt: 'You write one part of a daily brief: answer exactly the part you are asked for, in one sentence.',
  tools: [],
});

const APPROVALS = new Set(['day', 'weather']);

export const dailyBriefGraph = graph({
  name: 'daily-brief',
  description: 'info, then day, time and weather in parallel (day and weather approved first), umbrella if it rains, then a summary.',
  nodes: [
    { id: 'info', agent: 'briefer' },
    { id: 'day', agent: 'briefer', prompt: (context) => `${context.task}\n\nSay what day it is.` },
    { id: 'time', agent: 'briefer', prompt: (context) => `${context.task}\n\nSay what time it is.` },
    { id: 'weather', agent: 'briefer', prompt: (context) => `${context.task}\n\nSay what the weather is.` },
    { id: 'umbrella', agent: 'briefer' },
    {
      id: 'summary',
      run: (context, inputs) => inputs.map((id) => `${id}: ${context.results[id]?.text ?? ''}`).join('\n'),
    },
  ],
  edges: [
    { from: 'info', to: 'day' },
    { from: 'info', to: 'time' },
    { from: 'info', to: 'weather' },
    { from: 'weather', to: 'umbrella', when: (context) => /rain/i.test(context.results.weather?.text ?? '') },
    { from: 'day', to: 'summary' },
    { from: 'time', to: 'summary' },
    { from: 'weather', to: 'summary' },
    { from: 'umbrella', to: 'summary' },
  ],
  entry: ['info'],
  beforeNode: async (event) => {
    if (!APPROVALS.has(event.nodeId)) return;
    const answer = await event.interrupt({ name: `${event.nodeId}_interrupt`, reason: 'need approval' });
    if (answer !== 'APPROVE' && answer !== 'y') event.cancel = 'node rejected';
  },
});
