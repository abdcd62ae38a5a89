/**
 * A workflow bundle's size, said the same way everywhere (the CLI's progress line, the bench and
 * docs/benchmarks.md): the code the worker evaluates, apart from the inline source map it carries
 * for stack traces.
 */
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';

/** Bytes of code, without the inline source map. */
export function codeBytes(bundle: Pick<WorkflowBundleWithSourceMap, 'code'>): number {
  const map = bundle.code.lastIndexOf('//# sourceMappingURL=data:');
  return Buffer.byteLength(map > 0 ? bundle.code.slice(0, map) : bundle.code);
}

/** "327 KB of code (+ 512 KB source map)". */
export function bundleSizeText(bundle: Pick<WorkflowBundleWithSourceMap, 'code'>): string {
  const code = codeBytes(bundle);
  const map = Buffer.byteLength(bundle.code) - code;
  return `${Math.round(code / 1024)} KB of code${map > 0 ? ` (+ ${Math.round(map / 1024)} KB source map)` : ''}`;
}
