/** What every fault group shares: a killable server, the fake Bedrock, a ledger, and a way to start workers. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { AgentClient } from '../../src/sdk/agent-client.js';
import { errorsOnlyLogger } from '../../src/temporal/quiet-logger.js';
import { withAgentBundling } from '../../src/temporal/bundle-options.js';
import { FakeBedrock } from '../support/fake-bedrock.js';
import { TEST_WORKFLOWS } from '../support/env.js';
import { approverFiles } from '../support/approvers.js';
import { readLedger } from '../support/test-tools.js';
import { startServer, startWorkerProcess, type ServerProcess, type WorkerProcess } from './processes.js';
import { stablePort } from '../../src/temporal/ports.js';
import { registerReplayBundle } from '../support/run-checks.js';

export class FaultContext {
  readonly taskQueue = `faults-${process.pid}`;
  readonly ledger: string;
  private readonly workers = new Set<WorkerProcess>();

  private constructor(
    private server: ServerProcess,
    readonly connection: Connection,
    readonly bedrock: FakeBedrock,
    private readonly scratch: string,
    private readonly port: number,
  ) {
    this.ledger = path.join(scratch, 'ledger.jsonl');
  }

  static async start(): Promise<FaultContext> {
    const scratch = mkdtempSync(path.join(tmpdir(), 'hitl-faults-'));
    const [bundle, bedrock, port] = await Promise.all([bundleWorkflowCode(withAgentBundling({ workflowsPath: TEST_WORKFLOWS, logger: errorsOnlyLogger })), FakeBedrock.start(), stablePort()]);
    writeFileSync(path.join(scratch, 'workflows.js'), bundle.code);
    await registerReplayBundle(Promise.resolve(bundle));
    const server = await startServer(port, path.join(scratch, 'temporal.sqlite'));
    return new FaultContext(server, await Connection.connect({ address: server.address }), bedrock, scratch, port);
  }

  /** The prebuilt workflow bundle every worker process loads. */
  get bundlePath(): string {
    return path.join(this.scratch, 'workflows.js');
  }

  get address(): string {
    return this.server.address;
  }

  get client(): Client {
    return new Client({ connection: this.connection });
  }

  get agents(): AgentClient {
    return new AgentClient(this.client, this.taskQueue);
  }

  async startWorker(): Promise<WorkerProcess> {
    const worker = await startWorkerProcess({
      TEMPORAL_ADDRESS: this.server.address,
      FAULT_TASK_QUEUE: this.taskQueue,
      FAULT_BUNDLE: this.bundlePath,
      FAULT_LEDGER: this.ledger,
      BEDROCK_ENDPOINT: this.bedrock.endpoint,
      AGENT_APPROVER_KEYS: approverFiles().approvers,
      AGENT_WORKSPACE_ROOTS: this.scratch,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    this.workers.add(worker);
    return worker;
  }

  async killWorkers(): Promise<void> {
    await Promise.all([...this.workers].map((worker) => worker.kill()));
    this.workers.clear();
  }

  /** SIGKILLs the server and starts it again on the same port and database file. */
  async restartServer(): Promise<void> {
    await this.server.kill();
    this.server = await startServer(this.port, path.join(this.scratch, 'temporal.sqlite'));
  }

  /** Side effects per idempotency key, from the tools' ledger. */
  sideEffects(): { applied: Map<string, number>; attempts: number; labelsApplied: Set<string> } {
    const applied = new Map<string, number>();
    const labelsApplied = new Set<string>();
    let attempts = 0;
    for (const entry of readLedger(this.ledger)) {
      if (entry.tool !== 'apply_change') continue;
      if (entry.event === 'attempt') attempts += 1;
      if (entry.event === 'applied') {
        applied.set(entry.idempotencyKey, (applied.get(entry.idempotencyKey) ?? 0) + 1);
        labelsApplied.add(entry.label);
      }
    }
    return { applied, attempts, labelsApplied };
  }

  async close(): Promise<void> {
    await this.killWorkers();
    await this.connection.close().catch(() => undefined);
    await this.server.kill();
    await this.bedrock.close();
  }
}
