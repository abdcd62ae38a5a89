/**
 * The bench's workers run compiled JS, as users run theirs: `tsc` emits all of src/ and the bench's
 * worker-side files (the worker process, the bundle entries and what they import) into
 * node_modules/.cache/hitl-bench/js, as `npm run build` emits dist/ (a folder of its own, so that
 * a build running beside the bench is not disturbed). Types are not checked here (`npm run
 * typecheck` does that): `--noCheck` only emits.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = path.join(ROOT, 'node_modules', '.cache', 'hitl-bench', 'js');

export interface CompiledBench {
  workerProcess: string;
  agentWorkflows: string;
  floorWorkflows: string;
  /** The compiled agents plugin: its bundle shares the compiled workflow modules the bench's workflows import. */
  plugin: string;
}

export function compileBench(): CompiledBench {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'bench', 'tsconfig.json'), '--noCheck'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  // Under node_modules, Node finds no package scope: say that these files are ES modules.
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, 'package.json'), '{ "type": "module" }\n');
  return {
    workerProcess: path.join(OUT, 'bench', 'worker-process.js'),
    agentWorkflows: path.join(OUT, 'bench', 'workflows.js'),
    floorWorkflows: path.join(OUT, 'bench', 'floor-workflows.js'),
    plugin: path.join(OUT, 'src', 'plugin.js'),
  };
}
