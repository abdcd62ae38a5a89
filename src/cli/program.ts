/**
 * The commander program: every command, its arguments and options. Actions live beside it; the
 * worker-side ones (`worker`, `dev`, `demo`) load lazily, so client commands start fast.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { decideCommand, respondCommand } from './answers.js';
import { DEMO_AGENTS } from './demo-workspace.js';
import { withConnectionFlags } from './connection-flags.js';
import { errorLine, Interrupted } from './errors.js';
import { PROVIDERS } from './model-choice.js';
import { inboxCommand, setupCommand } from './inbox.js';
import { keysCreateCommand, keysShowCommand } from './keys.js';
import { sessionRevokeCommand, sessionShowCommand } from './sessions.js';
import { multiAgentRunCommand, multiAgentStartCommand, multiAgentStatusCommand } from './multi-agent.js';
import { callToolCommand, cancelCommand, resultCommand, runCommand, startCommand, statusCommand, waitCommand } from './runs.js';

/** An integer option within [min, max]; anything else is refused, never clamped. */
function integer(what: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const value = /^\s*-?\d+\s*$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`${what} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`}`);
    }
    return value;
  };
}

const port = (what: string) => integer(what, 1, 65535);

const keyOption = () => new Option('--key <file>', 'sign the answers with this approver key (default: AGENT_APPROVER_KEY, else your key from `keys create` if it exists)');

const json = () => new Option('--json', 'print JSON instead of text');

const shutdownGraceOption = (what: string) =>
  new Option('--shutdown-grace-ms <n>', `on SIGTERM or Ctrl-C, how long ${what} (default: AGENT_SHUTDOWN_GRACE_MS, else 25000)`).argParser(integer('--shutdown-grace-ms'));

const callOption = () =>
  new Option('--call <digest>', 'answer only if the call is still the one you saw: the digest (or its first 8+ characters) that status and inbox show as "call …"');

function startLike(command: Command): Command {
  return command
    .requiredOption('--agent <name>', 'agent registered in the worker (file-approval, smart-delete, ...)')
    .option('--session <id>', 'session id: runs of a session share agent state')
    .option('--workspace <dir>', "folder the file tools may touch, on the worker's machine, beneath its workspace roots (default: its first root)")
    .option('--prompt-file <file>', 'read the prompt from this file (- for standard input)')
    .option('--accept-timeout-ms <n>', 'how long to wait for a worker to accept the run before leaving it queued', integer('--accept-timeout-ms', 1))
    .option('--model <provider:id>', "model as provider:id (openai:gpt-5-mini, anthropic:claude-haiku-4-5, bedrock:...), or a plain id with --provider, or scripted:FILE (offline: a JSON script of model turns, sent with the run); default: AGENT_MODEL, else the agent's own model, else the worker's auto choice")
    .addOption(new Option('--provider <name>', 'provider of a plain --model id').choices(PROVIDERS))
    .option('--max-model-calls <n>', 'stop after this many model calls', integer('--max-model-calls', 1))
    .option('--output-schema <file>', "a JSON Schema file (an object schema): the run's typed result, shown as `output` by result --json")
    .addOption(json())
    .argument('[prompt...]', 'what to ask the agent (- reads it from standard input)');
}

export function buildProgram(): Command {
  const program = new Command('hitl')
    .description('Durable human-in-the-loop agents on Temporal. The server comes from the flags below, else TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / a temporal.toml profile (Temporal env config).')
    .usage('<command> [options]')
    // commander's own errors (unknown command, missing argument) stay one line, suggestion included
    .configureOutput({ outputError: (text, write) => write(`${text.split('\n').map((line) => line.trim()).filter(Boolean).join(' ')}\n`) })
    .showSuggestionAfterError(true);
  withConnectionFlags(program);

  startLike(program.command('start').description('start a run; prints its workflow id')).action((words: string[], flags) => startCommand(words, flags));

  startLike(program.command('run').description('start a run and answer its questions in the terminal until it ends'))
    .option('--by <name>', 'who answers (default: the key\'s name, else your OS user name)')
    .addOption(keyOption())
    .action((words: string[], flags) => runCommand(words, flags));

  program
    .command('call-tool')
    .description("call one of an agent's tools directly, through its hooks and approvals, as a run that calls no model; prints its workflow id")
    .requiredOption('--agent <name>', 'agent registered in the worker')
    .requiredOption('--tool <name>', "the agent's tool to call")
    .option('--input <json>', "the tool's input, a JSON object")
    .option('--input-file <file>', 'read the input from this file (- for standard input)')
    .option('--session <id>', "session id: the call uses the session's state and is added to its conversation")
    .option('--no-record', "do not add the call to the conversation (default: the session's next run sees it)")
    .option('--workspace <dir>', "folder the file tools may touch, on the worker's machine, beneath its workspace roots (default: its first root)")
    .option('--accept-timeout-ms <n>', 'how long to wait for a worker to accept the run before leaving it queued', integer('--accept-timeout-ms', 1))
    .addOption(json())
    .action((flags) => callToolCommand(flags));

  program
    .command('status')
    .description("the run's status: phase, pending interrupts, usage")
    .argument('<id>', 'workflow id')
    .addOption(json())
    .action((id: string, flags) => statusCommand(id, flags));

  program
    .command('wait')
    .description('wait until the run next stops: waiting for a human, or ended')
    .argument('<id>', 'workflow id')
    .option('--timeout-ms <n>', 'give up after this long and print the current status', integer('--timeout-ms'))
    .addOption(json())
    .action((id: string, flags) => waitCommand(id, flags));

  program
    .command('result')
    .description("the run's final text (--json: the whole result)")
    .argument('<id>', 'workflow id')
    .addOption(json())
    .action((id: string, flags) => resultCommand(id, flags));

  program
    .command('watch')
    .description("the run as it happens: the model's text as it writes it, tool calls and results, questions and answers, until it ends")
    .argument('<id>', 'workflow id')
    .option('--from <offset>', 'start after a reconnect: the offset after the last event you saw (--json gives each its offset)', integer('--from', 0))
    .addOption(new Option('--json', 'one JSON event per line (NDJSON), each with its offset'))
    .action(async (id: string, flags) => (await import('./watch.js')).watchCommand(id, flags));

  program
    .command('cancel')
    .description('cancel a run')
    .argument('<id>', 'workflow id')
    .addOption(json())
    .action((id: string, flags) => cancelCommand(id, flags));

  program
    .command('respond')
    .description('answer one interrupt (RESPONSE is JSON when it parses, else a plain string)')
    .argument('<id>', 'workflow id')
    .argument('<interrupt-id>', 'id of the pending interrupt')
    .argument('<response>', 'the answer')
    .option('--by <name>', "who answers (default: the key's name, else your OS user name)")
    .option('--reason <text>', 'why, for the audit')
    .option('--signal', 'send the respond signal (unchecked) instead of the validated update')
    .addOption(callOption())
    .addOption(keyOption())
    .addOption(json())
    .action((id: string, interruptId: string, response: string, flags) => respondCommand(id, interruptId, response, flags));

  for (const [name, verdict, what] of [
    ['approve', 'y', 'approve'],
    ['deny', 'n', 'deny'],
    ['trust', 't', 'trust always'],
  ] as const) {
    const command = program
      .command(name)
      .description(`${what} (answer "${verdict}"): the named interrupt, or the only one pending, or all with --all`)
      .argument('<id>', 'workflow id')
      .argument('[interrupt-id]', 'id of the pending interrupt')
      .option('--all', 'answer every pending interrupt in one update')
      .option('--by <name>', "who answers (default: the key's name, else your OS user name)")
      .addOption(callOption())
      .addOption(keyOption())
      .option('--reason <text>', verdict === 'n' ? 'why: the model reads it (approval policy), and the audit keeps it' : 'why, for the audit');
    if (verdict === 'y') command.option('--edit <json>', "approve with this tool input instead (edit-and-approve; checked against the tool's schema)");
    command.addOption(json()).action((id: string, interruptId: string | undefined, flags) => decideCommand(verdict, id, interruptId, flags));
  }

  program
    .command('inbox')
    .description('every interrupt waiting for a human, across all runs, oldest first')
    .option('--agent <name>', 'only runs of this agent')
    .option('--session <id>', 'only runs of this session')
    .option('--mine', 'only questions I may answer: those naming me among their responders, and those naming nobody (me: as for approve, --by, else the key\'s name, else the OS user)')
    .option('--by <name>', 'who "me" is for --mine')
    .option('--overdue', 'only questions whose deadline has passed')
    .option('--page-size <n>', 'one page of this many runs (visibility order), with the token of the next page')
    .option('--page <token>', 'the page after the one that printed this token (implies paging)')
    .option('--no-details', "page the inbox (as --page-size does): each row from visibility alone, its question in short (no query to any run; a run's questions in full with status)")
    .addOption(json())
    .action((flags) => inboxCommand(flags));

  program
    .command('setup')
    .description('register the agent search attributes (AgentStatus, ...) in the namespace: once per real cluster')
    .addOption(json())
    .action((flags) => setupCommand(flags));

  // Graphs and swarms (docs/multi-agent.md): status, wait, respond, approve, inbox, result and cancel take their ids too.
  for (const kind of ['graph', 'swarm'] as const) {
    const group = program.command(kind).description(kind === 'graph' ? 'graphs of agent and function nodes registered in the worker' : 'swarms of agents that hand off to each other, registered in the worker');
    const startLikeMulti = (command: Command) =>
      command
        .argument('<name>', `the ${kind}'s name (daily-brief, file-cleanup, file-swarm, ...)`)
        .argument('[prompt...]', `the ${kind}'s task (- reads it from standard input)`)
        .option('--session <id>', 'session id: the agent nodes share its state')
        .option('--workspace <dir>', "folder the file tools may touch, on the worker's machine, beneath its workspace roots")
        .option('--prompt-file <file>', 'read the prompt from this file (- for standard input)')
        .option('--model <provider:id>', 'model of every agent node, as for start; scripted:FILE with a JSON object of scripts by node id (or agent name) gives each node its own')
        .addOption(new Option('--provider <name>', 'provider of a plain --model id').choices(PROVIDERS))
        .addOption(json());
    startLikeMulti(group.command('start').description(`start a ${kind}; prints its workflow id`)).action((name: string, words: string[], flags) => multiAgentStartCommand(kind, name, words, flags));
    startLikeMulti(group.command('run').description(`start a ${kind} and answer its questions in the terminal until it ends`))
      .option('--by <name>', "who answers (default: the key's name, else your OS user name)")
      .addOption(keyOption())
      .action((name: string, words: string[], flags) => multiAgentRunCommand(kind, name, words, flags));
    group
      .command('status')
      .description(`the ${kind}'s nodes: executing, interrupted (with the questions that wait), completed, ...`)
      .argument('<id>', `the ${kind}'s workflow id`)
      .addOption(json())
      .action((id: string, flags) => multiAgentStatusCommand(id, flags));
  }

  const session = program.command('session').description("a session's durable state (trusts, notes) and its runs");
  session
    .command('show')
    .description("the session's state, its run in progress and its recent runs")
    .argument('<session-id>', 'session id')
    .addOption(json())
    .action((id: string, flags) => sessionShowCommand(id, flags));
  session
    .command('revoke')
    .description('remove a state key (default: every trust, keys trust.*) so that the agents ask again')
    .argument('<session-id>', 'session id')
    .argument('[key]', 'state key, e.g. trust.delete_files')
    .addOption(json())
    .action((id: string, key: string | undefined, flags) => sessionRevokeCommand(id, key, flags));

  const workerOptions = (command: Command) =>
    command
      .option('--metrics-port <n>', 'serve Prometheus metrics on this port (/metrics)', port('--metrics-port'))
      .option('--deployment-name <name>', 'Worker Deployment name (default: AGENT_DEPLOYMENT_NAME, else the task queue)')
      .option('--build-id <id>', "this build's id (default: AGENT_BUILD_ID, else the package version)")
      .option('--no-versioning', 'an unversioned worker: runs are not pinned to a build')
      .addOption(shutdownGraceOption('running activities get to finish before they are handed back to other workers'))
      .addOption(json());

  workerOptions(
    program.command('worker').description('run a worker against the configured server until Ctrl-C (task queue: AGENT_TASK_QUEUE or hitl-agents)'),
  ).action(async (flags) => (await import('./server.js')).workerCommand(flags));

  workerOptions(
    program
      .command('dev')
      .description('start an embedded Temporal dev server with its Web UI, plus a worker, until Ctrl-C')
      .option('--port <n>', 'gRPC port', port('--port'), 7233)
      .option('--ui-port <n>', 'Web UI port', port('--ui-port'), 8233)
      .option('--db-filename <file>', 'SQLite file that keeps the server state across restarts (default: in memory)'),
  ).action(async (flags) => (await import('./server.js')).devCommand(flags));

  const versions = program
    .command('versions')
    .description('the builds of the Worker Deployment: which one new runs start on, runs pinned to each and how many wait for a person')
    .option('--deployment <name>', 'deployment name (default: AGENT_DEPLOYMENT_NAME, else the task queue)')
    .addOption(json())
    .action(async (flags) => (await import('./versions.js')).versionsCommand(flags));
  // --deployment and --json belong to `versions` and apply to its subcommands too.
  versions
    .command('set-current')
    .description('make a build the version new runs start on (its workers must be running)')
    .argument('<build-id>', 'build id')
    .action(async (buildId: string, _flags, command: Command) => (await import('./versions.js')).setCurrentCommand(buildId, command.optsWithGlobals()));
  versions
    .command('retire')
    .description('delete a build that no run is pinned to any more (refused while runs are)')
    .argument('<build-id>', 'build id')
    .action(async (buildId: string, _flags, command: Command) => (await import('./versions.js')).retireCommand(buildId, command.optsWithGlobals()));

  program
    .command('demo')
    .description('self-contained demo: sample files in a fresh workspace, an agent that wants to delete them, you decide')
    .addOption(new Option('--agent <name>', 'example agent').choices(DEMO_AGENTS).default('file-approval'))
    .addOption(new Option('--answer <y|n|t>', 'answer every question with this (non-interactive; t = trust always)').choices(['y', 'n', 't']))
    .option('--model <provider:id>', 'model as provider:id, or a plain id with --provider, or scripted:FILE')
    .addOption(new Option('--provider <name>', 'provider of a plain --model id').choices(PROVIDERS))
    .addOption(keyOption())
    .addOption(json())
    .action(async (flags) => (await import('./demo.js')).demoCommand(flags));

  program
    .command('init')
    .description('add a runnable agent to this project (after npm install durable-hitl-agents): an agent with a tool behind an approval, a worker, a start script, a test; overwrites nothing')
    .option('--force', 'overwrite the files and scripts it would otherwise refuse or keep')
    .option('--dir <dir>', "the project's folder (default: the current one)")
    .addOption(json())
    .action(async (flags) => (await import('./init.js')).initCommand(flags));

  const keys = program.command('keys').description("approver keys: answers signed with one prove who gave them (the worker's AGENT_APPROVER_KEYS lists the public keys)");
  keys
    .command('create')
    .description("create an approver's key pair: the private key file (mode 600) and the public key for the worker's approvers file")
    .argument('<name>', 'the approver, as policies name them (e.g. alice)')
    .option('--out <file>', 'where to write the private key (default: $AGENT_KEYS_DIR or ~/.config/durable-hitl-agents/keys, <name>.json)')
    .option('--approvers <file>', 'also add the public key to this approvers file (created if missing)')
    .addOption(json())
    .action((name: string, flags) => keysCreateCommand(name, flags));
  keys
    .command('show')
    .description("a key file's approver name and public key (never the private key)")
    .argument('<file>', 'private key file')
    .addOption(json())
    .action((file: string, flags) => keysShowCommand(file, flags));

  program
    .command('serve')
    .description('the web approval inbox: every pending question, approve / deny / edit / trust, audit; answers signed as the signed-in person')
    .option('--port <n>', 'HTTP port', port('--port'), 8787)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--dev-user <name>', 'development only: sign every browser in as NAME (refused on a non-loopback --host)')
    .option('--users <file>', 'people who may sign in, with scrypt password hashes (default: INBOX_USERS)')
    .option('--add-user <name>', 'add or reset a person in --users (password from standard input, else a random token is printed), then exit')
    .option('--approvers <file>', "the workers' approvers file, to check that it lists the inbox's service key under its people (default: AGENT_APPROVER_KEYS)")
    .option('--register', "list the inbox's service key under its people in the approvers file (it is never changed without this or --add-user)")
    .option('--service-key <file>', "the inbox's signing key, created if missing (default: INBOX_SERVICE_KEY, else inbox-service.json in the keys folder)")
    .option('--public-url <url>', 'the address browsers use, behind a proxy (checked as the Origin of every action)')
    .option('--oidc-issuer <url>', 'single sign-on: the OIDC provider\'s issuer URL, instead of --users (default: OIDC_ISSUER)')
    .option('--oidc-client-id <id>', "single sign-on: the inbox's client id at the provider (default: OIDC_CLIENT_ID)")
    .option('--oidc-client-secret <secret>', 'single sign-on: the client secret; prefer OIDC_CLIENT_SECRET (a flag shows in the process list)')
    .option('--oidc-redirect-url <url>', 'single sign-on: https://<inbox>/auth/callback, as registered at the provider (default: OIDC_REDIRECT_URL)')
    .option('--oidc-scopes <scopes>', 'single sign-on: scopes to ask for (default: OIDC_SCOPES, else "openid profile email")')
    .option('--oidc-groups-claim <claim>', 'single sign-on: the claim that lists a person\'s groups (default: OIDC_GROUPS_CLAIM, else "groups")')
    .option('--oidc-approver-groups <groups>', 'single sign-on: comma-separated groups whose members may answer, or "*" (default: OIDC_APPROVER_GROUPS)')
    .option('--oidc-post-logout-url <url>', 'single sign-on: where the provider\'s logout returns (default: OIDC_POST_LOGOUT_URL, else <inbox>/auth/signed-out)')
    .addOption(shutdownGraceOption('open requests get to finish (event streams end at once)'))
    .addOption(json())
    .action(async (flags) => (await import('./serve.js')).serveCommand(flags));

  return program;
}

/** Runs the CLI; returns the exit code. Errors become one line on stderr, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof Interrupted) {
      process.stderr.write(`${error.message}\n`);
      return 130;
    }
    process.stderr.write(`error: ${errorLine(error)}\n`);
    if (process.env.AGENT_CLI_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
