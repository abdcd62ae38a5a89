/**
 * Starting an ephemeral Temporal server (the CLI's dev server, or the Java
 * time-skipping test server) for tests and the demo.
 */
import { TestWorkflowEnvironment, type LocalTestWorkflowEnvironmentOptions } from '@temporalio/testing';
import { registerSearchAttributes } from '../sdk/search-attributes-setup.js';
import { AGENT_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { executableOption, type EphemeralExecutable } from './binaries.js';
import { ensureTemporalCli, ensureTestServer } from './installer.js';

type DevServerConfig = NonNullable<LocalTestWorkflowEnvironmentOptions['server']>;

/** A typed search attribute key, as made by `defineSearchAttributeKey(name, type)`. */
export type SearchAttributeKey = NonNullable<DevServerConfig['searchAttributes']>[number];

export interface DevServerOptions {
  /** Serve the web UI (default false; implied by `uiPort`). */
  ui?: boolean;
  /** UI port; defaults to `port + 1000` when `ui` is on. */
  uiPort?: number;
  /** gRPC port; a random free port by default. */
  port?: number;
  /** SQLite file to persist state in; in-memory by default. */
  dbFilename?: string;
  /** Namespace created at startup (default "default"). */
  namespace?: string;
  /** Extra `temporal server start-dev` arguments, e.g. `--dynamic-config-value K=V`. */
  extraArgs?: string[];
  /**
   * Search attributes registered at startup (`--search-attribute Name=Type`); default: the
   * agent search attributes (AGENT_SEARCH_ATTRIBUTES: the base four and the inbox's).
   */
  searchAttributes?: SearchAttributeKey[];
}

const STARTUP_TIMEOUT_TEXT = 'did not start within';

function isStartupTimeout(err: unknown): boolean {
  return err instanceof Error && err.message.includes(STARTUP_TIMEOUT_TEXT);
}

/**
 * Runs `start`, retrying once if the server did not come up in time.
 *
 * The SDK (sdk-core `EphemeralServer::start`) gives the server process only 5 s
 * (50 probes, 100 ms apart) to accept connections, then kills it and fails with
 * "ephemeral server at … did not start within 5s". On a slow or busy machine the
 * first start of a ~150 MB binary can exceed that (cold page cache, SQLite setup),
 * while a second start is then usually fast. The failed process has already been
 * killed and awaited, so one retry (same or new port) is safe.
 */
async function startWithRetry(
  what: string,
  executable: EphemeralExecutable,
  start: () => Promise<TestWorkflowEnvironment>,
): Promise<TestWorkflowEnvironment> {
  try {
    try {
      return await start();
    } catch (err) {
      if (!isStartupTimeout(err)) throw err;
      process.emitWarning(`${what} did not start within the SDK's 5 s limit; retrying once`);
      return await start();
    }
  } catch (err) {
    if (executable.type === 'cached-download' && err instanceof Error) {
      throw new Error(
        `${err.message} (no ${what} binary was found on PATH or in the tools folder, so the SDK tried to download one; ` +
          'install python3 with pip, or put the Temporal CLI on PATH)',
        { cause: err },
      );
    }
    throw err;
  }
}

/** Starts a Temporal CLI dev server (`temporal server start-dev`); call `teardown()` when done. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<TestWorkflowEnvironment> {
  const executable = executableOption(await ensureTemporalCli());
  const server: DevServerConfig = {
    executable,
    log: { format: 'pretty', level: 'warn' },
  };
  if (opts.ui !== undefined) server.ui = opts.ui;
  if (opts.uiPort !== undefined) server.uiPort = opts.uiPort;
  if (opts.port !== undefined) server.port = opts.port;
  if (opts.dbFilename !== undefined) server.dbFilename = opts.dbFilename;
  if (opts.namespace !== undefined) server.namespace = opts.namespace;
  if (opts.extraArgs !== undefined) server.extraArgs = [...opts.extraArgs];
  server.searchAttributes = [...(opts.searchAttributes ?? AGENT_SEARCH_ATTRIBUTES)];

  const env = await startWithRetry('temporal CLI', executable, () => TestWorkflowEnvironment.createLocal({ server }));
  // The CLI adds --search-attribute flags only when it creates the database; an existing file keeps what it had.
  if (opts.dbFilename !== undefined && opts.searchAttributes === undefined) {
    await registerSearchAttributes(env.client, env.namespace ?? 'default');
  }
  return env;
}

/** Starts the Java time-skipping test server; call `teardown()` when done. Not supported on ARM. */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  const executable = executableOption(await ensureTestServer());
  return startWithRetry('temporal-test-server', executable, () =>
    TestWorkflowEnvironment.createTimeSkipping({ server: { executable } }),
  );
}
