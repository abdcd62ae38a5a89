/**
 * `hitl init`: adds a runnable agent to the project in this folder (one that has installed
 * durable-hitl-agents): the agent and its tool behind an approval, a worker, a start script, a
 * test and a scripted model file (init-templates.ts); `worker`, `start` and `test` scripts,
 * `"type": "module"` and the packages the files import, merged into the project's package.json;
 * a tsconfig.json when there is none. It overwrites nothing without --force: a file that exists
 * stops it before it writes anything, naming the file; a script of the project's own is kept.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CliError } from './errors.js';
import { AGENT_FILES, INIT_AGENT, INIT_LOG_FILE, INIT_SCRIPT_FILE, INIT_SCRIPTS, INIT_TASK_QUEUE, SETUP_FILES } from './init-templates.js';
import { outputFor, type JsonFlag } from './output.js';

export interface InitFlags extends JsonFlag {
  /** Overwrite files and scripts that exist. */
  force?: boolean;
  /** The project's folder (default: the current one). */
  dir?: string;
}

interface Manifest {
  name?: string;
  version?: string;
  type?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** This package's own manifest (one folder above src/ and dist/): its name, version and the versions it pins. */
const OWN = createRequire(import.meta.url)('../../package.json') as Manifest;

/** What the generated files import, at the versions this package is built and tested with. */
function pinned(name: string): string {
  const version = OWN.dependencies?.[name] ?? OWN.devDependencies?.[name];
  if (!version) throw new Error(`durable-hitl-agents' package.json pins no version of ${name}`);
  return version;
}

const DEPENDENCIES = ['@temporalio/worker', 'zod'];
const DEV_DEPENDENCIES = ['typescript', '@types/node'];

/** `npm init`'s placeholder test script, replaced without asking. */
const NPM_PLACEHOLDER = /^echo "Error: no test specified" && exit 1$/;

export interface InitReport {
  dir: string;
  created: string[];
  kept: string[];
  packageJson: { added: string[]; keptScripts: string[] };
  next: string[];
}

export function initProject(flags: Pick<InitFlags, 'force' | 'dir'> = {}): InitReport {
  const dir = path.resolve(flags.dir ?? process.cwd());
  const manifestFile = path.join(dir, 'package.json');
  if (!existsSync(manifestFile)) {
    throw new CliError(`no package.json in ${dir}: run hitl init in your project's folder (new project: npm init -y && npm install durable-hitl-agents)`);
  }
  const manifestText = readFileSync(manifestFile, 'utf8');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(manifestText) as Manifest;
  } catch (error) {
    throw new CliError(`package.json is not JSON: ${(error as Error).message}`);
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw new CliError('package.json does not hold a JSON object');

  // Everything is checked before anything is written.
  const existing = AGENT_FILES.filter((file) => existsSync(path.join(dir, file.path))).map((file) => file.path);
  if (existing.length > 0 && !flags.force) {
    throw new CliError(`${existing.join(', ')} ${existing.length === 1 ? 'exists' : 'exist'} already; hitl init wrote nothing (hitl init --force overwrites ${existing.length === 1 ? 'it' : 'them'})`);
  }
  // `npm init -y` writes "type": "commonjs": switching costs nothing while the project has no JavaScript of its own.
  const scripts = commonJsFiles(dir);
  if (manifest.type !== undefined && manifest.type !== 'module' && scripts.length > 0 && !flags.force) {
    throw new CliError(
      `package.json says "type": ${JSON.stringify(manifest.type)} and the project has JavaScript files (${scripts.slice(0, 3).join(', ')}) that "type": "module" would change; ` +
        'the files hitl init writes are ES modules, so it wrote nothing (hitl init --force sets "type": "module")',
    );
  }

  const created: string[] = [];
  const kept: string[] = [];
  for (const file of [...AGENT_FILES, ...SETUP_FILES]) {
    const target = path.join(dir, file.path);
    if (SETUP_FILES.includes(file) && existsSync(target)) {
      kept.push(file.path);
      continue;
    }
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.text);
    created.push(file.path);
  }

  const added: string[] = [];
  const keptScripts: string[] = [];
  if (manifest.type !== 'module') {
    added.push(manifest.type === undefined ? '"type": "module"' : `"type": "module" (was ${JSON.stringify(manifest.type)})`);
    manifest.type = 'module';
  }
  const ours = (manifest.scripts ??= {});
  for (const [name, command] of Object.entries(INIT_SCRIPTS)) {
    const theirs = ours[name];
    if (theirs === command) continue;
    if (theirs !== undefined && !NPM_PLACEHOLDER.test(theirs) && !flags.force) {
      keptScripts.push(name);
      continue;
    }
    ours[name] = command;
    added.push(`script ${name}`);
  }
  const has = (name: string) => manifest.dependencies?.[name] !== undefined || manifest.devDependencies?.[name] !== undefined;
  if (!has(OWN.name ?? 'durable-hitl-agents')) {
    (manifest.dependencies ??= {})[OWN.name ?? 'durable-hitl-agents'] = `^${OWN.version ?? '0.1.0'}`;
    added.push(`${OWN.name} ^${OWN.version}`);
  }
  for (const [group, names] of [
    ['dependencies', DEPENDENCIES],
    ['devDependencies', DEV_DEPENDENCIES],
  ] as const) {
    for (const name of names) {
      if (has(name)) continue;
      (manifest[group] ??= {})[name] = pinned(name);
      added.push(`${name} ${pinned(name)}`);
    }
  }
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, indentOf(manifestText))}\n`);

  return { dir, created, kept, packageJson: { added, keptScripts }, next: nextSteps(keptScripts) };
}

/** `.js` files of the project's own (top level and src/) whose meaning "type": "module" would change. */
function commonJsFiles(dir: string): string[] {
  const jsIn = (folder: string) => {
    try {
      return readdirSync(path.join(dir, folder), { withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
        .map((entry) => path.join(folder, entry.name));
    } catch {
      return [];
    }
  };
  return [...jsIn('.'), ...jsIn('src')].map((file) => path.normalize(file));
}

/** The indentation package.json had (npm writes two spaces). */
function indentOf(text: string): string | number {
  const match = /^\{\s*\n([ \t]+)"/.exec(text);
  return match?.[1] ?? 2;
}

function nextSteps(keptScripts: string[]): string[] {
  const script = (name: string, run: string) => (keptScripts.includes(name) ? `npx tsc && ${INIT_SCRIPTS[name]!.replace(/^tsc && /, '')}` : run);
  return [
    'npm install',
    script('test', 'npm test'),
    'npx hitl dev',
    script('worker', 'npm run worker'),
    script('start', 'npm start'),
    'npx hitl approve RUN',
  ];
}

export async function initCommand(flags: InitFlags): Promise<void> {
  const out = outputFor(flags);
  const report = initProject(flags);
  const where = (file: string) => path.relative(process.cwd(), path.join(report.dir, file)) || file;
  const what = new Map([...AGENT_FILES, ...SETUP_FILES].map((file) => [file.path, file.what]));
  const [install, test, dev, worker, start, approve] = report.next;
  out.emit(report, [
    `hitl init: added the ${INIT_AGENT} agent (one tool, issue_refund, behind an approval)`,
    ...report.created.map((file) => `  created ${where(file).padEnd(22)} ${what.get(file)}`),
    ...report.kept.map((file) => `  kept    ${where(file).padEnd(22)} yours${file === 'tsconfig.json' ? ': the scripts compile src/ with it, and need "module": "NodeNext" and "outDir": "dist"' : ''}`),
    `  updated ${'package.json'.padEnd(22)} ${report.packageJson.added.length > 0 ? report.packageJson.added.join(', ') : 'nothing to add'}`,
    ...report.packageJson.keptScripts.map((name) => `  kept    your "${name}" script (hitl init --force replaces it); run ours as: ${INIT_SCRIPTS[name]}`),
    '',
    'Next:',
    `  ${install!.padEnd(28)} # TypeScript and the packages the files import`,
    `  ${test!.padEnd(28)} # the approval flow, offline, on a Temporal dev server of its own`,
    `  ${dev!.padEnd(28)} # in another terminal: a Temporal dev server on localhost:7233, Web UI on :8233 (or set TEMPORAL_ADDRESS)`,
    `  ${worker!.padEnd(28)} # in another terminal: your worker (task queue ${INIT_TASK_QUEUE})`,
    `  ${start!.padEnd(28)} # starts a run on the scripted model (${INIT_SCRIPT_FILE}): prints its id and what it waits for`,
    `  ${approve!.padEnd(28)} # approve it; ${INIT_LOG_FILE} gets one line`,
    '',
    `The CLI starts runs too: AGENT_TASK_QUEUE=${INIT_TASK_QUEUE} npx hitl run --agent ${INIT_AGENT} --model scripted:${INIT_SCRIPT_FILE} "Refund order A-1"`,
  ]);
}
