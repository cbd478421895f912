import * as oauth from 'oauth4webapi';
import type { OAuth2Provider } from '#core/oauth';

/**
 * The OAuth 2 protocol, all of it through `oauth4webapi` (no hand-written OAuth): PKCE (S256), the authorization
 * response check (`state`, error responses, RFC 9207 `iss`), the token requests (authorization code, refresh token,
 * client credentials) and RFC 7009 revocation. The API server (callback, disconnect) and the worker (refresh) share it.
 */

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** Why a token request failed: `invalid_grant` and friends mean a person must reconnect; the rest may pass on a retry. */
export class OAuthRequestError extends Error {
  override readonly name = 'OAuthRequestError';
  constructor(
    message: string,
    /** The provider's OAuth error code (`invalid_grant`), when it sent one. */
    readonly oauthError: string | undefined,
    /** True when retrying cannot help: the grant is dead (needs reconnect) or the client is misconfigured. */
    readonly permanent: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** OAuth error codes that mean the grant or the client is no good; anything else (5xx, network) is transient. */
const PERMANENT_ERRORS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'access_denied']);

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export class OAuthProtocol {
  readonly as: oauth.AuthorizationServer;
  private readonly options: { [oauth.allowInsecureRequests]?: boolean; [oauth.customFetch]?: typeof fetch };

  constructor(
    readonly provider: OAuth2Provider,
    fetchImpl?: typeof fetch,
  ) {
    const urls = [provider.authorizeUrl, provider.tokenUrl, provider.revocationUrl].filter((u): u is string => !!u);
    // Plain http only to this machine (a local provider in development and tests); everything else must be https.
    const insecure = urls.filter((u) => u.startsWith('http:'));
    if (insecure.some((u) => !isLoopback(u)))
      throw new OAuthRequestError(`The ${provider.title} OAuth endpoints must use https (${insecure.join(', ')})`, undefined, true);
    this.as = {
      issuer: provider.issuer ?? new URL(provider.authorizeUrl ?? provider.tokenUrl).origin,
      ...(provider.authorizeUrl ? { authorization_endpoint: provider.authorizeUrl } : {}),
      token_endpoint: provider.tokenUrl,
      ...(provider.revocationUrl ? { revocation_endpoint: provider.revocationUrl } : {}),
      ...(provider.issParameter ? { authorization_response_iss_parameter_supported: true } : {}),
    };
    this.options = {
      ...(insecure.length > 0 ? { [oauth.allowInsecureRequests]: true } : {}),
      ...(fetchImpl ? { [oauth.customFetch]: fetchImpl } : {}),
    };
  }

  private auth(client: ClientCredentials): oauth.ClientAuth {
    return this.provider.clientAuth === 'client_secret_post' ? oauth.ClientSecretPost(client.clientSecret) : oauth.ClientSecretBasic(client.clientSecret);
  }

  /** A fresh `state` and PKCE verifier, and the authorization URL to send the browser to. */
  async authorizationRequest(o: { clientId: string; redirectUri: string; scopes: string[] }): Promise<{ url: string; state: string; verifier: string }> {
    if (!this.provider.authorizeUrl) throw new OAuthRequestError(`${this.provider.title} has no authorization endpoint`, undefined, true);
    const state = oauth.generateRandomState();
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(this.provider.authorizeUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', o.clientId);
    url.searchParams.set('redirect_uri', o.redirectUri);
    if (o.scopes.length > 0) url.searchParams.set('scope', o.scopes.join(this.provider.scopeSeparator ?? ' '));
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    for (const [k, v] of Object.entries(this.provider.authorizeParams ?? {})) url.searchParams.set(k, v);
    return { url: url.href, state, verifier };
  }

  /**
   * Checks the callback's parameters (error response, `state`, `iss`) and exchanges the code, sending the verifier and
   * the exact redirect URI of the authorization request.
   */
  async exchangeCode(
    client: ClientCredentials,
    callback: URLSearchParams,
    o: { expectedState: string; redirectUri: string; verifier: string },
  ): Promise<oauth.TokenEndpointResponse> {
    let params: URLSearchParams;
    try {
      params = oauth.validateAuthResponse(this.as, { client_id: client.clientId }, callback, o.expectedState);
    } catch (err) {
      if (err instanceof oauth.AuthorizationResponseError)
        throw new OAuthRequestError(
          `${this.provider.title} refused the authorization: ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`,
          err.error,
          true,
        );
      throw new OAuthRequestError(`The authorization response from ${this.provider.title} is not valid: ${(err as Error).message}`, undefined, true);
    }
    return this.tokenCall(
      () => oauth.authorizationCodeGrantRequest(this.as, { client_id: client.clientId }, this.auth(client), params, o.redirectUri, o.verifier, this.options),
      (res) => oauth.processAuthorizationCodeResponse(this.as, { client_id: client.clientId }, res),
    );
  }

  async refresh(client: ClientCredentials, refreshToken: string): Promise<oauth.TokenEndpointResponse> {
    return this.tokenCall(
      () => oauth.refreshTokenGrantRequest(this.as, { client_id: client.clientId }, this.auth(client), refreshToken, this.options),
      (res) => oauth.processRefreshTokenResponse(this.as, { client_id: client.clientId }, res),
    );
  }

  async clientCredentials(client: ClientCredentials, scopes: string[]): Promise<oauth.TokenEndpointResponse> {
    const params: Record<string, string> = scopes.length > 0 ? { scope: scopes.join(this.provider.scopeSeparator ?? ' ') } : {};
    return this.tokenCall(
      () => oauth.clientCredentialsGrantRequest(this.as, { client_id: client.clientId }, this.auth(client), params, this.options),
      (res) => oauth.processClientCredentialsResponse(this.as, { client_id: client.clientId }, res),
    );
  }

  /** RFC 7009 revocation, where the provider has an endpoint; false when it has none. */
  async revoke(client: ClientCredentials, token: string, hint: 'access_token' | 'refresh_token'): Promise<boolean> {
    if (!this.provider.revocationUrl) return false;
    const res = await oauth.revocationRequest(this.as, { client_id: client.clientId }, this.auth(client), token, {
      ...this.options,
      additionalParameters: { token_type_hint: hint },
    });
    await oauth.processRevocationResponse(res);
    return true;
  }

  private async tokenCall(
    send: () => Promise<Response>,
    process: (res: Response) => Promise<oauth.TokenEndpointResponse>,
  ): Promise<oauth.TokenEndpointResponse> {
    let res: Response;
    try {
      res = await send();
    } catch (err) {
      throw new OAuthRequestError(`${this.provider.title}'s token endpoint could not be reached: ${(err as Error).message}`, undefined, false);
    }
    try {
      return await process(res);
    } catch (err) {
      if (err instanceof oauth.ResponseBodyError) {
        const permanent = PERMANENT_ERRORS.has(err.error) || (err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429);
        throw new OAuthRequestError(
          `${this.provider.title} refused the token request: ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`,
          err.error,
          permanent,
          err.status,
        );
      }
      const status = res.status;
      throw new OAuthRequestError(
        `${this.provider.title}'s token endpoint answered ${status}: ${(err as Error).message}`,
        undefined,
        status >= 400 && status < 500 && status !== 408 && status !== 429,
        status,
      );
    }
  }
}
