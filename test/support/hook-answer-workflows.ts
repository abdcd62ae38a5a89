/** The workflow bundle entry of hook-answers.test.ts: the example and test agents, and those whose hooks answer from code. */
import { exampleAgents } from '../../src/agents/index.js';
import { createAgentRunWorkflow } from '../../src/workflows/agent-run.js';
import { hookAnswerAgents } from './hook-answer-agents.js';
import { testAgents } from './test-agents.js';

export const agentRun = createAgentRunWorkflow([...exampleAgents, ...testAgents, ...hookAnswerAgents]);
