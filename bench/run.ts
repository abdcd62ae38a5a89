/**
 * `npm run bench -- [--size full|reduced] [--json] [--server-defaults] [--only perStep,resume]`
 *
 * Runs every benchmark side by side with its floor, in one run, against one Temporal server, and
 * prints a table of ours, floor, ratio and target — or, with --json, one JSON object (BenchReport)
 * on stdout. Progress goes to stderr. No threshold fails the run: targets are reported, not enforced.
 *
 * This is the launcher: the benchmarks run in bench/main.ts, in a child process whose stdout is
 * sent to stderr here (the Temporal dev server prints a banner on the stdout it inherits).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs, USAGE } from './options.js';
import { renderTable, type BenchReport } from './report.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

async function launch(): Promise<number> {
  const argv = process.argv.slice(2);
  let args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const child = fork(MAIN, argv, { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  child.stdout?.pipe(process.stderr);
  let report: BenchReport | undefined;
  child.on('message', (message: { type?: string; report?: BenchReport }) => {
    if (message.type === 'report') report = message.report;
  });
  // Ctrl-C reaches the child too (same process group); it stops its workers and its server.
  const code = await new Promise<number>((resolve) => child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
  if (code !== 0 || !report) {
    process.stderr.write(`bench failed (exit code ${code}${report ? '' : ', no report'})\n`);
    return code || 1;
  }
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : renderTable(report));
  return 0;
}

launch().then((code) => {
  process.exitCode = code;
});
