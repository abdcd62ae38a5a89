/**
 * The worker's MCP side without Temporal: configuration, listing and calling tools on real
 * servers (the official filesystem server and the SDK-built test server, over stdio and HTTP),
 * pooled connections, and what the model sees when a server misbehaves.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { ToolCall } from '../../src/agent/runtime.js';
import { resultText, type ToolResult } from '../../src/agent/types.js';
import { resolveWorkspaceRoots } from '../../src/agents/files/workspace-roots.js';
import { FILESYSTEM_SERVER, MCP_CONFIG_ENV, mcpServersFromConfig, parseMcpConfig, resolveServer } from '../../src/mcp/config.js';
import { createMcpTools, McpClientPool, type McpServers } from '../../src/mcp/index.js';
import { toolResultFromMcp } from '../../src/mcp/tool-result.js';
import { HttpTestServer, loggedCalls, stdioTestServer } from '../support/mcp-support.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'mcp-unit-'));
const root = path.join(scratch, 'root');
mkdirSync(root);
const roots = resolveWorkspaceRoots([root]);
const pools: McpClientPool[] = [];
after(() => McpClientPool.closeAll());

function tools(servers: McpServers, idleMs?: number) {
  const pool = new McpClientPool(idleMs !== undefined ? { idleMs } : {});
  pools.push(pool);
  return createMcpTools({ servers, pool }, () => roots);
}

let uses = 0;
function call(server: string, tool: string, input: Record<string, unknown>, workspace?: string): ToolCall {
  return {
    agentName: 'unit',
    toolUse: { toolUseId: `use-${uses++}`, name: tool, input: input as never },
    responses: {},
    state: {},
    runId: 'run-1',
    ...(workspace !== undefined ? { workspace } : {}),
    remote: { server, tool },
  };
}

const text = (result: ToolResult) => resultText(result, '\n');

test('AGENT_MCP_CONFIG: the common mcpServers shape, inline or in a file, ${workspace} filled in per run', () => {
  const inline = parseMcpConfig('{"mcpServers":{"docs":{"url":"http://localhost:9/mcp","headers":{"Authorization":"Bearer x"}},"git":{"command":"git-mcp","args":["--repo","${workspace}"],"cwd":"${workspace}"}}}');
  assert.deepEqual(resolveServer(inline.docs!, () => assert.fail('HTTP needs no run place')), { transport: 'http', url: 'http://localhost:9/mcp', headers: { Authorization: 'Bearer x' } });
  const place = { runId: 'r', workspaceFolder: '/w/run' };
  assert.deepEqual(resolveServer(inline.git!, () => place), { transport: 'stdio', command: 'git-mcp', args: ['--repo', '/w/run'], env: {}, cwd: '/w/run' });
  const file = path.join(scratch, 'mcp.json');
  writeFileSync(file, JSON.stringify({ plain: { command: 'x' } }));
  const servers = mcpServersFromConfig({}, { [MCP_CONFIG_ENV]: file });
  assert.deepEqual(Object.keys(servers).sort(), [FILESYSTEM_SERVER, 'plain']);
  assert.deepEqual(resolveServer(servers.plain!, () => assert.fail('no placeholders: no run place')), { transport: 'stdio', command: 'x', args: [], env: {} });
});

test('AGENT_MCP_CONFIG: each mistake is one line naming the server and the field', () => {
  const cases: Array<[string, RegExp]> = [
    ['{not json', /^AGENT_MCP_CONFIG: not valid JSON/],
    ['/no/such/file.json', /^AGENT_MCP_CONFIG: cannot read \/no\/such\/file\.json/],
    ['{"mcpServers":{"a":{"args":["x"]}}}', /server "a" needs "command" \(stdio\) or "url" \(Streamable HTTP\)/],
    ['{"mcpServers":{"a":{"url":"ftp://x"}}}', /server "a": "url" must be http: or https:/],
    ['{"mcpServers":{"a":{"url":"nope"}}}', /server "a": "url" "nope" is not a URL/],
    ['{"mcpServers":{"a":{"command":"x","args":"--flag"}}}', /server "a": "args" must be a list of strings/],
    ['{"mcpServers":{"a":{"command":"x","env":{"K":1}}}}', /server "a": "env" must map names to strings/],
    ['[1,2]', /expected \{"mcpServers"/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => parseMcpConfig(value), (error: Error) => message.test(error.message) && !error.message.includes('\n'), value);
  }
});

test('the filesystem server: its tools listed with their JSON Schemas, jailed to the run\'s workspace folder', async () => {
  const mcp = tools({});
  const listed = await mcp.list({ agentName: 'unit', servers: [{ server: 'filesystem' }], runId: 'run-1', workspace: 'ws-list' });
  const names = listed.map((tool) => tool.name);
  for (const name of ['read_text_file', 'write_file', 'edit_file', 'move_file', 'create_directory', 'list_directory']) assert.ok(names.includes(name), name);
  const write = listed.find((tool) => tool.name === 'write_file')!;
  assert.deepEqual(write.remote, { server: 'filesystem', tool: 'write_file' });
  assert.equal(write.inputSchema.type, 'object');
  assert.equal('$schema' in write.inputSchema, false);
  assert.ok(existsSync(path.join(root, 'ws-list')), 'the run\'s folder was created beneath the root');

  const wrote = await mcp.call(call('filesystem', 'write_file', { path: 'notes.txt', content: 'hello' }, 'ws-list'), 1);
  assert.equal(wrote.status, 'success', text(wrote));
  assert.equal(readFileSync(path.join(root, 'ws-list', 'notes.txt'), 'utf8'), 'hello');
  const outside = await mcp.call(call('filesystem', 'read_text_file', { path: path.join(scratch, 'mcp.json') }, 'ws-list'), 1);
  assert.equal(outside.status, 'error');
  assert.match(text(outside), /Access denied - path outside allowed directories/);
  assert.equal(mcp.pool.size, 1, 'one connection for the folder, reused by the list and both calls');
});

test('a workspace outside the worker\'s roots is refused before any server starts', async () => {
  const mcp = tools({});
  const refused = await mcp.call(call('filesystem', 'list_directory', { path: '.' }, scratch), 1);
  assert.equal(refused.status, 'error');
  assert.match(text(refused), /refused: the workspace .* is not beneath this worker's workspace roots/);
  assert.equal(mcp.pool.size, 0);
});

test('prefix, structured content, isError and an unknown tool, over stdio', async () => {
  const mcp = tools({ test: stdioTestServer() });
  const listed = await mcp.list({ agentName: 'unit', servers: [{ server: 'test', prefix: 't_' }], runId: 'run-1' });
  assert.deepEqual(listed.map((tool) => tool.name).sort(), ['t_add', 't_echo', 't_exit', 't_fail', 't_garbage', 't_huge']);
  assert.deepEqual(listed.find((tool) => tool.name === 't_echo')!.remote, { server: 'test', tool: 'echo' });

  const sum = await mcp.call(call('test', 'add', { a: 2, b: 3 }), 1);
  assert.deepEqual(sum.content, [{ json: { sum: 5 } }], 'structured content once, not again as its JSON text');
  const failed = await mcp.call(call('test', 'fail', { reason: 'disk full' }), 1);
  assert.equal(failed.status, 'error');
  assert.match(text(failed), /cannot: disk full/);
  const unknown = await mcp.call(call('test', 'gone', {}), 1);
  assert.equal(unknown.status, 'error');
  assert.match(text(unknown), /gone/);
  const bad = await mcp.call(call('test', 'add', { a: 'two' }), 1);
  assert.equal(bad.status, 'error', 'the server validates the input against its own schema');
});

test('a server that dies mid-call: an error result, then the next call reconnects', async () => {
  const log = path.join(scratch, 'died.log');
  const mcp = tools({ test: stdioTestServer('basic', log) });
  assert.equal((await mcp.call(call('test', 'echo', { text: 'before' }), 1)).status, 'success');
  const died = await mcp.call(call('test', 'exit', {}), 1);
  assert.equal(died.status, 'error');
  assert.match(text(died), /MCP server "test" stopped answering/);
  const again = await mcp.call(call('test', 'echo', { text: 'after' }), 1);
  assert.equal(text(again), 'echo: after');
  assert.deepEqual(loggedCalls(log), ['echo before', 'exit', 'echo after'], 'nothing ran twice');
});

test('garbage from a server is an error result; a garbage tool list fails the listing for good', async () => {
  const mcp = tools({ test: stdioTestServer(), broken: stdioTestServer('garbage-list') });
  const garbage = await mcp.call(call('test', 'garbage', {}), 1);
  assert.equal(garbage.status, 'error');
  assert.equal(text(garbage), 'Tool "garbage" failed: the server\'s answer does not fit the MCP protocol (content: Invalid input: expected array, received string).');
  assert.equal(text(await mcp.call(call('test', 'echo', { text: 'still here' }), 1)), 'echo: still here', 'the connection was kept');
  await assert.rejects(mcp.list({ agentName: 'unit', servers: [{ server: 'broken' }], runId: 'run-1' }), (error: unknown) =>
    error instanceof ApplicationFailure && error.nonRetryable && error.type === 'McpServerBroken' && /MCP server "broken" did not give a tool list/.test(error.message));
});

test('an unknown server fails listing at once; a server that cannot be reached is retried, then the model is told', async () => {
  const mcp = tools({ down: { url: 'http://127.0.0.1:9/mcp' }, missing: { command: path.join(scratch, 'no-such-binary') } });
  await assert.rejects(mcp.list({ agentName: 'unit', servers: [{ server: 'nope' }], runId: 'run-1' }), (error: unknown) =>
    error instanceof ApplicationFailure && error.nonRetryable && /no MCP server "nope" in this worker's configuration \(it has: filesystem, down, missing\)/.test(error.message));
  await assert.rejects(mcp.list({ agentName: 'unit', servers: [{ server: 'down' }], runId: 'run-1' }), (error: unknown) =>
    error instanceof ApplicationFailure && !error.nonRetryable && error.type === 'McpServerUnavailable' && /MCP server "down" cannot be reached/.test(error.message));
  await assert.rejects(mcp.call(call('missing', 'x', {}), 1), (error: unknown) => error instanceof ApplicationFailure && !error.nonRetryable && /ENOENT/.test(error.message));
  const last = await mcp.call(call('missing', 'x', {}), 3);
  assert.equal(last.status, 'error');
  assert.match(text(last), /MCP server "missing" cannot be reached: .*ENOENT.*The call was not made\./);
});

test('Streamable HTTP: calls work; a killed server is an error result; a restarted one is reached again', async () => {
  const server = await HttpTestServer.start();
  const mcp = tools({ web: { url: server.url } });
  const listed = await mcp.list({ agentName: 'unit', servers: [{ server: 'web' }], runId: 'run-1' });
  assert.ok(listed.some((tool) => tool.name === 'echo'));
  assert.equal(text(await mcp.call(call('web', 'echo', { text: 'hi' }), 1)), 'echo: hi');
  const died = await mcp.call(call('web', 'exit', {}), 1);
  assert.equal(died.status, 'error');
  assert.match(text(died), /MCP server "web" stopped answering/);
  const restarted = await HttpTestServer.start({ port: server.port });
  try {
    assert.equal(text(await mcp.call(call('web', 'echo', { text: 'back' }), 1)), 'echo: back');
  } finally {
    await restarted.kill();
  }
});

test('idle connections are closed; the next use opens a new one', async () => {
  const mcp = tools({ test: stdioTestServer() }, 50);
  assert.equal(text(await mcp.call(call('test', 'echo', { text: 'one' }), 1)), 'echo: one');
  while (mcp.pool.size > 0) await sleep(20);
  assert.equal(text(await mcp.call(call('test', 'echo', { text: 'two' }), 1)), 'echo: two');
});

test('MCP result content: media is described, not carried', () => {
  const result = toolResultFromMcp('u', 'pic', { content: [{ type: 'image', mimeType: 'image/png', data: 'AAAA' }, { type: 'resource', resource: { uri: 'file:///a', text: 'inline' } }] });
  assert.deepEqual(result.content, [{ text: '[image image/png, 3 bytes, not shown]' }, { text: 'inline' }]);
  assert.equal(toolResultFromMcp('u', 'x', { content: [] }).content[0] && text(toolResultFromMcp('u', 'x', { content: [] })), '(the tool returned no content)');
});
