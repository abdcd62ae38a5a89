/**
 * How the agent workflow bundle is built: a production webpack build (unused exports dropped,
 * minified with class and function names kept) and a source map without the
 * sources' text. The worker evaluates the bundle's modules for every workflow it holds, so less
 * code there is less memory and less work per cached run; the SDK's default (a development build
 * with the full sources inlined) is about four times larger. The worker needs an inline source map
 * (it reads one from the bundle), and stack traces still point at the original files and lines.
 * `AGENT_WORKFLOW_BUNDLE=debug` keeps the SDK's default, for stepping through workflow code.
 */
import type { BundleOptions } from '@temporalio/worker';

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
export function leanBundleHook(userHook?: WebpackConfigHook): WebpackConfigHook {
  return (config) => (userHook ? userHook(lean(config)) : lean(config));
}
