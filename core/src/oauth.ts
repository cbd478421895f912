import { z } from 'zod';

/**
 * OAuth 2 providers and connections: the contracts shared by the catalog, the store, the server and the editor.
 * The protocol itself (PKCE, state, token requests, `iss` checks) is done by `oauth4webapi` in
 * `store/src/oauth-protocol.ts`; nothing here does I/O.
 */

/** Which grant a provider's connections use: a person signs in (authorization code), or the app itself (client credentials). */
export const OAuthGrants = ['authorization_code', 'client_credentials'] as const;
export type OAuthGrant = (typeof OAuthGrants)[number];

/** The status of one side (live or test) of a connection. */
export const ConnectionStatuses = ['connected', 'refreshing', 'needs reconnect', 'revoked'] as const;
export type ConnectionStatus = (typeof ConnectionStatuses)[number];

/** `con_` + 20 base32 characters; flows reference connections by id, so renaming one changes no flow. */
export const CONNECTION_ID_PATTERN = /^con_[a-z0-9]{20}$/;

/** A provider key: lower-case, digits and dashes (`google`, `generic`). */
export const PROVIDER_KEY_PATTERN = /^[a-z][a-z0-9-]{1,39}$/;

/** The input field an OAuth action reads its connection id from. The editor shows a connection picker for it. */
export const CONNECTION_FIELD = 'connection';

/** Refresh an access token this long before it expires (tokens that live less than twice this are refreshed at half-life). */
export const REFRESH_MARGIN_MS = 60_000;

/** How long a `state` (and its PKCE verifier) waits for the provider's callback. */
export const OAUTH_STATE_TTL_MS = 10 * 60_000;

export interface OAuth2Provider {
  /** `google`, `slack`, `github`, `hubspot`, `generic`. */
  key: string;
  title: string;
  grant: OAuthGrant;
  /** Authorization endpoint (authorization-code providers). */
  authorizeUrl?: string;
  tokenUrl: string;
  /** RFC 7009 revocation endpoint, called on disconnect where the provider has one. */
  revocationUrl?: string;
  /**
   * The issuer identifier. When set (and `issParameter` is true) the callback's `iss` must equal it (RFC 9207,
   * mix-up defence); a callback without `iss` is then refused.
   */
  issuer?: string;
  /** Whether the provider sends `iss` in authorization responses (RFC 9207). */
  issParameter?: boolean;
  /** Scopes requested unless the integration asks for others. */
  scopes: string[];
  /** How scopes are joined in the request (Slack: `,`). Default a space. */
  scopeSeparator?: string;
  /** PKCE with S256 is always sent; false only records that the provider ignores it (GitHub OAuth apps, Slack). */
  pkce: boolean;
  /** How the client authenticates at the token endpoint. Default `client_secret_basic`. */
  clientAuth?: 'client_secret_basic' | 'client_secret_post';
  /** Extra authorization parameters (Google: `access_type=offline`, `prompt=consent` so a refresh token is issued). */
  authorizeParams?: Record<string, string>;
  /** Where a person registers the OAuth app and finds its client id and secret (a sentence with a link). */
  whereToGet: string;
  /** The generic provider: the workspace gives the URLs and scopes with its client. */
  configurable?: boolean;
}

/** What an integration declares as its `auth`: the provider and the scopes its actions need. */
export interface OAuth2Auth {
  type: 'oauth2';
  provider: OAuth2Provider;
  scopes: string[];
}

/**
 * Declares that an integration's actions act through an OAuth connection of `provider`. Each action's input then
 * has a `connection` field (a connection id); publish refuses a flow whose node has none or one of another provider.
 *
 * @example
 * auth: oauth2(google, { scopes: ['https://www.googleapis.com/auth/spreadsheets'] })
 */
export function oauth2(provider: OAuth2Provider, options: { scopes?: string[] } = {}): OAuth2Auth {
  return { type: 'oauth2', provider, scopes: options.scopes ?? provider.scopes };
}

/** Secret names of a provider's workspace-owned client: `OAUTH_GOOGLE_CLIENT_ID`, `OAUTH_GOOGLE_CLIENT_SECRET`. */
export function clientSecretNames(providerKey: string): { clientId: string; clientSecret: string } {
  const base = `OAUTH_${providerKey.toUpperCase().replace(/-/g, '_')}`;
  return { clientId: `${base}_CLIENT_ID`, clientSecret: `${base}_CLIENT_SECRET` };
}

/** The one redirect URI to register with every provider: `<SWITCHYARD_PUBLIC_URL>/api/oauth/callback`. */
export function redirectUriFor(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/api/oauth/callback`;
}

/** When to refresh a token that expires at `expiresAt` and was issued at `issuedAt` (ms since epoch). */
export function refreshDueAt(issuedAt: number, expiresAt: number): number {
  const lifetime = expiresAt - issuedAt;
  return lifetime >= 2 * REFRESH_MARGIN_MS ? expiresAt - REFRESH_MARGIN_MS : issuedAt + lifetime / 2;
}

/** The generic provider's URLs and scopes, given by the workspace with its client. */
const HttpUrl = z.url({ protocol: /^https?$/ });
export const GenericProviderConfig = z.object({
  authorizeUrl: HttpUrl.optional(),
  tokenUrl: HttpUrl,
  revocationUrl: HttpUrl.optional(),
  issuer: HttpUrl.optional(),
  scopes: z.array(z.string().min(1).max(200)).max(50).optional(),
  grant: z.enum(OAuthGrants).optional(),
});
export type GenericProviderConfig = z.infer<typeof GenericProviderConfig>;

/** The provider with a workspace's generic configuration applied. */
export function resolveProvider(provider: OAuth2Provider, config: GenericProviderConfig | undefined): OAuth2Provider {
  if (!provider.configurable || !config) return provider;
  const { scopes, grant, ...urls } = config;
  return {
    ...provider,
    ...urls,
    ...(config.issuer ? { issParameter: true } : {}),
    ...(scopes ? { scopes } : {}),
    ...(grant ? { grant } : {}),
  };
}
