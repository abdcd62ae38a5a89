/**
 * Single sign-on settings for `serve`, from its flags and the environment (flags win):
 *
 *   --oidc-issuer URL            OIDC_ISSUER            the provider's issuer identifier (discovery: URL/.well-known/openid-configuration)
 *   --oidc-client-id ID          OIDC_CLIENT_ID         the inbox's client at the provider
 *   --oidc-client-secret S       OIDC_CLIENT_SECRET     its secret (prefer the variable: flags show in `ps`); none: a public client (PKCE alone)
 *   --oidc-redirect-url URL      OIDC_REDIRECT_URL      https://inbox.example.com/auth/callback, registered at the provider
 *   --oidc-scopes "a b"          OIDC_SCOPES            default "openid profile email"; openid is always asked
 *   --oidc-groups-claim NAME     OIDC_GROUPS_CLAIM      the claim that lists a person's groups (ID token, else userinfo), default "groups"
 *   --oidc-approver-groups G,H   OIDC_APPROVER_GROUPS   who may answer through the inbox: members of any of these; "*" for everyone the provider signs in
 *   --oidc-post-logout-url URL   OIDC_POST_LOGOUT_URL   where the provider sends people after logout, default <redirect origin>/auth/signed-out
 *
 * Setting some of the required ones but not all is an error that names what is missing.
 */
import { isIP } from 'node:net';

export interface OidcSettings {
  issuer: URL;
  clientId: string;
  clientSecret?: string;
  redirectUrl: URL;
  scopes: string[];
  groupsClaim: string;
  /** Groups whose members may answer; `'*'`: anyone the provider signs in. */
  approverGroups: string[] | '*';
  postLogoutUrl: URL;
}

export interface OidcFlags {
  oidcIssuer?: string;
  oidcClientId?: string;
  oidcClientSecret?: string;
  oidcRedirectUrl?: string;
  oidcScopes?: string;
  oidcGroupsClaim?: string;
  oidcApproverGroups?: string;
  oidcPostLogoutUrl?: string;
}

export class OidcSettingsError extends Error {
  override name = 'OidcSettingsError';
}

const DEFAULT_SCOPES = ['openid', 'profile', 'email'];

/** The settings the flags and environment give, undefined when single sign-on is not configured at all. */
export function oidcSettingsFrom(flags: OidcFlags, env: NodeJS.ProcessEnv = process.env): OidcSettings | undefined {
  const pick = (flag: string | undefined, name: string) => (flag ?? env[name])?.trim() || undefined;
  const issuer = pick(flags.oidcIssuer, 'OIDC_ISSUER');
  const clientId = pick(flags.oidcClientId, 'OIDC_CLIENT_ID');
  const clientSecret = pick(flags.oidcClientSecret, 'OIDC_CLIENT_SECRET');
  const redirectUrl = pick(flags.oidcRedirectUrl, 'OIDC_REDIRECT_URL');
  const approverGroups = pick(flags.oidcApproverGroups, 'OIDC_APPROVER_GROUPS');
  const required = { '--oidc-issuer (OIDC_ISSUER)': issuer, '--oidc-client-id (OIDC_CLIENT_ID)': clientId, '--oidc-redirect-url (OIDC_REDIRECT_URL)': redirectUrl, '--oidc-approver-groups (OIDC_APPROVER_GROUPS)': approverGroups };
  const optional = [clientSecret, pick(flags.oidcScopes, 'OIDC_SCOPES'), pick(flags.oidcGroupsClaim, 'OIDC_GROUPS_CLAIM'), pick(flags.oidcPostLogoutUrl, 'OIDC_POST_LOGOUT_URL')];
  const missing = Object.entries(required).filter(([, value]) => value === undefined).map(([name]) => name);
  if (missing.length === Object.keys(required).length && optional.every((value) => value === undefined)) return undefined;
  if (missing.length > 0) throw new OidcSettingsError(`single sign-on is half configured: set ${missing.join(', ')} too (or none of the OIDC settings)`);

  const issuerUrl = url(issuer!, 'the OIDC issuer');
  const redirect = url(redirectUrl!, 'the OIDC redirect URL');
  if (!secureOrLoopback(issuerUrl)) throw new OidcSettingsError(`the OIDC issuer must be https (plain http only on a loopback address, for tests): ${issuer}`);
  if (!secureOrLoopback(redirect)) throw new OidcSettingsError(`the OIDC redirect URL must be https (plain http only on a loopback address): ${redirectUrl}`);
  if (redirect.pathname !== '/auth/callback') throw new OidcSettingsError(`the OIDC redirect URL must end in /auth/callback (the inbox's callback), not ${redirect.pathname}`);
  const postLogout = pick(flags.oidcPostLogoutUrl, 'OIDC_POST_LOGOUT_URL');
  const groups = approverGroups === '*' ? '*' : approverGroups!.split(',').map((group) => group.trim()).filter(Boolean);
  if (groups !== '*' && groups.length === 0) throw new OidcSettingsError('--oidc-approver-groups names no group (give group names, comma-separated, or "*" for everyone the provider signs in)');
  const scopes = (pick(flags.oidcScopes, 'OIDC_SCOPES')?.split(/[\s,]+/).filter(Boolean) ?? DEFAULT_SCOPES);
  return {
    issuer: issuerUrl,
    clientId: clientId!,
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    redirectUrl: redirect,
    scopes: scopes.includes('openid') ? scopes : ['openid', ...scopes],
    groupsClaim: pick(flags.oidcGroupsClaim, 'OIDC_GROUPS_CLAIM') ?? 'groups',
    approverGroups: groups,
    postLogoutUrl: postLogout !== undefined ? url(postLogout, 'the OIDC post-logout URL') : new URL('/auth/signed-out', redirect.origin),
  };
}

function url(text: string, what: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new OidcSettingsError(`${what} is not a URL: ${text}`);
  }
}

/** https, or http on loopback (a provider started by a test, or a local Keycloak). */
export function secureOrLoopback(address: URL): boolean {
  if (address.protocol === 'https:') return true;
  if (address.protocol !== 'http:') return false;
  const host = address.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
}
