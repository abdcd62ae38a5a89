/**
 * The seed's patterns as scripted runs against a live worker. The replay fixtures are recorded
 * from these (record-histories.ts), and the replay test checks that today's workflow code still
 * replays every recorded run: a change that would break in-flight runs fails CI.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JsonValue } from '../../src/agent/types.js';
import { signedBy } from './approvers.js';
import type { TestEnv } from './env.js';
import { multiAgentScenarios } from './multi-agent-scenarios.js';

export interface Scenario {
  name: string;
  run(env: TestEnv): Promise<string>;
}

/** Answers every pending interrupt with `answer` until the run ends; returns the workflow id. */
async function answerAll(env: TestEnv, workflowId: string, answer: string): Promise<string> {
  for (let status = await env.agents.wait(workflowId); status.status === 'waiting'; status = await env.agents.wait(workflowId)) {
    await env.agents.respond(workflowId, status.pending.map((interrupt) => ({ interruptId: interrupt.id, response: answer, respondedBy: 'recorder' })));
  }
  return workflowId;
}

const FILES = { 'old_report.txt': 'r', 'temp_data.csv': 'c', 'backup_2023.zip': 'z' };
const PATHS = Object.keys(FILES);

function fileApproval(answer: 'y' | 'n', name = `file-approval-${answer === 'y' ? 'approved' : 'denied'}`): Scenario {
  return {
    name,
    async run(env) {
      const model = env.model(
        { kind: 'toolUse', uses: [{ name: 'inspect_files', input: { paths: PATHS } }] },
        { kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: PATHS } }] },
        { kind: 'text', text: 'reported' },
      );
      const { workflowId } = await env.agents.start({ agent: 'file-approval', prompt: 'delete old files', model, workspace: env.workspace(FILES), workflowId: `replay-${this.name}` });
      return answerAll(env, workflowId, answer);
    },
  };
}

/** Answers the first question of a run with `response`, then `y` to anything else. */
async function answerFirst(env: TestEnv, workflowId: string, response: JsonValue): Promise<string> {
  const status = await env.agents.wait(workflowId);
  await env.agents.respond(workflowId, { interruptId: status.pending[0]!.id, response, respondedBy: 'recorder' });
  return answerAll(env, workflowId, 'y');
}

export const scenarios: Scenario[] = [
  fileApproval('y'),
  fileApproval('n'),
  parallelSmartDelete('smart-delete-parallel-tool-interrupts'),
  // The same, recorded since hook events nobody listens to are skipped (patch lean-events).
  parallelSmartDelete('smart-delete-parallel-lean-events'),
  // Both again, recorded since new runs ask one patch, the baseline, for the ones it folds.
  fileApproval('y', 'file-approval-patch-baseline'),
  parallelSmartDelete('smart-delete-parallel-patch-baseline'),
  {
    name: 'trusted-files-session-trust',
    async run(env) {
      const model = env.model(
        { kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: ['old_report.txt'] } }] },
        { kind: 'text', text: 'reported' },
      );
      const { workflowId } = await env.agents.start({
        agent: 'trusted-files', prompt: 'delete old_report.txt', model, sessionId: 'replay', workspace: env.workspace(FILES), workflowId: `replay-${this.name}`,
      });
      return answerFirst(env, workflowId, 't');
    },
  },
  {
    name: 'policy-approval-edited',
    async run(env) {
      const model = env.model({ kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: PATHS } }] }, { kind: 'text', text: 'reported' });
      const { workflowId } = await env.agents.start({ agent: 'policy-approval', prompt: 'delete', model, workspace: env.workspace(FILES), workflowId: `replay-${this.name}` });
      return answerFirst(env, workflowId, { decision: 'edit', input: { paths: ['temp_data.csv'] } });
    },
  },
  {
    name: 'ops-files-edit-rechecked-signed-quorum',
    async run(env) {
      const model = env.model(
        { kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: ['old_report.txt'] } }] },
        { kind: 'text', text: 'reported' },
      );
      const workspace = env.workspace(FILES);
      mkdirSync(path.join(workspace, 'logs'));
      writeFileSync(path.join(workspace, 'logs', 'app.log'), 'l');
      const { workflowId } = await env.agents.start({ agent: 'ops-files', prompt: 'delete', model, workspace, workflowId: `replay-${this.name}` });
      const first = await env.agents.wait(workflowId);
      // alice edits the one-file delete into a logs delete: the policy asks a second approver for it.
      const edit = { decision: 'edit', input: { paths: ['old_report.txt', 'logs/app.log'] } };
      await env.agents.respond(workflowId, await env.signed('alice', workflowId, { interruptId: first.pending[0]!.id, response: edit }));
      let second = await env.agents.wait(workflowId);
      while (second.pending[0]?.id === first.pending[0]!.id) second = await env.agents.status(workflowId);
      await env.agents.respond(workflowId, await env.signed('bob', workflowId, { interruptId: second.pending[0]!.id, response: 'y' }));
      return workflowId;
    },
  },
  {
    name: 'file-approval-reused-tool-use-ids',
    async run(env) {
      const model = env.model(
        { kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: ['old_report.txt'] }, toolUseId: 'call_0' }] },
        { kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: ['temp_data.csv'] }, toolUseId: 'call_0' }] },
        { kind: 'text', text: 'reported' },
      );
      const { workflowId } = await env.agents.start({ agent: 'file-approval', prompt: 'delete', model, workspace: env.workspace(FILES), workflowId: `replay-${this.name}` });
      return answerFirst(env, workflowId, 'y').then(() => workflowId);
    },
  },
  {
    name: 'file-coordinator-delegated-approved',
    async run(env) {
      const model = { provider: 'demo', modelId: 'offline-demo' };
      const workspace = env.workspace(FILES);
      const { workflowId } = await env.agents.start({ agent: 'file-coordinator', prompt: 'Clean up old_report.txt and temp_data.csv', model, workspace, workflowId: `replay-${this.name}` });
      // Answered through the caller: the client routes the answer to the sub-agent's run.
      return answerAll(env, workflowId, 'y');
    },
  },
  {
    // Model calls carry only what changed (invokeModelDelta): the setup goes once, then only new messages.
    name: 'file-approval-model-delta',
    async run(env) {
      const model = env.model(
        { kind: 'toolUse', uses: [{ name: 'inspect_files', input: { paths: PATHS } }] },
        { kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths: ['old_report.txt'] } }] },
        { kind: 'text', text: 'reported' },
      );
      const { workflowId } = await env.agents.start({ agent: 'file-approval', prompt: 'delete', model, workspace: env.workspace(FILES), workflowId: `replay-${this.name}` });
      return answerAll(env, workflowId, 'y');
    },
  },
  // Recorded since baseline 2: answers settle with their activation, questions carry bindings, an
  // edit shows the call that runs, sub-agents watch their caller and order their reports.
  fileApproval('y', 'file-approval-baseline-2'),
  parallelSmartDelete('smart-delete-parallel-baseline-2'),
  // Baseline 3: a waiting run keeps the inbox's search attributes.
  fileApproval('y', 'file-approval-baseline-3'),
];
scenarios.push(
  again('ops-files-edit-rechecked-signed-quorum', 'ops-files-edit-bound-baseline-2'),
  again('file-coordinator-delegated-approved', 'file-coordinator-caller-watch-baseline-2'),
);

/** The scenario `name` recorded again under `as` (on today's code: new patches, new shapes). */
function again(name: string, as: string): Scenario {
  const scenario = scenarios.find((candidate) => candidate.name === name)!;
  return { name: as, run: (env) => scenario.run.call({ ...scenario, name: as }, env) };
}

/** Two tool calls of one turn, each asking inside the tool; both answered yes. */
function parallelSmartDelete(name: string): Scenario {
  return {
    name,
    async run(env) {
      const model = env.model(
        {
          kind: 'toolUse',
          uses: [
            { name: 'smart_delete', input: { paths: PATHS } },
            { name: 'smart_delete', input: { paths: ['a.txt', 'b.txt', 'c.txt'] } },
          ],
        },
        { kind: 'text', text: 'reported' },
      );
      const workspace = env.workspace({ ...FILES, 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c' });
      const { workflowId } = await env.agents.start({ agent: 'smart-delete', prompt: 'bulk delete', model, workspace, workflowId: `replay-${name}` });
      return answerAll(env, workflowId, 'y');
    },
  };
}

// Graphs and swarms (src/workflows/graph.ts, swarm.ts): their workflow shapes.
scenarios.push(...multiAgentScenarios(answerAll));
