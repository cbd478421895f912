import type { IntegrationDefinition } from '#core/catalog-sdk';
import type { OAuth2Provider } from '#core/oauth';

/**
 * The OAuth 2 providers integrations declare with `auth: oauth2(provider, { scopes })`. A workspace registers its own
 * OAuth app with each provider (redirect URI: `<SWITCHYARD_PUBLIC_URL>/api/oauth/callback`) and stores the client id
 * and secret as the secrets `OAUTH_<PROVIDER>_CLIENT_ID` / `_CLIENT_SECRET`. PKCE (S256) and `state` are always sent.
 */

export const google: OAuth2Provider = {
  key: 'google',
  title: 'Google',
  grant: 'authorization_code',
  authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenUrl: 'https://oauth2.googleapis.com/token',
  revocationUrl: 'https://oauth2.googleapis.com/revoke',
  issuer: 'https://accounts.google.com',
  scopes: ['https://www.googleapis.com/auth/userinfo.email'],
  pkce: true,
  clientAuth: 'client_secret_post',
  // A refresh token is issued only with offline access, and again on a reconnect only with prompt=consent.
  authorizeParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
  whereToGet:
    'create an OAuth client ID of type "Web application" at https://console.cloud.google.com/apis/credentials, add the redirect URI Switchyard shows, and copy its client ID and secret',
};

export const slack: OAuth2Provider = {
  key: 'slack',
  title: 'Slack',
  grant: 'authorization_code',
  authorizeUrl: 'https://slack.com/oauth/v2/authorize',
  tokenUrl: 'https://slack.com/api/oauth.v2.access',
  // Slack's auth.revoke is not RFC 7009: disconnecting forgets the token; uninstall the app in Slack to revoke it.
  scopes: ['chat:write'],
  scopeSeparator: ',',
  pkce: false,
  clientAuth: 'client_secret_post',
  whereToGet:
    'open your app at https://api.slack.com/apps, add the redirect URI Switchyard shows under OAuth & Permissions, and copy the Client ID and Client Secret from Basic Information',
};

export const github: OAuth2Provider = {
  key: 'github',
  title: 'GitHub',
  grant: 'authorization_code',
  authorizeUrl: 'https://github.com/login/oauth/authorize',
  tokenUrl: 'https://github.com/login/oauth/access_token',
  // GitHub revokes grants with DELETE /applications/{client_id}/grant (not RFC 7009); disconnecting forgets the token.
  scopes: ['repo'],
  pkce: true,
  clientAuth: 'client_secret_post',
  whereToGet:
    'register a GitHub App (expiring user tokens, refreshed by Switchyard) or an OAuth App at https://github.com/settings/developers with the callback URL Switchyard shows, and copy its client ID and a client secret',
};

export const hubspot: OAuth2Provider = {
  key: 'hubspot',
  title: 'HubSpot',
  grant: 'authorization_code',
  authorizeUrl: 'https://app.hubspot.com/oauth/authorize',
  tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
  // HubSpot deletes refresh tokens with DELETE /oauth/v1/refresh-tokens/:token (not RFC 7009).
  scopes: ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write'],
  pkce: false,
  clientAuth: 'client_secret_post',
  whereToGet:
    'create an app in your HubSpot developer account (https://developers.hubspot.com), add the redirect URL Switchyard shows under Auth, and copy its client ID and secret',
};

/**
 * Any OAuth 2 server, configured by the workspace with its client: authorize, token and (optional) revocation URLs,
 * the issuer (then its `iss` is required on callbacks), scopes, and the grant (client credentials for server-to-server APIs).
 */
export const generic: OAuth2Provider = {
  key: 'generic',
  title: 'OAuth 2 (generic)',
  grant: 'authorization_code',
  tokenUrl: '',
  scopes: [],
  pkce: true,
  configurable: true,
  whereToGet: 'register a client with the provider (its redirect URI is the one Switchyard shows) and copy the client id and secret it gives you',
};

export const oauthProviders: OAuth2Provider[] = [google, slack, github, hubspot, generic];

/** Every provider by key: the ones above, plus any an integration brings in its `auth: oauth2(…)`. */
export function providersOf(integrations: IntegrationDefinition[]): Map<string, OAuth2Provider> {
  const map = new Map(oauthProviders.map((p) => [p.key, p]));
  for (const i of integrations) if (i.auth.type === 'oauth2' && !map.has(i.auth.provider.key)) map.set(i.auth.provider.key, i.auth.provider);
  return map;
}
