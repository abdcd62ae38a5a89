/**
 * Single sign-on through an OIDC provider (Okta, Entra ID, Keycloak, …) with `openid-client`: the
 * authorization code flow with PKCE (S256), `state` and `nonce`. The inbox keeps nothing between
 * the redirect to the provider and the callback: the verifier, state and nonce travel in a sealed
 * cookie (oidc-pending.ts), so any replica finishes a sign-in another began.
 *
 * Who signed in is the provider's subject, named `<sub>@<issuer host and path>` — unique across
 * providers, stable across renames — and that name is what the inbox signs answers as (the
 * approvers file lists the service key under it). Name and email are shown beside it.
 */
import * as client from 'openid-client';
import { nameProblem } from '../agent/names.js';
import { secureOrLoopback, type OidcSettings } from './oidc-settings.js';
import type { SsoIdentity } from './sessions.js';

/** What the callback proved: the person, and when their tokens stop counting. */
export interface OidcSignedIn {
  user: string;
  identity: SsoIdentity;
  /** Milliseconds since the epoch: the ID token's (or access token's, if sooner) expiry. */
  notAfter: number;
}

/** A sign-in under way: what the callback must find again (oidc-pending.ts seals it). */
export interface PendingSignIn {
  verifier: string;
  state: string;
  nonce: string;
  /** The inbox page to go back to. */
  returnTo: string;
}

export class OidcSignInError extends Error {
  override name = 'OidcSignInError';
}

/** At most this many of a person's approver groups ride in the session cookie. */
const MAX_GROUPS = 20;

export class OidcSignIn {
  private constructor(
    private readonly config: client.Configuration,
    readonly settings: OidcSettings,
  ) {}

  /** Reads the provider's discovery document; refuses one whose issuer is not the configured one. */
  static async discover(settings: OidcSettings): Promise<OidcSignIn> {
    // Plain http only for a provider on loopback (a test's, a local Keycloak); oidc-settings.ts refuses it elsewhere.
    const insecure = settings.issuer.protocol === 'http:' && secureOrLoopback(settings.issuer) ? { execute: [client.allowInsecureRequests] } : {};
    let found: client.Configuration;
    try {
      found = await client.discovery(settings.issuer, settings.clientId, undefined, client.None(), { ...insecure, timeout: 15 });
    } catch (error) {
      throw new OidcSignInError(`cannot read the OIDC provider's configuration from ${settings.issuer.href}: ${describe(error)}`);
    }
    const metadata = found.serverMetadata();
    const config = new client.Configuration(metadata, settings.clientId, settings.clientSecret, clientAuth(settings, metadata));
    if ('execute' in insecure) client.allowInsecureRequests(config);
    return new OidcSignIn(config, settings);
  }

  /** The provider's issuer identifier, as its discovery document states it. */
  get issuer(): string {
    return this.config.serverMetadata().issuer;
  }

  /** Where to send the browser to sign in, and what its callback must match. */
  async begin(returnTo: string): Promise<{ url: URL; pending: PendingSignIn }> {
    const verifier = client.randomPKCECodeVerifier();
    const pending: PendingSignIn = { verifier, state: client.randomState(), nonce: client.randomNonce(), returnTo };
    const url = client.buildAuthorizationUrl(this.config, {
      redirect_uri: this.settings.redirectUrl.href,
      scope: this.settings.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url, pending };
  }

  /**
   * Checks the callback (`state`, then the code exchanged with the PKCE verifier, then the ID
   * token's issuer, audience, nonce and expiry) and says who signed in. Groups come from the
   * configured claim in the ID token, else from userinfo.
   */
  async finish(callback: URL, pending: PendingSignIn): Promise<OidcSignedIn> {
    // The callback as the provider addressed it (behind a proxy, the request's own URL differs).
    const current = new URL(this.settings.redirectUrl.href);
    current.search = callback.search;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(this.config, current, { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true });
    } catch (error) {
      throw new OidcSignInError(`the sign-in was refused: ${describe(error)}`);
    }
    const claims = tokens.claims();
    if (!claims) throw new OidcSignInError('the provider sent no ID token');
    let profile: Record<string, unknown> = claims;
    if (claimAt(claims, this.settings.groupsClaim) === undefined && this.config.serverMetadata().userinfo_endpoint) {
      try {
        profile = { ...(await client.fetchUserInfo(this.config, tokens.access_token, claims.sub)), ...claims };
      } catch (error) {
        throw new OidcSignInError(`cannot read the groups claim "${this.settings.groupsClaim}" from userinfo: ${describe(error)}`);
      }
    }
    const user = subjectName(claims.iss, claims.sub);
    const problem = nameProblem('signed-in subject', user);
    if (problem) throw new OidcSignInError(problem);
    const expiresIn = tokens.expiresIn();
    const notAfter = Math.min(claims.exp * 1000, expiresIn !== undefined ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY);
    const groups = groupsIn(claimAt(profile, this.settings.groupsClaim));
    const approver = this.settings.approverGroups === '*' ? groups : groups.filter((group) => (this.settings.approverGroups as string[]).includes(group));
    const name = text(profile.name) ?? text(profile.preferred_username);
    const email = text(profile.email);
    return { user, notAfter, identity: { groups: approver.slice(0, MAX_GROUPS), ...(name ? { name } : {}), ...(email ? { email } : {}) } };
  }

  /** Whether `user` is a subject of this provider (a session from another issuer no longer counts). */
  issued(user: string): boolean {
    return user.endsWith(subjectName(this.issuer, ''));
  }

  /** Whether a person in `groups` may answer questions through this inbox. */
  mayAnswer(identity: SsoIdentity): boolean {
    return this.settings.approverGroups === '*' || identity.groups.some((group) => (this.settings.approverGroups as string[]).includes(group));
  }

  /** The provider's logout (RP-initiated logout), when it has one: it comes back to the post-logout URL. */
  logoutUrl(): URL | undefined {
    if (!this.config.serverMetadata().end_session_endpoint) return undefined;
    return client.buildEndSessionUrl(this.config, { client_id: this.settings.clientId, post_logout_redirect_uri: this.settings.postLogoutUrl.href });
  }
}

/** `<sub>@<issuer without its scheme>`: issuers are https except on loopback, so dropping it loses nothing. */
export function subjectName(issuer: string, sub: string): string {
  return `${sub}@${issuer.replace(/^https?:\/\//, '').replace(/\/+$/, '')}`;
}

/** The claim named `name`; a name with dots that is no claim of its own walks into objects (Keycloak's `realm_access.roles`). */
function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (!value || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A list of group names, or one name; anything else is no group. */
function groupsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((group): group is string => typeof group === 'string') : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, 200) : undefined;
}

/** client_secret_basic where the provider takes it (the spec's default), else client_secret_post; none for a public client. */
function clientAuth(settings: OidcSettings, metadata: client.ServerMetadata): client.ClientAuth {
  if (settings.clientSecret === undefined) return client.None();
  const supported = metadata.token_endpoint_auth_methods_supported;
  return !supported || supported.includes('client_secret_basic') ? client.ClientSecretBasic(settings.clientSecret) : client.ClientSecretPost(settings.clientSecret);
}

function describe(error: unknown): string {
  const err = error as { message?: string; error?: string; error_description?: string; cause?: { message?: string } };
  const said = err.error ? `${err.error}${err.error_description ? `: ${err.error_description}` : ''}` : undefined;
  return String(said ?? err.message ?? error).replace(/\s+/g, ' ').slice(0, 300) + (err.cause?.message && !said ? ` (${err.cause.message})` : '');
}
