/**
 * How the agent workflow bundle is built and loaded. The workflow API (`entries/workflow`: the
 * agent loop, the workflows, zod, the signature checks) is preloaded: the worker evaluates it once
 * per worker thread and every run shares it (the SDK's `preloadModules`; its exports are frozen).
 * Without it, every run the worker holds or replays evaluates all of it again, which was most of
 * the cost of re-creating an evicted run and of its memory. It keeps no state between runs (no
 * module-level mutable state: keep it so). The modules that import it (your agents) are still
 * evaluated per run, as Temporal does by default.
 *
 * The bundle itself: a production webpack build (unused exports dropped,
 * minified with class and function names kept) and a source map without the
 * sources' text. The worker evaluates the bundle's modules for every workflow it holds, so less
 * code there is less memory and less work per cached run; the SDK's default (a development build
 * with the full sources inlined) is about four times larger. The worker needs an inline source map
 * (it reads one from the bundle), and stack traces still point at the original files and lines.
 * `AGENT_WORKFLOW_BUNDLE=debug` keeps the SDK's default, for stepping through workflow code.
 */
import type { BundleOptions, WorkerOptions } from '@temporalio/worker';
import { ownModule } from './workflow-entry.js';

type WorkerBundlerOptions = NonNullable<WorkerOptions['bundlerOptions']>;
type WebpackConfigHook = NonNullable<BundleOptions['webpackConfigHook']>;
type WebpackConfig = Parameters<WebpackConfigHook>[0];

function lean(config: WebpackConfig): WebpackConfig {
  if (process.env['AGENT_WORKFLOW_BUNDLE'] === 'debug') return config;
  return {
    ...config,
    mode: 'production',
    devtool: 'inline-nosources-source-map',
    optimization: {
      ...config.optimization,
      minimize: true,
      // Modules stay apart, so functions keep their own names (concatenation renames clashing ones).
      concatenateModules: false,
      // Kept names keep error names and stack traces readable; they cost a few percent of the size.
      minimizeOptions: { javascript: { keep_classnames: true, keep_fnames: true } },
    } as WebpackConfig['optimization'],
  };
}

/** The agents' webpack settings, then the user's own hook (which has the last word). */
function leanBundleHook(userHook?: WebpackConfigHook): WebpackConfigHook {
  return (config) => (userHook ? userHook(lean(config)) : lean(config));
}

const WORKFLOW_API = ownModule(import.meta.url, '../entries/workflow');

/** Bundler options with the agents' settings added: for workers, replayers and `bundleWorkflowCode`. */
export function withAgentBundling(options: BundleOptions): BundleOptions;
export function withAgentBundling(options: WorkerBundlerOptions): WorkerBundlerOptions;
export function withAgentBundling(options: WorkerBundlerOptions): WorkerBundlerOptions {
  return { ...options, webpackConfigHook: leanBundleHook(options.webpackConfigHook), preloadModules: [...(options.preloadModules ?? []), WORKFLOW_API] };
}
