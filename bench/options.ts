/** The bench's command line and its two sizes. No Temporal imports: the launcher reads this too. */
export const BENCHMARK_IDS = ['perStep', 'perStepHttp', 'durability', 'resume', 'throughput', 'history', 'waits', 'bundle', 'parked', 'streaming', 'inbox', 'fleet'] as const;
export type BenchmarkId = (typeof BENCHMARK_IDS)[number];

export type Size = 'full' | 'reduced';

export const SIZES = {
  full: {
    perStep: { steps: 50, repeats: 5 },
    perStepHttp: { steps: 50, repeats: 5 },
    durability: { steps: 10, modelMs: 300, toolMs: 20, repeats: 3 },
    resume: { approvals: 200, stepsPerRun: 10 },
    parked: { runs: 10_000, maxCachedWorkflows: 100 },
    inbox: { runs: 10_000, answers: 1000, pageSize: 50, firstPageRepeats: 5, maxCachedWorkflows: 100 },
    fleet: { approvals: 200, concurrency: 20, repeats: 2 },
    throughput: { runs: 200, steps: 5, repeats: 2 },
    history: { lengths: [50, 100] },
    waits: { waits: 200, holdMs: 5000 },
    streaming: {
      ttftSamples: 20,
      // The model "thinks" 300 ms, then streams; only the first piece is timed.
      ttftAnswer: { chars: 400, pieces: 20, pieceMs: 12, firstMs: 300 },
      // ~1,000 tokens (4,000 characters) in 250 pieces over ~3 s.
      longAnswer: { chars: 4000, pieces: 250, pieceMs: 12, firstMs: 300 },
      crowd: 100,
    },
  },
  reduced: {
    perStep: { steps: 5, repeats: 2 },
    perStepHttp: { steps: 5, repeats: 2 },
    durability: { steps: 2, modelMs: 300, toolMs: 20, repeats: 1 },
    resume: { approvals: 10, stepsPerRun: 5 },
    parked: { runs: 30, maxCachedWorkflows: 10 },
    inbox: { runs: 60, answers: 20, pageSize: 20, firstPageRepeats: 3, maxCachedWorkflows: 10 },
    fleet: { approvals: 12, concurrency: 4, repeats: 1 },
    throughput: { runs: 20, steps: 5, repeats: 1 },
    history: { lengths: [5, 10] },
    waits: { waits: 20, holdMs: 1000 },
    streaming: {
      ttftSamples: 3,
      ttftAnswer: { chars: 400, pieces: 20, pieceMs: 12, firstMs: 300 },
      longAnswer: { chars: 4000, pieces: 40, pieceMs: 12, firstMs: 300 },
      crowd: 6,
    },
  },
} satisfies Record<Size, unknown>;

export interface BenchArgs {
  size: Size;
  json: boolean;
  /** Run the dev server with its default dynamic config (see DEV_SERVER_TUNING in harness.ts). */
  serverDefaults: boolean;
  only: BenchmarkId[];
  /** Overrides the size's number of parked runs (and, with `parkedCache`, their worker's cache). */
  parkedRuns?: number;
  parkedCache?: number;
}

export const USAGE = `usage: npm run bench -- [--size full|reduced] [--json] [--server-defaults] [--only ${BENCHMARK_IDS.join(',')}]
  --size full      the issue's sizes (default): 50 steps, 200 approvals, 10,000 parked runs, 100-step history, 200 waits, 100 streaming runs, an inbox of 10,000 waiting runs, 200 approvals on one and on two workers
  --size reduced   tiny sizes for CI (no thresholds are enforced either way)
  --json           one JSON object on stdout instead of the table (progress stays on stderr)
  --server-defaults  run the dev server with its default dynamic config (its transfer-queue throttle included)
  --only IDS       run only these benchmarks (comma-separated)
  --parked-runs N, --parked-cache N   parked runs and their worker's maxCachedWorkflows, instead of the size's
`;

export function parseArgs(argv: string[]): BenchArgs | 'help' {
  const args: BenchArgs = { size: 'full', json: false, serverDefaults: false, only: [...BENCHMARK_IDS] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--json') args.json = true;
    else if (arg === '--server-defaults') args.serverDefaults = true;
    else if (arg === '--size' || arg.startsWith('--size=')) {
      const size = value();
      if (size !== 'full' && size !== 'reduced') throw new Error(`--size is full or reduced, not "${size}"`);
      args.size = size;
    } else if (arg === '--only' || arg.startsWith('--only=')) {
      const ids = value()
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean);
      const unknown = ids.filter((id) => !(BENCHMARK_IDS as readonly string[]).includes(id));
      if (unknown.length > 0) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${BENCHMARK_IDS.join(', ')}`);
      args.only = ids as BenchmarkId[];
    } else if (arg === '--parked-runs' || arg.startsWith('--parked-runs=')) args.parkedRuns = positiveInteger(arg, value());
    else if (arg === '--parked-cache' || arg.startsWith('--parked-cache=')) args.parkedCache = positiveInteger(arg, value());
    else if (arg === '--help' || arg === '-h') return 'help';
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return args;
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag.split('=')[0]} takes a positive integer, not "${text}"`);
  return value;
}
