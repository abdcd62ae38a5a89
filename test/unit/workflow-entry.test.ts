/**
 * The workflow-safe entry (`durable-hitl-agents/workflow`) stays workflow-safe: its import graph
 * holds no Node built-in, and a workflow that imports it bundles (the bundler refuses Node
 * built-ins, as the control case shows). The plugin's generated entry bundles too.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { agentsPlugin } from '../../src/plugin.js';
import { graph } from '../../src/agent/multi-agent/graph-definition.js';
import { graphsOf, swarmsOf } from '../../src/temporal/agents-module.js';
import { errorsOnlyLogger } from '../../src/temporal/quiet-logger.js';
import { workflowEntrySource } from '../../src/temporal/workflow-entry.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = path.join(ROOT, 'src', 'entries', 'workflow.ts');
// Under node_modules, so that the bundler finds @temporalio/workflow from these files as it would in a
// project; plain JS, because the bundler compiles no TypeScript from node_modules.
mkdirSync(path.join(ROOT, 'node_modules', '.cache'), { recursive: true });
const scratch = realpathSync(mkdtempSync(path.join(ROOT, 'node_modules', '.cache', 'workflow-entry-test-')));
after(() => rmSync(scratch, { recursive: true, force: true }));

// `import type` / `export type` are erased from the JS; every other import and re-export stays (verbatimModuleSyntax).
const IMPORT = /^\s*(?:import|export)\s(?!type\s)[^;]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm;

/** Every module specifier reachable from `file` through relative imports (with the file that imports it). */
function importGraph(file: string, seen = new Map<string, string>(), found: Array<{ specifier: string; from: string }> = []) {
  if (seen.has(file)) return found;
  seen.set(file, file);
  for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const specifier = (match[1] ?? match[2])!;
    found.push({ specifier, from: path.relative(ROOT, file) });
    if (specifier.startsWith('.')) importGraph(path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')), seen, found);
  }
  return found;
}

function write(name: string, text: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return file;
}

test("the workflow entry's import graph holds no Node built-in", () => {
  const builtins = new Set(builtinModules);
  const imports = importGraph(ENTRY);
  assert.ok(imports.length > 20, `the walk found only ${imports.length} imports`);
  const node = imports.filter(({ specifier }) => specifier.startsWith('node:') || builtins.has(specifier.split('/')[0]!));
  assert.deepEqual(node, []);
});

test('a workflow file that imports the workflow entry bundles', async () => {
  const workflows = write(
    'workflows.js',
    [
      `import { createAgentRunWorkflow, defineAgent, defineTool, approvalPolicy } from ${JSON.stringify(ENTRY)};`,
      `import { z } from 'zod';`,
      `const ping = defineTool({ name: 'ping', description: 'ping', input: z.object({}) });`,
      `const agent = defineAgent({ name: 'pinger', description: 'p', systemPrompt: 'p', tools: [ping], hooks: approvalPolicy({ ask: ['ping'] }) });`,
      `export const agentRun = createAgentRunWorkflow([agent]);`,
      `export { agentSession } from ${JSON.stringify(ENTRY)};`,
    ].join('\n'),
  );
  const { code } = await bundleWorkflowCode({ workflowsPath: workflows, logger: errorsOnlyLogger });
  assert.match(code, /agentSession/);
});

test('control: the same bundler refuses a workflow that pulls in a Node built-in', async () => {
  const workflows = write('node-workflows.js', `import { readFileSync } from 'node:fs';\nexport async function reads() { return readFileSync('x', 'utf8'); }\n`);
  const errors: string[] = [];
  const logger = { ...errorsOnlyLogger, error: (message: string) => void errors.push(message) };
  await assert.rejects(bundleWorkflowCode({ workflowsPath: workflows, logger }));
  assert.match(errors.join('\n'), /node:fs/);
});

test("the plugin bundles the agents module's workflows beside the worker's own", async () => {
  const agents = write(
    'agents.js',
    `export { exampleAgents as agents } from ${JSON.stringify(path.join(ROOT, 'src', 'agents', 'index.ts'))};\n` +
      `export { exampleGraphs as graphs, exampleSwarms as swarms } from ${JSON.stringify(path.join(ROOT, 'src', 'agents', 'multi-agent.ts'))};\n`,
  );
  const own = write('own-workflows.js', `export async function hello() { return 'hello'; }\n`);
  assert.match(workflowEntrySource(agents, own), new RegExp(`export \\* from ${JSON.stringify(own).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  const { code } = await bundleWorkflowCode({ workflowsPath: own, plugins: [agentsPlugin({ agents })], logger: errorsOnlyLogger });
  assert.match(code, /function hello/);
  assert.match(code, /file-approval/, 'the example agents are in the bundle');
  assert.match(code, /daily-brief/, 'and the graphs it exports');
  assert.match(workflowEntrySource(agents), /export const agentGraph = createGraphWorkflow\(graphsOf\(agentsModule/);
  // The workflow API is preloaded (shared by every run): webpack must not prune the preload away.
  assert.match(code, /function preloadModules\(\)\{__webpack_require__\(\d+\)\}/);
});

test('agentsPlugin refuses an agents module that does not exist, naming it', () => {
  assert.throws(() => agentsPlugin({ agents: path.join(scratch, 'missing.js') }), /agents module .*missing\.js does not exist/);
});

test('graphs and swarms of an agents module: optional, and refused naming the module when they are not graph() or swarm() results', () => {
  assert.deepEqual(graphsOf({ agents: [] }, 'agents.js'), []);
  assert.deepEqual(swarmsOf({}, 'agents.js'), []);
  const brief = graph({ name: 'brief', nodes: [{ id: 'a', agent: 'x' }], edges: [] });
  assert.deepEqual(graphsOf({ graphs: [brief] }, 'agents.js'), [brief]);
  assert.throws(() => graphsOf({ graphs: brief }, 'agents.js'), /agents\.js: `graphs` must be an array of graph\(\.\.\.\) results/);
  assert.throws(() => graphsOf({ graphs: [brief, brief] }, 'agents.js'), /agents\.js exports two graphs named "brief"/);
  assert.throws(() => swarmsOf({ swarms: [{ name: 'team' }] }, 'agents.js'), /`swarms` must be an array of swarm\(\.\.\.\) results/);
});
