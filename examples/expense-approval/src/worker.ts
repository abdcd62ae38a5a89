/** Your worker, as it would be anyway, plus one plugin: the agents, their tools and a model. */
import { Worker } from '@temporalio/worker';
import { agentsPlugin, connectWorker } from 'durable-hitl-agents/worker';
import { ExpenseRulesModel } from './model.js';
import { submitExpenseTool } from './tools.js';

export const TASK_QUEUE = process.env['EXPENSE_TASK_QUEUE'] ?? 'expenses';

// Temporal's environment configuration: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, a temporal.toml profile...
const { connection, namespace } = await connectWorker();
try {
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue: TASK_QUEUE,
    plugins: [
      agentsPlugin({
        agents: new URL('./agents.js', import.meta.url),
        tools: [submitExpenseTool],
        models: { rules: new ExpenseRulesModel() },
      }),
    ],
  });
  console.log(`expense worker ready on task queue ${TASK_QUEUE}`);
  await worker.run(); // until Ctrl-C
} finally {
  await connection.close();
}
