/**
 * A real OIDC provider for tests: `oidc-provider` on a loopback port, with its development login
 * and consent pages (any password), one confidential client for the inbox, and accounts whose
 * `groups` claim comes from `GROUPS`.
 */
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';

/** The little of oidc-provider's API used here (the package ships no types). */
interface Provider {
  callback(): (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => void;
  on(event: 'server_error', listener: (ctx: unknown, error: Error) => void): void;
}
type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => Provider;
const PACKAGE = 'oidc-provider';

/** Who is in which group at the provider. */
export const GROUPS: Record<string, string[]> = { alice: ['approvers', 'staff'], bob: ['staff'] };

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

/** Token lifetimes, in seconds: a session must end no later than the access token. */
export const TOKEN_TTL = { AccessToken: 300, IdToken: 600 };

export async function startTestProvider(port: number, inboxUrl: string): Promise<TestProvider> {
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'hitl-inbox';
  const clientSecret = randomBytes(24).toString('base64url');
  const { default: Provider } = (await import(PACKAGE)) as { default: ProviderConstructor };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [`${inboxUrl}/auth/callback`],
        post_logout_redirect_uris: [`${inboxUrl}/auth/signed-out`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    scopes: ['openid', 'profile', 'email', 'groups'],
    claims: { openid: ['sub'], profile: ['name'], email: ['email'], groups: ['groups'] },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ sub: id, name: `${id[0]!.toUpperCase()}${id.slice(1)} Example`, email: `${id}@example.com`, groups: GROUPS[id] ?? [] }),
    }),
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ttl: { ...TOKEN_TTL },
  });
  provider.on('server_error', (_ctx, error) => console.error('oidc-provider:', error));
  const server: Server = createServer(provider.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    issuer,
    clientId,
    clientSecret,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
