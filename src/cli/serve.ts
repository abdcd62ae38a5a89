/**
 * `serve`: the web approval inbox (src/server). People sign in from the users file (`--users`,
 * managed with `--add-user`), or, on a loopback address only, everyone is `--dev-user NAME`. Answers
 * are signed with the service key under the signed-in person's name; `--approvers FILE` (default:
 * AGENT_APPROVER_KEYS) lists that key under each person so that the workers accept it. Sessions
 * are sealed cookies (src/server/sessions.ts): replicas that share INBOX_SESSION_KEY (or, unset,
 * the service key) share sign-ins, and a restart keeps them. With `--oidc-issuer` (and the other
 * `--oidc-*` settings, src/server/oidc-settings.ts) people sign in through their identity provider
 * instead, and answers are signed as their subject there.
 */
import { randomBytes } from 'node:crypto';
import { nameProblem } from '../agent/names.js';
import { LinkSigner } from '../notify/links.js';
import { AgentClient } from '../sdk/agent-client.js';
import { ServiceSigner } from '../server/service-key.js';
import { sessionKeysFromEnv, sessionLifetimeFromEnv } from '../server/sessions.js';
import { serveOptionsProblem, startInboxServer } from '../server/start.js';
import { OidcSignIn } from '../server/oidc.js';
import { oidcSettingsFrom, type OidcFlags } from '../server/oidc-settings.js';
import { readUsers, setUserPassword } from '../server/users.js';
import { shutdownGraceFromEnv } from '../temporal/worker-shutdown.js';
import { connectOrExplain, taskQueue } from './connect.js';
import { CliError } from './errors.js';
import { outputFor, type JsonFlag } from './output.js';
import { shutdownSignal } from './signals.js';

export interface ServeFlags extends JsonFlag, OidcFlags {
  port: number;
  host: string;
  devUser?: string;
  users?: string;
  approvers?: string;
  serviceKey?: string;
  publicUrl?: string;
  addUser?: string;
  register?: boolean;
  /** `--shutdown-grace-ms`: on SIGTERM, how long open requests get to finish (default: AGENT_SHUTDOWN_GRACE_MS, else 25 s). */
  shutdownGraceMs?: number;
}

export async function serveCommand(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const out = outputFor(flags);
  const usersFile = flags.users ?? (env.INBOX_USERS || undefined);
  const approversFile = flags.approvers ?? (env.AGENT_APPROVER_KEYS || undefined);
  for (const name of [flags.devUser, flags.addUser]) {
    const problem = name !== undefined ? nameProblem('person name', name) : undefined;
    if (problem) throw new CliError(problem);
  }
  const oidcSettings = failsAsCliError(() => oidcSettingsFrom(flags, env));
  if (flags.addUser === undefined) {
    const problem = serveOptionsProblem({
      host: flags.host,
      ...(flags.devUser !== undefined ? { devUser: flags.devUser } : {}),
      ...(usersFile !== undefined ? { usersFile } : {}),
      ...(oidcSettings !== undefined ? { oidc: oidcSettings } : {}),
    });
    if (problem) throw new CliError(problem);
  }
  const { signer, created, file: keyFile } = failsAsCliError(() => ServiceSigner.load(flags.serviceKey ?? (env.INBOX_SERVICE_KEY || undefined)));
  if (created) out.info(`created the inbox's service key in ${keyFile} (it signs the answers people give here)`);

  if (flags.addUser !== undefined) {
    if (!usersFile) throw new CliError('--add-user needs --users FILE (or INBOX_USERS)');
    const given = (await readStdin()).split(/\r?\n/)[0] ?? '';
    const password = given || randomBytes(24).toString('base64url');
    await setUserPassword(usersFile, flags.addUser, password);
    const registered = approversFile ? signer.register(approversFile, [flags.addUser]) : [];
    out.emit({ user: flags.addUser, usersFile, ...(given ? {} : { token: password }), approversFile, registered }, [
      `${flags.addUser} may sign in to the inbox (${usersFile})${given ? '' : `; their token: ${password}`}`,
      approversFile
        ? `the inbox's service key is listed under ${flags.addUser} in ${approversFile}${registered.length === 0 ? ' (it was already)' : ''}`
        : `for the workers to accept ${flags.addUser}'s answers from the inbox, list the service key ${signer.publicKey} under "${flags.addUser}" in their approvers file (or pass --approvers FILE)`,
    ]);
    return;
  }

  // With single sign-on nobody is listed here: the approvers file names subjects, added by hand (docs/single-sign-on.md).
  const people = flags.devUser !== undefined ? [flags.devUser] : Object.keys(usersFile ? readUsers(usersFile) : {});
  if (oidcSettings && flags.register) out.info('--register lists no one with single sign-on: add the service key under each approver\'s subject (<sub>@<issuer>) in the approvers file');
  if (approversFile && people.length > 0) {
    // A shared configuration file changes only when asked to (--register).
    if (flags.register) {
      const registered = failsAsCliError(() => signer.register(approversFile, people));
      if (registered.length > 0) out.info(`listed the inbox's service key under ${registered.join(', ')} in ${approversFile}`);
    } else {
      const missing = failsAsCliError(() => signer.unlisted(approversFile, people));
      if (missing.length > 0) {
        out.info(
          `note: ${approversFile} does not list the inbox's service key under ${missing.join(', ')}: the workers will refuse their answers from here ` +
            `to questions that name approvers. List it there yourself, or run serve again with --register.`,
        );
      }
    }
  }
  const graceMs = flags.shutdownGraceMs ?? failsAsCliError(() => shutdownGraceFromEnv(env));
  const sessionKeys = failsAsCliError(() => sessionKeysFromEnv(env));
  const sessionLifetimeMs = failsAsCliError(() => sessionLifetimeFromEnv(env));
  const links = env.NOTIFY_LINK_SECRET ? failsAsCliError(() => new LinkSigner(env.NOTIFY_LINK_SECRET!)) : undefined;
  // Discovery before anything listens: a wrong issuer or an unreachable provider stops serve with the reason.
  const oidc = oidcSettings
    ? await OidcSignIn.discover(oidcSettings).catch((error: unknown) => {
        throw new CliError((error as Error).message);
      })
    : undefined;
  const client = await connectOrExplain();
  try {
    const server = await startInboxServer({
      agents: new AgentClient(client, taskQueue()),
      signer,
      host: flags.host,
      port: flags.port,
      ...(usersFile !== undefined ? { usersFile } : {}),
      ...(flags.devUser !== undefined ? { devUser: flags.devUser } : {}),
      ...(oidc ? { oidc } : {}),
      ...(links ? { links } : {}),
      ...(sessionKeys ? { sessionKeys } : {}),
      sessionLifetimeMs,
      ...(flags.publicUrl !== undefined ? { publicOrigin: failsAsCliError(() => new URL(flags.publicUrl!).origin) } : {}),
    }).catch((error: unknown) => {
      throw new CliError((error as Error).message);
    });
    const sealedWith = sessionKeys
      ? `INBOX_SESSION_KEY${sessionKeys.all.length > 1 ? `, ${sessionKeys.all.length - 1} old key${sessionKeys.all.length > 2 ? 's' : ''} still accepted` : ''}`
      : 'a key derived from the service key';
    const approverGroups = oidc?.settings.approverGroups;
    out.emit({ url: server.url, devUser: flags.devUser, usersFile, ...(oidc ? { oidcIssuer: oidc.issuer } : {}), links: links !== undefined, serviceKey: signer.publicKey, sessions: sessionKeys ? 'INBOX_SESSION_KEY' : 'service key' }, [
      `approval inbox: ${server.url}${flags.devUser !== undefined ? ` (everyone is signed in as ${flags.devUser}: development only)` : ''}`,
      ...(oidc
        ? [
            `single sign-on: ${oidc.issuer} (client ${oidc.settings.clientId}); people answer as <sub>@${oidc.issuer.replace(/^https?:\/\//, '')}; ` +
              `approver groups (claim "${oidc.settings.groupsClaim}"): ${approverGroups === '*' ? 'everyone the provider signs in' : approverGroups!.join(', ')}`,
          ]
        : []),
      `answers are signed with the service key ${signer.publicKey}${approversFile ? ` (listed in ${approversFile})` : ''}`,
      `sessions: sealed cookies (${sealedWith}); replicas with the same key share sign-ins, and a restart keeps them`,
      links ? 'one-click links: enabled (NOTIFY_LINK_SECRET)' : 'one-click links: off (set NOTIFY_LINK_SECRET, the same as the workers)',
      'Ctrl-C to stop.',
    ]);
    const signal = shutdownSignal();
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    // SIGTERM: no new connections, event streams end (browsers reconnect elsewhere), requests under way finish; exit 0.
    if (signal.reason instanceof Error) out.info(`${signal.reason.message}: stopping the inbox (again to stop at once)`);
    await server.close({ graceMs, say: (line) => out.info(line) });
  } finally {
    await client.connection.close().catch(() => undefined);
  }
}

function failsAsCliError<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
