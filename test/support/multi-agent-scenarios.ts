/** The graph and swarm workflow shapes, as replay scenarios (scenarios.ts, record-histories.ts): example graphs and swarms only. */
import type { TestEnv } from './env.js';
import { dailyBrief, deleting, handoff, scripts, text } from './multi-agent-scripts.js';

type Scenario = { name: string; run(env: TestEnv): Promise<string> };
type AnswerAll = (env: TestEnv, workflowId: string, answer: string) => Promise<string>;

export function multiAgentScenarios(answerAll: AnswerAll): Scenario[] {
  return [
    {
      // Parallel nodes, two beforeNode questions, a conditional edge taken (rain), a function node.
      name: 'graph-daily-brief-approved',
      async run(env) {
        const { workflowId } = await env.agents.startGraph({ name: 'daily-brief', prompt: 'What is the day, time, and weather?', models: dailyBrief('Rain later.'), workflowId: `replay-${this.name}` });
        return answerAll(env, workflowId, 'APPROVE');
      },
    },
    {
      // Handoffs with shared context, a beforeNode question, a member's own question bubbled up.
      name: 'swarm-file-swarm-handoffs',
      async run(env) {
        const models = scripts({
          triage: [handoff('cleaner', 'Delete old_report.txt', { files: ['old_report.txt'] }), text('Handed to cleaner.')],
          cleaner: [...deleting(['old_report.txt']), handoff('reporter', 'Say what was deleted'), text('Handed to reporter.')],
          reporter: [text('old_report.txt was deleted.')],
        });
        const workspace = env.workspace({ 'old_report.txt': 'r' });
        const { workflowId } = await env.agents.startSwarm({ name: 'file-swarm', prompt: 'Clean up old_report.txt', models, workspace, workflowId: `replay-${this.name}` });
        return answerAll(env, workflowId, 'y');
      },
    },
  ];
}
