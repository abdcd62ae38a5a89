/** Test MCP servers as processes (stdio settings, or a Streamable HTTP server that can be killed), for the MCP tests and fault section. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StdioServerConfig } from '../../src/mcp/config.js';

export const MCP_TEST_SERVER = fileURLToPath(new URL('./mcp-test-server.ts', import.meta.url));

type Toolset = 'basic' | 'v2' | 'garbage-list';

/** The test server over stdio, as a worker's server configuration. */
export function stdioTestServer(toolset: Toolset = 'basic', log?: string): StdioServerConfig {
  return {
    command: process.execPath,
    args: ['--import', 'tsx', MCP_TEST_SERVER, 'stdio'],
    env: { MCP_TEST_TOOLS: toolset, ...(log ? { MCP_TEST_LOG: log } : {}) },
  };
}

export class HttpTestServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/mcp`;
  }

  /** Starts the server on `port` (0: any free port) and waits until it listens. */
  static async start(options: { port?: number; toolset?: Toolset; log?: string } = {}): Promise<HttpTestServer> {
    const child = spawn(process.execPath, ['--import', 'tsx', MCP_TEST_SERVER, 'http', String(options.port ?? 0)], {
      env: { ...process.env, MCP_TEST_TOOLS: options.toolset ?? 'basic', ...(options.log ? { MCP_TEST_LOG: options.log } : {}) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    for await (const chunk of child.stdout!) {
      output += String(chunk);
      const match = /listening (\d+)/.exec(output);
      if (match) return new HttpTestServer(child, Number(match[1]));
    }
    throw new Error(`the HTTP test MCP server did not start (exit ${child.exitCode})`);
  }

  /** Kills the process (SIGKILL) and waits until it is gone. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** The calls a test server logged (see MCP_TEST_LOG). */
export function loggedCalls(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}
