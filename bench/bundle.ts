/**
 * 8. The workflow bundle: its code without the inline source map, as the agents plugin builds it,
 * against the floor's (bare workflows, the SDK's default build). In details: the same entry built
 * with the SDK's default (development, unminified), what each package weighs in that build, and
 * what the lean build would weigh without zod (zod replaced by an empty module: measured, not run).
 */
import { pathToFileURL } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { errorsOnlyLogger } from '../src/temporal/quiet-logger.js';
import { codeBytes } from '../src/temporal/bundle-size.js';
import { costRow, round, type BenchEnv, type BenchResult } from './harness.js';

const KB = 1024;

/** Bytes per package (or per source folder) in a development build, whose modules are marked `/***\/ "path":`. */
function weightByPackage(bundle: WorkflowBundleWithSourceMap): Record<string, number> {
  const weights = new Map<string, number>();
  const code = bundle.code.slice(0, bundle.code.lastIndexOf('//# sourceMappingURL=data:'));
  for (const part of code.split(/\n\/\*\*\*\/ "/).slice(1)) {
    const name = part.slice(0, part.indexOf('"'));
    const owner = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(name)?.[1] ?? name.replace(/^\.\//, '').split('/').slice(0, -1).join('/');
    weights.set(owner, (weights.get(owner) ?? 0) + Buffer.byteLength(part));
  }
  return Object.fromEntries([...weights].sort((a, b) => b[1] - a[1]).map(([owner, bytes]) => [owner, round(bytes / KB, 1)]));
}

export async function bundleBench(env: BenchEnv): Promise<BenchResult> {
  const workflowsPath = env.compiled.agentWorkflows;
  const { agentsPlugin } = (await import(pathToFileURL(env.compiled.plugin).href)) as typeof import('../src/plugin.js');
  const [sdkDefault, withoutZod] = await Promise.all([
    bundleWorkflowCode({ workflowsPath, logger: errorsOnlyLogger }),
    bundleWorkflowCode({
      workflowsPath,
      plugins: [agentsPlugin()],
      logger: errorsOnlyLogger,
      webpackConfigHook: (config) => ({ ...config, resolve: { ...config.resolve, alias: { ...(config.resolve?.alias as object), zod: false } } }),
    }),
  ]);
  const ours = codeBytes(env.bundles.agent) / KB;
  return {
    id: 'bundle',
    title: 'Workflow bundle: code without its inline source map (ours as the agents plugin builds it; the floor with the SDK default)',
    rows: [costRow('workflow bundle size', 'KB', ours, codeBytes(env.bundles.floor) / KB, { of: 'ours', max: 600 })],
    details: {
      oursKb: round(ours, 1),
      oursWithSourceMapKb: round(Buffer.byteLength(env.bundles.agent.code) / KB, 1),
      oursSdkDefaultBuildKb: round(codeBytes(sdkDefault) / KB, 1),
      oursWithoutZodKb: round(codeBytes(withoutZod) / KB, 1),
      zodSavesKb: round(ours - codeBytes(withoutZod) / KB, 1),
      kbByPackageInSdkDefaultBuild: weightByPackage(sdkDefault),
    },
  };
}
