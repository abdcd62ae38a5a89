/**
 * `versions`: the builds of a Worker Deployment, which one new runs start on, what runs on each
 * and how many of those wait for a person; `versions set-current BUILD` promotes a build;
 * `versions retire BUILD` deletes a drained build's version and is refused while runs are pinned
 * to it (they would have no worker to finish on).
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { escapeInline } from '../agent/escape.js';
import { withAgents, taskQueue } from './connect.js';
import { CliError } from './errors.js';
import { outputFor, type JsonFlag } from './output.js';

export interface VersionView {
  buildId: string;
  /** current (new runs start here), ramping, draining (pinned runs left), drained, inactive. */
  status: string;
  createdAt?: string;
  /** Open runs pinned to this build, and how many of them wait for a person. */
  running: number;
  waiting: number;
  /** A few of those runs, oldest first. */
  runs: string[];
}

export interface DeploymentView {
  deployment: string;
  current?: string;
  ramping?: string;
  versions: VersionView[];
}

const SHOWN_RUNS = 10;

function deploymentName(flags: { deployment?: string }): string {
  return flags.deployment ?? (process.env.AGENT_DEPLOYMENT_NAME || taskQueue());
}

/** `name:build` as Temporal's search attribute `TemporalWorkerDeploymentVersion` holds it. */
function versionQuery(deployment: string, buildId: string): string {
  return `TemporalWorkerDeploymentVersion = ${JSON.stringify(`${deployment}:${buildId}`)} AND ExecutionStatus = "Running"`;
}

async function runsOn(client: Client, deployment: string, buildId: string): Promise<Pick<VersionView, 'running' | 'waiting' | 'runs'>> {
  const query = versionQuery(deployment, buildId);
  const running = (await client.workflow.count(query)).count;
  // AgentStatus exists once `setup` (or the dev server's registration) ran; without it nobody is counted as waiting.
  const waiting = await client.workflow.count(`${query} AND AgentStatus = "waiting"`).then(
    (result) => result.count,
    () => 0,
  );
  const runs: string[] = [];
  for await (const run of client.workflow.list({ query, pageSize: SHOWN_RUNS })) {
    runs.push(run.workflowId);
    if (runs.length >= SHOWN_RUNS) break;
  }
  return { running, waiting, runs };
}

const STATUS = /^WORKER_DEPLOYMENT_VERSION_STATUS_/;

function statusName(status: unknown): string {
  // The enum arrives as a number from protobufjs; its name is in the proto's enum table.
  return String(status).replace(STATUS, '').toLowerCase();
}

export async function describeDeployment(client: Client, deployment: string): Promise<DeploymentView> {
  const names = proto.temporal.api.enums.v1.WorkerDeploymentVersionStatus;
  let info;
  try {
    ({ workerDeploymentInfo: info } = await client.workflowService.describeWorkerDeployment({ namespace: client.options.namespace, deploymentName: deployment }));
  } catch (error) {
    if ((error as { code?: number }).code === 5) throw new CliError(`no worker deployment "${deployment}" in namespace ${client.options.namespace}: no versioned worker has polled yet`);
    throw error;
  }
  const routing = info?.routingConfig;
  const versions: VersionView[] = [];
  for (const summary of info?.versionSummaries ?? []) {
    const buildId = summary.deploymentVersion?.buildId ?? '';
    versions.push({
      buildId,
      status: statusName(names[summary.status as number] ?? summary.status),
      ...(summary.createTime?.seconds != null ? { createdAt: new Date(Number(summary.createTime.seconds) * 1000).toISOString() } : {}),
      ...(await runsOn(client, deployment, buildId)),
    });
  }
  versions.sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
  const current = routing?.currentDeploymentVersion?.buildId || undefined;
  const ramping = routing?.rampingDeploymentVersion?.buildId || undefined;
  return { deployment, ...(current ? { current } : {}), ...(ramping ? { ramping } : {}), versions };
}

/** Makes `buildId` the version new runs start on. Its workers must have polled already (retried for a while). */
export async function setCurrentVersion(client: Client, deployment: string, buildId: string, attempts = 40): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.workflowService.setWorkerDeploymentCurrentVersion({ namespace: client.options.namespace, deploymentName: deployment, buildId, identity: 'hitl versions' });
      return;
    } catch (error) {
      // NotFound: the version's first poll has not reached the server yet.
      if ((error as { code?: number }).code !== 5 || attempt >= attempts) throw new CliError(`could not make ${buildId} current in ${deployment}: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Why `buildId` may not be retired yet, or undefined when it may. */
export function retireProblem(view: DeploymentView, buildId: string): string | undefined {
  const version = view.versions.find((candidate) => candidate.buildId === buildId);
  if (!version) return `no version ${buildId} in deployment ${view.deployment} (it has: ${view.versions.map((v) => v.buildId).join(', ') || 'none'})`;
  if (view.current === buildId) return `${buildId} is the current version: make another build current first (versions set-current BUILD)`;
  if (view.ramping === buildId) return `${buildId} is ramping: stop the ramp first`;
  if (version.running > 0) {
    return `${version.running} run${version.running === 1 ? ' is' : 's are'} pinned to ${buildId} (${version.waiting} waiting for a person): answer or cancel ${version.running === 1 ? 'it' : 'them'} first, and keep its workers running until then (${version.runs.slice(0, 3).join(', ')}${version.running > 3 ? ', ...' : ''})`;
  }
  return undefined;
}

export interface VersionsFlags extends JsonFlag {
  deployment?: string;
}

export async function versionsCommand(flags: VersionsFlags): Promise<void> {
  const view = await withAgents((agents) => describeDeployment(agents.client, deploymentName(flags)));
  outputFor(flags).emit(view, () => formatDeployment(view));
}

export async function setCurrentCommand(buildId: string, flags: VersionsFlags): Promise<void> {
  const deployment = deploymentName(flags);
  await withAgents((agents) => setCurrentVersion(agents.client, deployment, buildId, 1));
  outputFor(flags).emit({ deployment, current: buildId }, `${buildId} is now the current version of ${deployment}: new runs start on it; runs pinned to other builds finish there`);
}

export async function retireCommand(buildId: string, flags: VersionsFlags): Promise<void> {
  const deployment = deploymentName(flags);
  await withAgents(async (agents) => {
    const problem = retireProblem(await describeDeployment(agents.client, deployment), buildId);
    if (problem) throw new CliError(`not retiring ${buildId}: ${problem}`);
    try {
      await agents.client.workflowService.deleteWorkerDeploymentVersion({
        namespace: agents.client.options.namespace,
        deploymentVersion: { deploymentName: deployment, buildId },
      });
    } catch (error) {
      throw new CliError(`the server refused to retire ${buildId}: ${(error as { details?: string }).details || (error as Error).message} (stop its workers first; the server also waits until it has seen the version drained)`);
    }
  });
  outputFor(flags).emit({ deployment, retired: buildId }, `retired ${buildId} of ${deployment}: stop its workers if any still run`);
}

export function formatDeployment(view: DeploymentView): string[] {
  const lines = [`deployment ${escapeInline(view.deployment)}: new runs start on ${view.current ? escapeInline(view.current) : 'no version (none is current)'}${view.ramping ? `, ramping to ${escapeInline(view.ramping)}` : ''}`];
  for (const version of view.versions) {
    lines.push(
      `  ${escapeInline(version.buildId).padEnd(16)} ${version.status.padEnd(9)} ${String(version.running).padStart(4)} running, ${String(version.waiting).padStart(4)} waiting for a person` +
        (version.runs.length > 0 ? `  ${version.runs.slice(0, 3).map(escapeInline).join(', ')}${version.running > 3 ? ', ...' : ''}` : ''),
    );
  }
  return lines;
}
