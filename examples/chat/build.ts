/**
 * Builds the page (page/main.tsx: React and `@ai-sdk/react`'s useChat) with esbuild into `outdir`:
 * `index.html` and one minified `app.js`. About a second.
 *
 *   npx tsx examples/chat/build.ts [outdir]      # default examples/chat/dist
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const PAGE = fileURLToPath(new URL('./page/', import.meta.url));
export const DEFAULT_OUTDIR = fileURLToPath(new URL('./dist/', import.meta.url));

/** Builds the page into `outdir`; returns the files written. */
export async function buildChatPage(outdir: string = DEFAULT_OUTDIR): Promise<string[]> {
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: [path.join(PAGE, 'main.tsx')],
    outfile: path.join(outdir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    jsx: 'automatic',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
    metafile: true,
  });
  copyFileSync(path.join(PAGE, 'index.html'), path.join(outdir, 'index.html'));
  return [path.join(outdir, 'index.html'), ...Object.keys(result.metafile.outputs).map((file) => path.resolve(file))];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const files = await buildChatPage(process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_OUTDIR);
  console.log(`built ${files.join(', ')}`);
}
