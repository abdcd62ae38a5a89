/**
 * The Temporal CLI's connection flags, on every `hitl` command: `--address`, `--namespace`,
 * `--profile`, `--config-file`, `--api-key`, `--tls*`, and `--task-queue` for this product's
 * worker. Each sets the environment variable Temporal's environment configuration reads
 * (@temporalio/envconfig), so a flag, a `TEMPORAL_*` variable and a temporal.toml profile reach the
 * CLI, the worker and `AgentClient` the same way, with the flag winning.
 */
import type { Command } from 'commander';

interface ConnectionFlag {
  flag: string;
  option: string;
  variable: string;
  description: string;
}

const FLAGS: readonly ConnectionFlag[] = [
  { flag: '--address <host:port>', option: 'address', variable: 'TEMPORAL_ADDRESS', description: 'Temporal server (default: TEMPORAL_ADDRESS, the profile, else localhost:7233)' },
  { flag: '--namespace <name>', option: 'namespace', variable: 'TEMPORAL_NAMESPACE', description: 'Temporal namespace (default: TEMPORAL_NAMESPACE, the profile, else default)' },
  { flag: '--task-queue <name>', option: 'taskQueue', variable: 'AGENT_TASK_QUEUE', description: "the agents' task queue: your worker's (default: AGENT_TASK_QUEUE, else hitl-agents)" },
  { flag: '--profile <name>', option: 'profile', variable: 'TEMPORAL_PROFILE', description: 'profile of the Temporal configuration file (temporal.toml)' },
  { flag: '--config-file <file>', option: 'configFile', variable: 'TEMPORAL_CONFIG_FILE', description: 'the Temporal configuration file (default: TEMPORAL_CONFIG_FILE, else the OS config folder)' },
  { flag: '--api-key <key>', option: 'apiKey', variable: 'TEMPORAL_API_KEY', description: 'API key (Temporal Cloud; turns TLS on)' },
  { flag: '--tls', option: 'tls', variable: 'TEMPORAL_TLS', description: 'connect with TLS' },
  { flag: '--tls-cert-path <file>', option: 'tlsCertPath', variable: 'TEMPORAL_TLS_CLIENT_CERT_PATH', description: 'client certificate for mTLS' },
  { flag: '--tls-key-path <file>', option: 'tlsKeyPath', variable: 'TEMPORAL_TLS_CLIENT_KEY_PATH', description: 'client private key for mTLS' },
  { flag: '--tls-ca-path <file>', option: 'tlsCaPath', variable: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', description: "server CA certificate (a server whose certificate no public CA signed)" },
  { flag: '--tls-server-name <name>', option: 'tlsServerName', variable: 'TEMPORAL_TLS_SERVER_NAME', description: 'server name to verify the certificate against' },
];

/** Adds the flags to the program (given before or after the command) and applies them before every command runs. */
export function withConnectionFlags(program: Command): Command {
  for (const { flag, description } of FLAGS) program.option(flag, description);
  return program.hook('preAction', () => applyConnectionFlags(program.opts(), process.env));
}

export function applyConnectionFlags(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const { option, variable } of FLAGS) {
    const value = flags[option];
    if (value === true) env[variable] = 'true';
    else if (typeof value === 'string') env[variable] = value;
  }
}
