/**
 * Fault 6: MCP servers that misbehave. A server down when the run starts, one killed mid-call,
 * one that answers with garbage (a call, and a tool list), two servers offering the same tool
 * name, a tool result far past the payload cap. Each run ends in a defined state with a readable
 * reason or an error result the model reads, and no workflow task fails.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NativeConnection } from '@temporalio/worker';
import { TOOL_RESULT_MAX_BYTES } from '../../src/agent/payload-budget.js';
import { McpClientPool } from '../../src/mcp/index.js';
import type { ScriptedReply } from '../support/fake-bedrock.js';
import { failureMessage } from '../support/failures.js';
import { historyFacts, HttpTestServer, loggedCalls, McpTestWorker, stdioTestServer, toolResults } from '../support/mcp-support.js';
import type { FaultContext } from './context.js';
import { assertThat, type FaultReport } from './harness.js';
import { freePort } from '../../src/temporal/ports.js';

export async function mcpFaults(context: FaultContext, report: FaultReport): Promise<void> {
  const group = 'mcp servers';
  const log = path.join(mkdtempSync(path.join(tmpdir(), 'hitl-mcp-faults-')), 'calls.log');
  const connection = await NativeConnection.connect({ address: context.address });
  let web = await HttpTestServer.start({ log });
  const latePort = await freePort();
  const worker = await McpTestWorker.start({
    connection,
    client: context.client,
    bedrock: { endpoint: context.bedrock.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
    servers: {
      web: { url: web.url },
      'web-again': { url: web.url },
      late: { url: `http://127.0.0.1:${latePort}/mcp` },
      stdio: stdioTestServer('basic', log),
      broken: stdioTestServer('garbage-list'),
    },
  });
  let models = 0;
  const run = async (agent: string, ...replies: ScriptedReply[]) => {
    const modelId = `mcp-faults-${process.pid}-${models++}`;
    context.bedrock.scriptFor(modelId, ...replies);
    const { workflowId } = await worker.agents.start({ agent, prompt: 'go', model: { provider: 'bedrock', modelId } });
    return workflowId;
  };
  const ended = async (workflowId: string) => {
    const status = await worker.agents.wait(workflowId);
    assertThat(status.status !== 'waiting' && status.status !== 'running', `run ${workflowId} did not end (${status.status})`);
    assertThat((await historyFacts(context.client, workflowId)).failedWorkflowTasks === 0, `run ${workflowId} has failed workflow tasks`);
    return { status, results: status.status === 'completed' ? toolResults((await worker.agents.result(workflowId)).messages) : [] };
  };
  const done: ScriptedReply = { kind: 'text', text: 'done' };

  try {
    await report.check(group, 'server down at start: listing retried with the reason, the run goes on once it is up', async () => {
      const workflowId = await run('mcp-late', { kind: 'toolUse', uses: [{ name: 'echo', input: { text: 'late' } }] }, done);
      const handle = context.client.workflow.getHandle(workflowId);
      let pending = (await handle.describe()).raw.pendingActivities?.[0];
      while (!(pending && (pending.attempt ?? 0) >= 2)) {
        await sleep(100);
        pending = (await handle.describe()).raw.pendingActivities?.[0];
      }
      const reason = await failureMessage(context.client, pending.lastFailure);
      assertThat(/MCP server "late" cannot be reached: fetch failed \(ECONNREFUSED\)/.test(reason), `last failure: ${reason}`);
      const late = await HttpTestServer.start({ port: latePort });
      try {
        const { status, results } = await ended(workflowId);
        assertThat(status.status === 'completed' && results[0]?.text === 'echo: late', `status ${status.status}: ${JSON.stringify(results)}`);
      } finally {
        await late.kill();
      }
      return `retried after: ${reason}`;
    });

    await report.check(group, 'HTTP server killed mid-call: an error result the model reads', async () => {
      const workflowId = await run('mcp-web', { kind: 'toolUse', uses: [{ name: 'web_exit', input: {} }] }, done);
      const { status, results } = await ended(workflowId);
      web = await HttpTestServer.start({ port: web.port, log });
      assertThat(status.status === 'completed', `status ${status.status}: ${status.error}`);
      assertThat(results[0]?.status === 'error' && /stopped answering/.test(results[0].text), JSON.stringify(results));
      return results[0]!.text;
    });

    await report.check(group, 'stdio server that dies mid-call: an error result, the call not repeated, the next call reconnects', async () => {
      const before = loggedCalls(log).filter((line) => line === 'exit').length;
      const workflowId = await run('mcp-stdio', { kind: 'toolUse', uses: [{ name: 'exit', input: {} }] }, { kind: 'toolUse', uses: [{ name: 'echo', input: { text: 'again' } }] }, done);
      const { status, results } = await ended(workflowId);
      assertThat(status.status === 'completed', `status ${status.status}: ${status.error}`);
      assertThat(results[0]?.status === 'error' && results[1]?.text === 'echo: again', JSON.stringify(results));
      const exits = loggedCalls(log).filter((line) => line === 'exit').length - before;
      assertThat(exits === 1, `the dying call ran ${exits} times`);
      return results[0]!.text;
    });

    await report.check(group, 'garbage in a call result: an error result naming the protocol problem', async () => {
      const workflowId = await run('mcp-stdio', { kind: 'toolUse', uses: [{ name: 'garbage', input: {} }] }, done);
      const { status, results } = await ended(workflowId);
      assertThat(status.status === 'completed', `status ${status.status}: ${status.error}`);
      assertThat(results[0]?.status === 'error' && /does not fit the MCP protocol/.test(results[0].text), JSON.stringify(results));
      return results[0]!.text;
    });

    await report.check(group, 'garbage for a tool list: the run fails at once with the reason', async () => {
      const { status } = await ended(await run('mcp-broken', done));
      assertThat(status.status === 'failed' && /McpServerBroken: MCP server "broken" did not give a tool list/.test(status.error ?? ''), `${status.status}: ${status.error}`);
      return status.error!;
    });

    await report.check(group, 'two servers with the same tool name: the run fails at once, naming both', async () => {
      const { status } = await ended(await run('mcp-clash', done));
      assertThat(status.status === 'failed' && /comes from both MCP server "web" and MCP server "web-again"/.test(status.error ?? ''), `${status.status}: ${status.error}`);
      return status.error!;
    });

    await report.check(group, 'a 5 MB tool result: cut by the runtime to the cap, with a marker', async () => {
      const workflowId = await run('mcp-stdio', { kind: 'toolUse', uses: [{ name: 'huge', input: { bytes: 5_000_000 } }] }, done);
      const { status, results } = await ended(workflowId);
      assertThat(status.status === 'completed', `status ${status.status}: ${status.error}`);
      const text = results[0]?.text ?? '';
      assertThat(text.length <= TOOL_RESULT_MAX_BYTES && /\[truncated by the agent runtime: \d+ of 5000000 characters shown/.test(text), `result of ${text.length} characters`);
      return `${text.length} characters kept`;
    });
  } finally {
    await worker.stop();
    await web.kill();
    await McpClientPool.closeAll();
    await connection.close();
  }
}
