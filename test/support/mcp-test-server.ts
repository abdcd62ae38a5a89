/**
 * A small MCP server for tests, built with the official SDK, over stdio or Streamable HTTP:
 *
 *   node --import tsx mcp-test-server.ts stdio
 *   node --import tsx mcp-test-server.ts http [PORT]     (prints "listening <port>" when ready)
 *
 * `MCP_TEST_TOOLS` picks its tools: `basic` (default), `v2` (echo renamed echo2: a server whose
 * tools changed), `garbage-list` (answers tools/list with something that is not a tool list).
 * Every call is appended to `MCP_TEST_LOG` when set, so tests can count what ran.
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

const toolset = process.env.MCP_TEST_TOOLS ?? 'basic';
const [mode, port] = process.argv.slice(2);

function note(line: string): void {
  if (process.env.MCP_TEST_LOG) appendFileSync(process.env.MCP_TEST_LOG, `${line}\n`);
}

function build(): Server | McpServer {
  if (toolset === 'garbage-list') {
    const server = new Server({ name: 'mcp-test-garbage', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: 'not a list' }) as never);
    return server;
  }
  const server = new McpServer({ name: 'mcp-test', version: '1.0.0' });
  server.registerTool(toolset === 'v2' ? 'echo2' : 'echo', { description: 'Echoes the text.', inputSchema: { text: z.string() } }, async ({ text }) => {
    note(`echo ${text}`);
    return { content: [{ type: 'text', text: `echo: ${text}` }] };
  });
  server.registerTool(
    'add',
    { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() }, outputSchema: { sum: z.number() } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: JSON.stringify({ sum: a + b }) }], structuredContent: { sum: a + b } }),
  );
  server.registerTool('fail', { description: 'Reports an error.', inputSchema: { reason: z.string() } }, async ({ reason }) => ({
    content: [{ type: 'text', text: `cannot: ${reason}` }],
    isError: true,
  }));
  server.registerTool('exit', { description: 'The server process dies during the call.', inputSchema: {} }, async () => {
    note('exit');
    process.exit(3);
  });
  server.registerTool('huge', { description: 'Returns a text of the given size.', inputSchema: { bytes: z.number().int() } }, async ({ bytes }) => ({
    content: [{ type: 'text', text: 'x'.repeat(bytes) }],
  }));
  server.registerTool('garbage', { description: 'Answers with a result the protocol does not allow.', inputSchema: {} }, async (_input, extra) => {
    // Over stdio, past the SDK's own checks: a raw JSON-RPC answer whose content is not a list (and never a proper one).
    if (mode === 'stdio') {
      process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: extra.requestId, result: { content: 'not a list' } })}\n`);
      return new Promise<never>(() => undefined);
    }
    return { content: [{ type: 'no-such-type', what: 42 }] } as never;
  });
  return server;
}

if (mode === 'stdio') {
  await build().connect(new StdioServerTransport());
} else if (mode === 'http') {
  // Stateless Streamable HTTP: a fresh server and transport per request, as the SDK's example does.
  const http = createServer(async (request, response) => {
    if (request.url !== '/mcp') return void response.writeHead(404).end();
    const server = build();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    response.on('close', () => void transport.close().then(() => server.close()));
    await server.connect(transport);
    await transport.handleRequest(request, response);
  });
  http.listen(Number(port ?? 0), '127.0.0.1', () => process.stdout.write(`listening ${(http.address() as AddressInfo).port}\n`));
} else {
  process.stderr.write('usage: mcp-test-server.ts stdio | http [PORT]\n');
  process.exit(2);
}
