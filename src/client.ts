/**
 * The CLI: `npm run -s client -- <command>` (see `--help`). The client library is
 * `src/sdk/agent-client.ts`; this entry only wires the commands in `src/cli/`.
 */
import { main } from './cli/program.js';
import { errorLine } from './cli/errors.js';

/**
 * Exits once stdout and stderr have handed everything to the OS. Through a pipe, output beyond
 * the pipe's 64 KB buffer is still queued in the process; exiting at once would cut a large
 * `--json` document short. A reader that went away (EPIPE) does not keep the process alive.
 */
async function exitWhenFlushed(code: number): Promise<never> {
  const flushed = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => {
      if (stream.destroyed || !stream.writable) return resolve();
      stream.once('error', () => resolve());
      stream.write('', () => resolve());
    });
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`error: ${errorLine(reason)}\n`);
  void exitWhenFlushed(1);
});

const code = await main(process.argv);
// Connections, workers and servers are closed by now; exit even if a library left a timer behind.
await exitWhenFlushed(code);
