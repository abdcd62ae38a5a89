/**
 * The CLI: `npm run -s client -- <command>` (see `--help`). The client library is
 * `src/sdk/agent-client.ts`; this entry only wires the commands in `src/cli/`.
 */
import { main } from './cli/program.js';
import { errorLine } from './cli/errors.js';

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`error: ${errorLine(reason)}\n`);
  process.exit(1);
});

const code = await main(process.argv);
// Connections, workers and servers are closed by now; exit even if a library left a timer behind.
process.exit(code);
