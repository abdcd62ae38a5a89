/**
 * One test environment per test file: a real Temporal dev server started here (or the server at
 * TEMPORAL_ADDRESS), the fake Bedrock server, the workflow bundle built once, and workers that
 * can be stopped and started again mid-run.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { AgentClient } from '../../src/sdk/agent-client.js';
import type { RunStatus } from '../../src/workflows/messages.js';
import type { SessionView } from '../../src/workflows/session-messages.js';
import { errorsOnlyLogger } from '../../src/temporal/quiet-logger.js';
import { withAgentBundling } from '../../src/temporal/bundle-options.js';
import { startDevServer, startTimeSkippingServer, type DevServerOptions } from '../../src/temporal/dev-server.js';
import { createAgentWorker, type AgentWorkerOptions } from '../../src/worker.js';
import { clientDataConverterFromEnv, FAILURE_CONVERTER_PATH, workerDataConverter } from '../../src/codec/data-converter.js';
import { encryptionKeysFromEnv } from '../../src/codec/keys.js';
import { exampleTools } from '../../src/agents/tools.js';
import { FakeBedrock, type RecordedRequest, type ScriptedReply } from './fake-bedrock.js';
import type { ModelChoice } from '../../src/agent/types.js';
import { createTestTools } from './test-tools.js';
import { approverFiles, type Person } from './approvers.js';
import { bound, signedFor } from './bound-answers.js';
import type { InterruptResponse } from '../../src/agent/interrupts.js';
import { assertEveryHistoryReplays, registerReplayBundle, withRunDeadline } from './run-checks.js';

/** The tests' client library: a run that does not finish fails the test within a deadline, naming why, instead of hanging it. */
class DeadlineAgentClient extends AgentClient {
  /** The runs started through it: replayed at the end where the server has no visibility to list them. */
  readonly started: string[] = [];

  override async start(...args: Parameters<AgentClient['start']>) {
    const run = await super.start(...args);
    this.started.push(run.workflowId);
    return run;
  }

  override result(workflowId: string) {
    return withRunDeadline(super.result(workflowId), this.client.workflow.getHandle(workflowId));
  }
}

/** Workers created in this process read the test approvers' public keys (see approvers.ts). */
function useTestApprovers(): void {
  process.env.AGENT_APPROVER_KEYS = approverFiles().approvers;
}

export const TEST_WORKFLOWS = fileURLToPath(new URL('./workflows.ts', import.meta.url));
export const BEDROCK_MODEL = { provider: 'bedrock', modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0' };

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The test workflow bundle, built once per process. */
export function testBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= registerReplayBundle(bundleWorkflowCode(withAgentBundling({ workflowsPath: TEST_WORKFLOWS, failureConverterPath: FAILURE_CONVERTER_PATH, logger: errorsOnlyLogger })));
  return bundle;
}


/** Reads until `done` holds, 50 ms apart, for at most 20 s (then fails, naming what it waited for). */
async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const value = await read();
    if (done(value)) return value;
    await sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

export class TestEnv {
  private static count = 0;
  readonly agents: DeadlineAgentClient;
  /** The client of tests and `agents`: it encrypts payloads when PAYLOAD_ENCRYPTION_KEY is set, like the workers. */
  readonly client: Client;
  readonly ledger: string;
  private readonly scratch = mkdtempSync(path.join(tmpdir(), 'hitl-test-'));
  private readonly workers = new Set<RunningWorker>();

  private constructor(
    readonly temporal: TestWorkflowEnvironment,
    readonly bedrock: FakeBedrock,
    readonly taskQueue: string,
    private readonly timeSkipping = false,
  ) {
    const dataConverter = clientDataConverterFromEnv();
    this.client = dataConverter ? new Client({ connection: temporal.connection, namespace: temporal.namespace ?? 'default', dataConverter }) : temporal.client;
    this.agents = new DeadlineAgentClient(this.client, this.taskQueue);
    this.ledger = path.join(this.scratch, 'ledger.jsonl');
  }

  /** `taskQueue` stays the same across a server restart (the runs in the database were started on it). */
  static async start(server: DevServerOptions = {}, taskQueue = `test-${process.pid}-${TestEnv.count++}`): Promise<TestEnv> {
    useTestApprovers();
    const [temporal, bedrock] = await Promise.all([
      process.env.TEMPORAL_ADDRESS
        ? TestWorkflowEnvironment.createFromExistingServer({ address: process.env.TEMPORAL_ADDRESS })
        : startDevServer(server),
      FakeBedrock.start(),
    ]);
    return new TestEnv(temporal, bedrock, taskQueue);
  }

  private models = 0;
  /** A Bedrock model choice of its own, scripted with `replies`: tests never consume each other's replies. */
  model(...replies: ScriptedReply[]): ModelChoice {
    const modelId = `${BEDROCK_MODEL.modelId}-t${this.models++}`;
    this.bedrock.scriptFor(modelId, ...replies);
    return { provider: 'bedrock', modelId };
  }

  /** A model that inspects `paths`, deletes them, then repeats what the delete tool said. */
  deletingModel(paths: string[]): ModelChoice {
    return this.model(
      { kind: 'toolUse', uses: [{ name: 'inspect_files', input: { paths } }] },
      { kind: 'toolUse', uses: [{ name: 'delete_files', input: { paths } }] },
      {
        kind: 'respond',
        fn: (request) => {
          const last = request.body.messages.at(-1).content[0].toolResult;
          return { kind: 'text', text: `tool said: ${last.status}: ${last.content[0].text}` };
        },
      },
    );
  }

  /** A Bedrock model choice of its own whose every reply `reply` computes from the request. */
  bedrockResponder(reply: (request: RecordedRequest) => ScriptedReply): ModelChoice {
    const modelId = `${BEDROCK_MODEL.modelId}-t${this.models++}`;
    this.bedrock.respondFor(modelId, reply);
    return { provider: 'bedrock', modelId };
  }

  /** The run ids a workflow id has had (more than one once it continued as new). */
  async runIds(workflowId: string): Promise<Set<string>> {
    const ids = new Set<string>();
    for await (const execution of this.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) ids.add(execution.runId);
    return ids;
  }

  /** Requests the fake Bedrock received for one model choice. */
  requestsFor(model: ModelChoice) {
    return this.bedrock.requests.filter((request) => request.modelId === model.modelId);
  }

  /** On the Java time-skipping test server: waits of days pass in milliseconds (the SDK skips time while a client awaits). */
  static async startTimeSkipping(taskQueue = `test-${process.pid}-${TestEnv.count++}`): Promise<TestEnv> {
    useTestApprovers();
    const [temporal, bedrock] = await Promise.all([startTimeSkippingServer(), FakeBedrock.start()]);
    return new TestEnv(temporal, bedrock, taskQueue, true);
  }

  /** The dev server's gRPC address, for the `temporal` CLI. */
  get address(): string {
    return (this.temporal.connection.options as { address: string }).address;
  }

  /** A fresh workspace folder holding the given files. */
  workspace(files: Record<string, string> = {}): string {
    const dir = mkdtempSync(path.join(this.scratch, 'ws-'));
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
    return dir;
  }

  /** Every env's scratch folder in this process: the in-process workers' workspace roots. */
  private static readonly workspaceRoots = new Set<string>();

  /** `options` adds to or replaces the test worker's own (a deployment version, other keys). */
  async startWorker(options: Partial<AgentWorkerOptions> = {}): Promise<RunningWorker> {
    // The worker reads its roots from AGENT_WORKSPACE_ROOTS when it is created; `workspace()` makes folders in scratch.
    TestEnv.workspaceRoots.add(this.scratch);
    process.env.AGENT_WORKSPACE_ROOTS = [...TestEnv.workspaceRoots].join(':');
    const worker = await createAgentWorker({
      connection: this.temporal.nativeConnection,
      namespace: this.temporal.namespace ?? 'default',
      taskQueue: this.taskQueue,
      workflowBundle: await testBundle(),
      tools: [...exampleTools, ...createTestTools(this.ledger)],
      bedrock: { endpoint: this.bedrock.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
      ...options,
    });
    const running = worker.run();
    const handle: RunningWorker = {
      worker,
      stop: async () => {
        this.workers.delete(handle);
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      },
    };
    this.workers.add(handle);
    return handle;
  }

  /** `answer`, bound to its question as the run shows it now (see bound-answers.ts). */
  bound(workflowId: string, answer: InterruptResponse): Promise<InterruptResponse> {
    return bound(this.agents, workflowId, answer);
  }

  /** `answer`, bound as the run shows its question now and signed by `person`. */
  signed(person: Person, workflowId: string, answer: Omit<InterruptResponse, 'respondedBy' | 'proof' | 'binding'>, now = new Date()): Promise<InterruptResponse> {
    return signedFor(person, this.agents, workflowId, answer, now);
  }

  /** The run's status once `count` interrupts wait (parallel tools raise theirs a moment apart). */
  async untilPending(workflowId: string, count: number): Promise<RunStatus> {
    return poll(() => this.agents.status(workflowId), (status) => status.pending.length >= count, `${count} pending interrupts in ${workflowId}`);
  }

  /** The session's view once it has taken in the end of its last run (reported by signal). */
  async settledSession(sessionId: string): Promise<SessionView> {
    return poll(() => this.agents.session(sessionId), (view) => view.active === undefined, `session ${sessionId} to settle`);
  }

  /** Stops every worker and starts a fresh one (empty workflow cache: runs continue by replay). */
  async restartWorkers(): Promise<RunningWorker> {
    await this.stopWorkers();
    return this.startWorker();
  }

  async stopWorkers(): Promise<void> {
    await Promise.all([...this.workers].map((worker) => worker.stop()));
  }

  /**
   * Stops the workers, then replays every history the tests made on this server with a fresh
   * worker (a nondeterminism fails the test file, naming the workflow), then stops the servers.
   */
  async teardown(): Promise<void> {
    await this.stopWorkers();
    try {
      const dataConverter = workerDataConverter(encryptionKeysFromEnv());
      // The time-skipping test server lists nothing: there, the runs started through `agents`.
      if (!process.env.TEMPORAL_ADDRESS) await assertEveryHistoryReplays(this.client, { dataConverter, ...(this.timeSkipping ? { workflowIds: this.agents.started } : {}) });
    } finally {
      await this.bedrock.close();
      await this.temporal.teardown();
    }
  }
}
