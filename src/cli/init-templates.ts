/**
 * The files `hitl init` writes: a `refunds` agent whose one tool waits for a person's approval,
 * split as the package is (the workflow half imported from `durable-hitl-agents/workflow`, the
 * tool's body from `durable-hitl-agents/worker`), its worker, a script that starts a run, a test,
 * and the scripted model the script uses. The project compiles with `tsc` to dist/ and runs on
 * plain node.
 */

/** The task queue the worker polls and the start script starts runs on (REFUNDS_TASK_QUEUE overrides it). */
export const INIT_TASK_QUEUE = 'refunds';
export const INIT_AGENT = 'refunds';
export const INIT_SCRIPT_FILE = 'refunds-script.json';
export const INIT_LOG_FILE = 'refunds.log';

export interface TemplateFile {
  path: string;
  /** What the file is, for the summary `hitl init` prints. */
  what: string;
  text: string;
}

const AGENTS = `/**
 * The workflow half of your agent: its name, system prompt, tools (name, description, input
 * schema) and approval policy. The worker bundles this module into Temporal's workflow sandbox,
 * so it imports nothing from Node; the tool's body lives in tools.ts.
 */
import { approvalPolicy, defineAgent, defineTool } from 'durable-hitl-agents/workflow';
import { z } from 'zod';

export const issueRefund = defineTool({
  name: 'issue_refund',
  description: 'Refund an order. A person approves every refund before it runs.',
  input: z.object({ orderId: z.string().min(1), amount: z.number().positive() }),
});

export const refundsAgent = defineAgent({
  name: '${INIT_AGENT}',
  description: 'Issues refunds; a person approves each one.',
  systemPrompt: 'You handle refund requests with issue_refund. Report what you refunded, or why you did not.',
  tools: [issueRefund],
  // Every issue_refund call waits for a person: approve (y), deny (n, with a reason the model reads) or edit.
  hooks: approvalPolicy({ ask: ['issue_refund'] }),
});

export const agents = [refundsAgent];
`;

const TOOLS = `/**
 * The activity half: the body of issue_refund. It runs in the worker, never in the workflow
 * sandbox, so it may touch files, networks and clocks. It appends one line per refund to
 * ${INIT_LOG_FILE} (REFUNDS_LOG names another file), so you can see that it ran, and how often.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { implementTool } from 'durable-hitl-agents/worker';
import { issueRefund } from './agents.js';

export interface Refund {
  key: string;
  orderId: string;
  amount: number;
  at: string;
}

export const refundsLog = (): string => process.env['REFUNDS_LOG'] ?? '${INIT_LOG_FILE}';

export async function readRefunds(): Promise<Refund[]> {
  const text = await readFile(refundsLog(), 'utf8').catch(() => '');
  return text
    .split('\\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Refund);
}

export const issueRefundTool = implementTool(issueRefund, async ({ orderId, amount }, context) => {
  // Temporal retries an attempt that failed, even one that had done the work: the call's
  // idempotency key finds the refund it already issued, so no refund is issued twice.
  const issued = (await readRefunds()).find((refund) => refund.key === context.idempotencyKey);
  if (!issued) {
    const refund: Refund = { key: context.idempotencyKey, orderId, amount, at: new Date().toISOString() };
    await appendFile(refundsLog(), \`\${JSON.stringify(refund)}\\n\`);
  }
  return \`Refunded \${amount} on order \${orderId}.\`;
});
`;

const WORKER = `/**
 * Your worker: it runs the agent's runs (Temporal workflows) and their model and tool calls
 * (activities). It finds Temporal through Temporal's environment configuration: TEMPORAL_ADDRESS
 * (default localhost:7233), TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, profiles in temporal.toml.
 */
import { Worker } from '@temporalio/worker';
import { agentsPlugin, connectWorker } from 'durable-hitl-agents/worker';
import { issueRefundTool } from './tools.js';

const taskQueue = process.env['REFUNDS_TASK_QUEUE'] ?? '${INIT_TASK_QUEUE}';
const { connection, namespace } = await connectWorker();
try {
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    // The plugin puts agents.js into the workflow bundle and registers the model and tool activities.
    // Models: bedrock, openai, anthropic, scripted, ... are built in; add yours with models: { name: provider }.
    plugins: [agentsPlugin({ agents: new URL('./agents.js', import.meta.url), tools: [issueRefundTool] })],
  });
  console.log(\`refunds worker ready on task queue \${taskQueue} (Ctrl-C to stop)\`);
  await worker.run();
} finally {
  await connection.close();
}
`;

const START = `/**
 * Starts a refund run, as any program on any machine could, and says what it waits for:
 *   npm start
 *   npm start -- "Please refund order A-1: 20 EUR"
 * Its model is the offline scripted model: ${INIT_SCRIPT_FILE} holds the model's turns (it asks
 * to refund A-1 whatever the prompt says). For a real model, pass { provider: 'bedrock' | 'openai'
 * | 'anthropic', modelId } instead and give the worker its key (docs/models.md).
 */
import { readFile } from 'node:fs/promises';
import { AgentClient, connectClient } from 'durable-hitl-agents/client';
import { scriptedModel, type ScriptedTurn } from 'durable-hitl-agents/workflow';

const taskQueue = process.env['REFUNDS_TASK_QUEUE'] ?? '${INIT_TASK_QUEUE}';
const prompt = process.argv.slice(2).join(' ') || 'Please refund order A-1: 20 EUR, the parcel arrived damaged.';
const script = JSON.parse(await readFile(new URL('../${INIT_SCRIPT_FILE}', import.meta.url), 'utf8')) as ScriptedTurn[];

const client = await connectClient();
try {
  const agents = new AgentClient(client, taskQueue);
  const { workflowId, accepted } = await agents.start({ agent: '${INIT_AGENT}', prompt, model: scriptedModel(script) });
  console.log(\`started run \${workflowId}\`);
  if (!accepted) console.log(\`no worker has taken it yet: it starts when one polls task queue \${taskQueue} (npm run worker)\`);
  const status = accepted ? await agents.wait(workflowId) : undefined;
  if (status && status.status !== 'waiting') {
    console.log(\`it \${status.status} without asking anyone\${status.error ? \`: \${status.error}\` : ''}\`);
  } else {
    for (const question of status?.pending ?? []) {
      console.log(\`it waits for a person: may it run \${question.toolName ?? question.name} \${JSON.stringify(question.toolInput ?? question.reason)}?\`);
    }
    console.log('');
    console.log(\`approve it:  npx hitl approve \${workflowId}\`);
    console.log(\`or deny it:  npx hitl deny \${workflowId} --reason "not this order"\`);
    console.log(\`then:        npx hitl result \${workflowId}\`);
  }
} finally {
  await client.connection.close();
}
`;

const TEST = `/**
 * The approval flow, tested offline: a Temporal dev server of its own (the Temporal CLI is fetched
 * when it is not on your PATH), a worker with your agent and tool, and scripted model turns.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AgentTestEnvironment } from 'durable-hitl-agents/testing';
import { issueRefundTool, readRefunds } from './tools.js';

process.env['REFUNDS_LOG'] = join(mkdtempSync(join(tmpdir(), 'refunds-')), '${INIT_LOG_FILE}');
let env: AgentTestEnvironment;

before(async () => {
  env = await AgentTestEnvironment.start({ agents: new URL('./agents.js', import.meta.url), tools: [issueRefundTool] });
});
after(() => env.teardown());

const refunded = async (orderId: string) => (await readRefunds()).filter((refund) => refund.orderId === orderId).length;

test('a refund waits for a person; approved, it runs exactly once', async () => {
  const model = env.script({ tools: [{ name: 'issue_refund', input: { orderId: 'A-1', amount: 20 } }] }, { text: 'Refunded A-1.' });
  const { workflowId } = await env.client.start({ agent: '${INIT_AGENT}', prompt: 'Please refund order A-1: 20 EUR', model });

  const waiting = await env.client.wait(workflowId);
  assert.equal(waiting.status, 'waiting');
  const [question] = waiting.pending;
  assert.ok(question && waiting.pending.length === 1, 'one question');
  assert.equal(question.toolName, 'issue_refund');
  assert.deepEqual(question.toolInput, { orderId: 'A-1', amount: 20 });
  assert.equal(await refunded('A-1'), 0, 'nothing is refunded before the approval');

  await env.client.respond(workflowId, { interruptId: question.id, response: 'y', respondedBy: 'test' });
  const result = await env.client.result(workflowId);
  assert.equal(result.text, 'Refunded A-1.');
  assert.equal(await refunded('A-1'), 1, 'refunded exactly once');
});

test('a denied refund does not run, and the model reads why', async () => {
  const model = env.script({ tools: [{ name: 'issue_refund', input: { orderId: 'B-2', amount: 35 } }] }, { text: 'Not refunded.' });
  const { workflowId } = await env.client.start({ agent: '${INIT_AGENT}', prompt: 'Please refund order B-2: 35 EUR', model });
  const [question] = (await env.client.wait(workflowId)).pending;
  assert.ok(question, 'a question');

  await env.client.respond(workflowId, { interruptId: question.id, response: { decision: 'deny', reason: 'already refunded' }, respondedBy: 'test' });
  assert.equal((await env.client.result(workflowId)).text, 'Not refunded.');
  assert.equal(await refunded('B-2'), 0, 'not refunded');
  const told = JSON.stringify(env.models.requests(model)[1]?.messages.at(-1));
  assert.match(told, /already refunded/);
});
`;

const SCRIPT = `[
  { "tools": [{ "name": "issue_refund", "input": { "orderId": "A-1", "amount": 20 } }] },
  { "text": "Finished with order A-1: the refund tool's result above says whether it ran." }
]
`;

const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "lib": ["ES2023"],
    "types": ["node"],
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "exactOptionalPropertyTypes": true,
    "verbatimModuleSyntax": true,
    "skipLibCheck": true,
    "sourceMap": true,
    "rootDir": "src",
    "outDir": "dist"
  },
  "include": ["src"]
}
`;

const GITIGNORE = `node_modules/
dist/
${INIT_LOG_FILE}
`;

/** The files every `hitl init` writes; it refuses to overwrite any of them without --force. */
export const AGENT_FILES: TemplateFile[] = [
  { path: 'src/agents.ts', what: 'the agent and its tool: the workflow half (durable-hitl-agents/workflow)', text: AGENTS },
  { path: 'src/tools.ts', what: "the tool's body: the activity half (durable-hitl-agents/worker)", text: TOOLS },
  { path: 'src/worker.ts', what: 'your worker: agentsPlugin, Temporal from its environment configuration', text: WORKER },
  { path: 'src/start.ts', what: 'starts a run with the scripted model and says how to approve it', text: START },
  { path: 'src/refunds.test.ts', what: 'the approval flow tested offline (durable-hitl-agents/testing)', text: TEST },
  { path: INIT_SCRIPT_FILE, what: "the scripted model's turns for npm start (--model scripted:FILE takes it too)", text: SCRIPT },
];

/** Written only where the project has none; an existing one is kept. */
export const SETUP_FILES: TemplateFile[] = [
  { path: 'tsconfig.json', what: 'strict TypeScript, NodeNext modules, src/ compiled to dist/', text: TSCONFIG },
  { path: '.gitignore', what: 'node_modules/, dist/ and the refunds log', text: GITIGNORE },
];

/** The scripts `hitl init` adds: TypeScript compiled with tsc, then plain node. */
export const INIT_SCRIPTS: Record<string, string> = {
  worker: 'tsc && node dist/worker.js',
  start: 'tsc && node dist/start.js',
  test: 'tsc && node --test dist/*.test.js',
};
