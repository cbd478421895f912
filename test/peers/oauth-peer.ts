import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

export const PEER_CLIENT = { clientId: 'switchyard-test', clientSecret: 'peer-client-secret-0123456789abcdef' } as const;
export const PEER_SERVICE_CLIENT = { clientId: 'switchyard-service', clientSecret: 'peer-service-secret-0123456789abcdef' } as const;

export interface OAuthPeerOptions {
  /** Redirect URIs registered for the authorization-code client (matched exactly by the provider). */
  redirectUris: string[];
  /** Access-token lifetime in seconds (authorization code and refresh). Default 5. */
  accessTokenTtl?: number;
  /** Client-credentials token lifetime in seconds. Default 5. */
  clientCredentialsTtl?: number;
  /** Serve OpenID Connect sign-in too: the `email` and `profile` scopes, and ID tokens with the account's email (`<account>@example.com`, verified). */
  identity?: { account: string; emailVerified?: boolean };
}

export interface ResourceHit {
  at: number;
  ok: boolean;
  /** Why a token was refused: missing, unknown, expired, revoked (its grant is gone). */
  reason?: string;
  kind?: string;
  /** The token's id at the provider (which generation of access token was used). */
  tokenId?: string;
}

/**
 * A real OAuth 2 authorization server for tests: `oidc-provider` with an authorization-code client (PKCE S256
 * required, exact redirect URIs, `iss` in authorization responses per RFC 9207), refresh-token rotation with reuse
 * detection (a consumed refresh token presented again revokes the whole grant), RFC 7009 revocation, short token
 * lifetimes, and a client-credentials client. Sign-in and consent are approved automatically for user `alice`.
 * `/resource` is a protected resource that checks bearer tokens against the provider's own store and records each hit.
 * `counts` are what the server saw at its token endpoint.
 */
export async function startOAuthPeer(o: OAuthPeerOptions) {
  const counts = { authorization_code: 0, refresh_token: 0, client_credentials: 0, grantErrors: [] as string[], revocations: 0, refreshReuse: 0 };
  const seenRefreshTokens = new Set<string>();
  const resourceHits: ResourceHit[] = [];
  /** Every access and refresh token presented to the peer (bearer tokens at /resource and /echo, refresh tokens at /token). */
  const seenTokens = new Set<string>();
  const grantIds: string[] = [];

  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: PEER_CLIENT.clientId,
        client_secret: PEER_CLIENT.clientSecret,
        redirect_uris: o.redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: PEER_SERVICE_CLIENT.clientId,
        client_secret: PEER_SERVICE_CLIENT.clientSecret,
        redirect_uris: [],
        grant_types: ['client_credentials'],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true, allowedPolicy: async () => true },
      introspection: { enabled: true },
    },
    scopes: ['api'],
    ttl: {
      AccessToken: o.accessTokenTtl ?? 5,
      ClientCredentials: o.clientCredentialsTtl ?? 5,
      AuthorizationCode: 60,
      RefreshToken: 3600,
      Grant: 3600,
      Interaction: 600,
      Session: 3600,
    },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () =>
        o.identity ? { sub, email: `${sub}@example.com`, email_verified: o.identity.emailVerified ?? true, name: `Person ${sub}` } : { sub },
    }),
    ...(o.identity ? { claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] } } : {}),
    cookies: { keys: ['oauth-peer-cookie-key-for-tests-only'] },
    renderError: async (ctx, out) => {
      ctx.type = 'text/plain';
      ctx.body = `${out.error}: ${out.error_description ?? ''}`;
    },
  });

  const noteRefreshToken = (ctx: KoaContextWithOIDC) => {
    const rt = ctx.oidc.params?.refresh_token;
    if (typeof rt !== 'string') return;
    if (seenRefreshTokens.has(rt)) counts.refreshReuse++;
    seenRefreshTokens.add(rt);
    seenTokens.add(rt);
  };
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    noteRefreshToken(ctx);
    const type = String(ctx.oidc.params?.grant_type) as 'authorization_code' | 'refresh_token' | 'client_credentials';
    if (type in counts) counts[type]++;
  });
  provider.on('grant.error', (ctx: KoaContextWithOIDC, err: Error & { error?: string }) => {
    noteRefreshToken(ctx);
    counts.grantErrors.push(`${String(ctx.oidc.params?.grant_type)}:${err.error ?? err.message}`);
  });

  const callback = provider.callback();
  server.on('request', (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', issuer);
      if (req.method === 'POST' && url.pathname === '/token/revocation') counts.revocations++;
      if (url.pathname.startsWith('/interaction/')) {
        const details = await provider.interactionDetails(req, res);
        const account = o.identity?.account ?? 'alice';
        const grant = new provider.Grant({ accountId: account, clientId: String(details.params.client_id) });
        grant.addOIDCScope('openid');
        if (details.params.scope) grant.addOIDCScope(String(details.params.scope));
        const grantId = await grant.save();
        grantIds.push(grantId);
        await provider.interactionFinished(req, res, { login: { accountId: account }, consent: { grantId } }, { mergeWithLastSubmission: false });
        return;
      }
      if (url.pathname === '/echo' || url.pathname === '/forbidden') {
        // A careless API: it reflects the credentials it received, in an answer and in an error.
        const authorization = req.headers.authorization ?? '';
        seenTokens.add(authorization.replace(/^Bearer /i, ''));
        const status = url.pathname === '/echo' ? 200 : 403;
        res.writeHead(status, { 'content-type': 'application/json', 'x-echo': authorization });
        res.end(JSON.stringify({ youSent: authorization, note: `token was ${authorization.replace(/^Bearer /i, '')}` }));
        return;
      }
      if (url.pathname === '/resource') {
        const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
        if (token) seenTokens.add(token);
        const hit: ResourceHit = { at: Date.now(), ok: false };
        if (!token) hit.reason = 'missing';
        else {
          const found =
            (await provider.AccessToken.find(token, { ignoreExpiration: true })) ?? (await provider.ClientCredentials.find(token, { ignoreExpiration: true }));
          if (!found) hit.reason = 'unknown';
          else if (found.isExpired) hit.reason = 'expired';
          else if ('grantId' in found && found.grantId && !(await provider.Grant.find(found.grantId))) hit.reason = 'revoked';
          else {
            hit.tokenId = found.jti;
            hit.ok = true;
            hit.kind = found.kind;
          }
        }
        resourceHits.push(hit);
        res.writeHead(hit.ok ? 200 : 401, { 'content-type': 'application/json', ...(hit.ok ? {} : { 'www-authenticate': `Bearer error="invalid_token"` }) });
        res.end(JSON.stringify(hit.ok ? { ok: true, user: 'alice' } : { error: 'invalid_token', error_description: hit.reason }));
        return;
      }
      callback(req, res);
    })().catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });

  return {
    issuer,
    provider,
    /** Revokes every grant made so far (as a person removing the app's access at the provider): refreshes then fail with invalid_grant. */
    async revokeAllGrants() {
      for (const id of grantIds) await (await provider.Grant.find(id))?.destroy();
    },
    counts,
    resourceHits,
    seenTokens,
    authorizeUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    revocationUrl: `${issuer}/token/revocation`,
    resourceUrl: `${issuer}/resource`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type OAuthPeer = Awaited<ReturnType<typeof startOAuthPeer>>;

/**
 * Follows a provider's redirects like a browser would (cookies kept per peer), from an authorization URL up to the
 * redirect that leaves the provider: returns that URL (the callback with code, state and iss) or the provider's error.
 */
export async function signIn(authorizeUrl: string, issuer: string): Promise<{ callbackUrl?: string; status: number; body?: string }> {
  const jar = new Map<string, string>();
  let url = authorizeUrl;
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, ...v] = pair!.split('=');
      jar.set(k!.trim(), v.join('='));
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, url).href;
      if (!next.startsWith(issuer)) return { callbackUrl: next, status: res.status };
      url = next;
      continue;
    }
    return { status: res.status, body: await res.text() };
  }
  throw new Error('signIn: too many redirects');
}
