/**
 * Files a claim and approves it, the way a script on another machine would:
 *   node dist/start.js "Alice: 420 EUR team dinner"               start, approve every question, print the result
 *   node dist/start.js --no-approve "Bob: 250 EUR train tickets"   start, wait for the question, print it as JSON
 */
import { AgentClient, connectClient } from 'durable-hitl-agents/client';

const args = process.argv.slice(2);
const approve = !args.includes('--no-approve');
const prompt = args.filter((arg) => arg !== '--no-approve').join(' ') || 'Alice: 420 EUR team dinner';

// Temporal's environment configuration: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, a temporal.toml profile...
const client = await connectClient();
try {
  const agents = new AgentClient(client, process.env['EXPENSE_TASK_QUEUE'] ?? 'expenses');
  const { workflowId } = await agents.start({ agent: 'expense-approval', prompt, model: { provider: 'rules', modelId: 'expense-rules' } });

  let status = await agents.wait(workflowId);
  if (!approve) {
    console.log(JSON.stringify({ workflowId, status: status.status, pending: status.pending.map((interrupt) => interrupt.id) }));
  } else {
    while (status.status === 'waiting') {
      for (const interrupt of status.pending) console.error(`approving ${interrupt.id} (${interrupt.toolName ?? interrupt.name})`);
      // Bound to the questions as printed above: a run that changed meanwhile refuses the answers.
      await agents.respond(
        workflowId,
        status.pending.map((interrupt) => ({ interruptId: interrupt.id, response: 'y', respondedBy: 'expense-script', reason: 'within budget', binding: interrupt.binding })),
      );
      status = await agents.wait(workflowId);
    }
    const result = await agents.result(workflowId);
    console.log(JSON.stringify({ workflowId, status: status.status, text: result.text }));
  }
} finally {
  await client.connection.close();
}
