/**
 * The fault suite's bookkeeping: every case passes or fails with a reason, and the suite counts
 * the two numbers that must stay at zero: lost runs and duplicated side effects.
 */
export interface CaseResult {
  group: string;
  name: string;
  passed: boolean;
  detail: string;
}

export interface Tally {
  lostRuns: number;
  duplicatedSideEffects: number;
  deniedButApplied: number;
}

export class FaultReport {
  readonly cases: CaseResult[] = [];
  readonly tally: Tally = { lostRuns: 0, duplicatedSideEffects: 0, deniedButApplied: 0 };

  /** Runs one case; an exception is a failure with its message, never a crash of the suite. */
  async check(group: string, name: string, body: () => Promise<string | void>): Promise<void> {
    const started = Date.now();
    try {
      const detail = (await body()) ?? 'ok';
      this.cases.push({ group, name, passed: true, detail });
      log(`  ok    ${group}: ${name} (${Date.now() - started} ms) ${detail === 'ok' ? '' : `— ${detail}`}`);
    } catch (error) {
      const detail = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      this.cases.push({ group, name, passed: false, detail });
      log(`  FAIL  ${group}: ${name} — ${detail}`);
    }
  }

  add(counts: Partial<Tally>): void {
    for (const [key, value] of Object.entries(counts) as Array<[keyof Tally, number]>) this.tally[key] += value;
  }

  print(): void {
    const groups = [...new Set(this.cases.map((c) => c.group))];
    log('');
    log('group                       cases  passed  failed');
    for (const group of groups) {
      const cases = this.cases.filter((c) => c.group === group);
      const passed = cases.filter((c) => c.passed).length;
      log(`${group.padEnd(28)}${String(cases.length).padStart(5)}${String(passed).padStart(8)}${String(cases.length - passed).padStart(8)}`);
    }
    log('');
    log(`lost runs: ${this.tally.lostRuns} (must be 0)`);
    log(`duplicated side effects: ${this.tally.duplicatedSideEffects} (must be 0)`);
    log(`denied calls applied: ${this.tally.deniedButApplied} (must be 0)`);
    const passed = this.cases.filter((c) => c.passed).length;
    log(`${passed} passed, ${this.cases.length - passed} failed`);
  }

  get ok(): boolean {
    const t = this.tally;
    return this.cases.every((c) => c.passed) && t.lostRuns === 0 && t.duplicatedSideEffects === 0 && t.deniedButApplied === 0;
  }
}

export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function assertThat(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}
