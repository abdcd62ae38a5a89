/** The demo's sample files and prompt (no Temporal imports: the test and `--help` load it cheaply). */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from './errors.js';

/** The default workspace of `start` / `run`; the demo makes `demo-<timestamp>` inside it. */
export const DEFAULT_WORKSPACE = './workspace';

export const DEMO_AGENTS = ['file-approval', 'smart-delete', 'trusted-files'] as const;

export const DEMO_FILES: Record<string, string> = {
  'old_report.txt': 'Quarterly report, Q3 2023. Superseded by the Q4 report.\n',
  'temp_data.csv': 'id,value\n1,42\n2,17\n',
  'backup_2023.zip': 'not really a zip: a small text file standing in for an old backup\n',
};

export const DEMO_PROMPT = "Please delete these old files: ['old_report.txt', 'temp_data.csv', 'backup_2023.zip']";

/** Seed pattern 3 in two runs of one session: answer "t" to the first, and the second does not ask. */
export const TRUST_DEMO_PROMPTS = ['Please delete old_report.txt', 'Now delete temp_data.csv and backup_2023.zip'];

/** `./workspace/demo-<timestamp>` holding the sample files. */
export function createDemoWorkspace(root = DEFAULT_WORKSPACE): string {
  const base = path.resolve(root, `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(path.dirname(base), { recursive: true });
  let dir = base;
  for (let n = 2; ; n++) {
    try {
      mkdirSync(dir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new CliError(`cannot create ${dir}: ${(error as Error).message}`);
      dir = `${base}-${n}`;
    }
  }
  for (const [name, content] of Object.entries(DEMO_FILES)) writeFileSync(path.join(dir, name), content);
  return dir;
}
