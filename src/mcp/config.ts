/**
 * The worker's MCP servers, by the name agents use in `mcpServers: [{ server }]`. Connection
 * details live here, not in the agent: the agent is workflow code, the server is the worker's
 * business. A stdio server's args and cwd may depend on the run (`{ runId, workspaceFolder }`),
 * so the filesystem server can be jailed to the run's workspace folder.
 *
 * Sources, later ones overriding earlier ones by name: the built-in `filesystem` server, then
 * `AGENT_MCP_CONFIG` (a JSON file, or the JSON itself), then the worker's own option.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Where a run's calls happen: its workflow id and the folder beneath the worker's roots its file tools use. */
export interface RunPlace {
  runId: string;
  workspaceFolder: string;
}

/** A value, or a function of the run that gives it. */
export type PerRun<T> = T | ((run: RunPlace) => T);

export interface StdioServerConfig {
  command: string;
  args?: PerRun<string[]>;
  /** Added to the SDK's safe default environment (HOME, PATH, ...): the worker's secrets are not passed on. */
  env?: Record<string, string>;
  cwd?: PerRun<string>;
}

export interface HttpServerConfig {
  /** The server's Streamable HTTP endpoint, e.g. `http://localhost:3001/mcp`. */
  url: string;
  headers?: Record<string, string>;
}

export type McpServerConfig = StdioServerConfig | HttpServerConfig;
export type McpServers = Record<string, McpServerConfig>;

/** A server with everything per-run filled in: what a pooled connection is opened with (and keyed by). */
export type ResolvedServer =
  | { transport: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd?: string }
  | { transport: 'http'; url: string; headers: Record<string, string> };

export const MCP_CONFIG_ENV = 'AGENT_MCP_CONFIG';
export const FILESYSTEM_SERVER = 'filesystem';

export function isHttpServer(config: McpServerConfig): config is HttpServerConfig {
  return 'url' in config;
}

/** The official filesystem server, run with this Node (no npx, no network) on the run's workspace folder only. */
export function filesystemServer(): StdioServerConfig {
  const bin = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-filesystem/dist/index.js');
  return { command: process.execPath, args: (run) => [bin, run.workspaceFolder], cwd: (run) => run.workspaceFolder };
}

/** Built-in servers, then `AGENT_MCP_CONFIG`, then `own`. */
export function mcpServersFromConfig(own: McpServers = {}, env: NodeJS.ProcessEnv = process.env): McpServers {
  return { [FILESYSTEM_SERVER]: filesystemServer(), ...parseMcpConfig(env[MCP_CONFIG_ENV]), ...own };
}

/**
 * `AGENT_MCP_CONFIG`: a path to a JSON file, or the JSON itself. The shape is the common
 * `{"mcpServers": {"name": {"command", "args", "env", "cwd"} | {"url", "headers"}}}` (a bare map
 * of servers works too). `${workspace}` and `${runId}` in args and cwd are filled in per run.
 */
export function parseMcpConfig(value: string | undefined): McpServers {
  const text = value?.trim();
  if (!text) return {};
  const inline = text.startsWith('{') || text.startsWith('[');
  let raw: unknown;
  try {
    raw = JSON.parse(inline ? text : readFileSync(text, 'utf8'));
  } catch (error) {
    throw new Error(`${MCP_CONFIG_ENV}: ${inline ? 'not valid JSON' : `cannot read ${text}`} (${(error as Error).message})`);
  }
  const servers = isObject(raw) && isObject(raw.mcpServers) ? raw.mcpServers : raw;
  if (!isObject(servers)) throw new Error(`${MCP_CONFIG_ENV}: expected {"mcpServers": {"name": {...}}}`);
  return Object.fromEntries(Object.entries(servers).map(([name, entry]) => [name, serverFromJson(name, entry)]));
}

function serverFromJson(name: string, entry: unknown): McpServerConfig {
  const where = `${MCP_CONFIG_ENV}: server "${name}"`;
  if (!isObject(entry)) throw new Error(`${where} must be an object with "command" or "url"`);
  if (typeof entry.url === 'string') {
    checkUrl(where, entry.url);
    return { url: entry.url, ...(entry.headers !== undefined ? { headers: stringMap(where, 'headers', entry.headers) } : {}) };
  }
  if (typeof entry.command !== 'string' || entry.command.trim() === '') throw new Error(`${where} needs "command" (stdio) or "url" (Streamable HTTP)`);
  const args = entry.args === undefined ? [] : entry.args;
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) throw new Error(`${where}: "args" must be a list of strings`);
  if (entry.cwd !== undefined && typeof entry.cwd !== 'string') throw new Error(`${where}: "cwd" must be a string`);
  const cwd = entry.cwd;
  return {
    command: entry.command,
    args: args.some(hasPlaceholder) ? (run) => args.map((arg) => fillIn(arg, run)) : args,
    ...(entry.env !== undefined ? { env: stringMap(where, 'env', entry.env) } : {}),
    ...(cwd !== undefined ? { cwd: hasPlaceholder(cwd) ? (run: RunPlace) => fillIn(cwd, run) : cwd } : {}),
  };
}

/** The server as it is opened for this run. */
export function resolveServer(config: McpServerConfig, run: () => RunPlace): ResolvedServer {
  if (isHttpServer(config)) return { transport: 'http', url: config.url, headers: config.headers ?? {} };
  const cwd = perRun(config.cwd, run);
  return { transport: 'stdio', command: config.command, args: perRun(config.args, run) ?? [], env: config.env ?? {}, ...(cwd !== undefined ? { cwd } : {}) };
}

/** Whether opening the server needs the run's workspace folder (which is then created if missing). */
export function needsRunPlace(config: McpServerConfig): boolean {
  return !isHttpServer(config) && (typeof config.args === 'function' || typeof config.cwd === 'function');
}

function perRun<T>(value: PerRun<T> | undefined, run: () => RunPlace): T | undefined {
  return typeof value === 'function' ? (value as (run: RunPlace) => T)(run()) : value;
}

function hasPlaceholder(text: string): boolean {
  return text.includes('${workspace}') || text.includes('${runId}');
}

function fillIn(text: string, run: RunPlace): string {
  return text.replaceAll('${workspace}', run.workspaceFolder).replaceAll('${runId}', run.runId);
}

function checkUrl(where: string, url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${where}: "url" ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`${where}: "url" must be http: or https:`);
}

function stringMap(where: string, field: string, value: unknown): Record<string, string> {
  if (!isObject(value) || !Object.values(value).every((item) => typeof item === 'string')) throw new Error(`${where}: "${field}" must map names to strings`);
  return value as Record<string, string>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
