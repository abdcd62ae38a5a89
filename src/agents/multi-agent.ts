/** The built-in example graphs and swarms, and the agents only they use. Workflow half: keep it Node-free. */
import { brieferAgent, dailyBriefGraph } from './daily-brief.js';
import { fileCleanupGraph } from './file-cleanup-graph.js';
import { cleanerAgent, fileSwarm, reporterAgent, triageAgent } from './file-swarm.js';

export const exampleGraphs = [dailyBriefGraph, fileCleanupGraph];
export const exampleSwarms = [fileSwarm];
export const multiAgentExampleAgents = [brieferAgent, triageAgent, cleanerAgent, reporterAgent];
