/** The bench's result as machines read it (`--json`), and as people read it (the table). */
import type { Size } from './options.js';

export interface Target {
  /** What the target bounds: the ratio, or ours in absolute terms. */
  of: 'ratio' | 'ours';
  max: number;
}

export interface Row {
  metric: string;
  unit: string;
  ours: number;
  floor?: number;
  /** Ours relative to the floor, > 1 meaning ours costs more (slower, bigger, fewer per second). */
  ratio?: number;
  target?: Target;
  /** Whether the target was met (only when there is a target). */
  met?: boolean;
}

export interface BenchResult {
  id: string;
  title: string;
  rows: Row[];
  /** Raw and supporting numbers (samples, configuration, counts). */
  details: Record<string, unknown>;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  platform: string;
  temporalCli?: string;
  /** 1-minute load average when the bench started and when it ended (other work on the machine skews the numbers). */
  loadAverage?: { start: number; end: number };
}

export interface BenchReport {
  size: Size;
  machine: MachineInfo;
  server: string;
  startedAt: string;
  totalMs: number;
  benchmarks: Record<string, BenchResult>;
}

function formatNumber(value: number | undefined): string {
  if (value === undefined) return '-';
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatTarget(row: Row): string {
  if (!row.target) return '-';
  return row.target.of === 'ratio' ? `ratio <= ${row.target.max}` : `<= ${row.target.max} ${row.unit}`;
}

export function renderTable(report: BenchReport): string {
  const { machine } = report;
  const results = Object.values(report.benchmarks);
  const header = ['benchmark', 'metric', 'unit', 'ours', 'floor', 'ratio', 'target', 'met'];
  const lines: string[][] = [];
  for (const result of results) {
    for (const row of result.rows) {
      lines.push([
        result.id,
        row.metric,
        row.unit,
        formatNumber(row.ours),
        formatNumber(row.floor),
        row.ratio !== undefined ? row.ratio.toFixed(2) : '-',
        formatTarget(row),
        row.met === undefined ? '' : row.met ? 'yes' : 'NO',
      ]);
    }
  }
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const numeric = new Set([3, 4, 5]);
  const render = (cells: string[]) =>
    cells.map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd();
  const out = [
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB RAM, node ${machine.node}, ${machine.platform}`,
    `server: ${report.server}${machine.temporalCli ? `, ${machine.temporalCli}` : ''}`,
    `size: ${report.size}; started ${report.startedAt}; took ${(report.totalMs / 1000).toFixed(0)} s${
      machine.loadAverage ? `; 1-min load average ${machine.loadAverage.start.toFixed(2)} at start, ${machine.loadAverage.end.toFixed(2)} at end` : ''
    }`,
    'ratio = ours / floor (for rates: floor / ours), so above 1 means ours costs more',
    '',
    render(header),
    render(widths.map((width) => '-'.repeat(width))),
    ...lines.map(render),
    '',
    ...results.map((result) => `${result.id}: ${result.title}`),
  ];
  return `${out.join('\n')}\n`;
}
