import type { Request } from 'express';
import * as oidc from 'openid-client';
import { AppError } from '#core/errors';
import type { Db } from '#store/database';
import { findOpenInvitation, findUserByEmail, insertUser } from '#store/people.repository';
import { insertAuditEntry } from '#store/audit.repository';
import { hashToken, startSession } from '../http/sessions';
import type { People } from './people.service';
import { clientAddress } from './audit.service';

/** OpenID Connect sign-in (SWITCHYARD_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET): for teams with an identity provider. */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Allow an `http://` issuer (tests and a provider on the same private network). */
  allowHttp?: boolean;
}

/** The browser's pending sign-in: state, nonce, PKCE verifier and an invitation, in a short-lived HttpOnly cookie. */
const PENDING_COOKIE = 'sy_oidc';

export class OidcSignIn {
  private discovered: Promise<oidc.Configuration> | undefined;

  constructor(
    private readonly db: Db,
    private readonly people: People,
    private readonly config: OidcConfig,
    private readonly publicUrl: string | undefined,
  ) {}

  private configuration(): Promise<oidc.Configuration> {
    this.discovered ??= oidc
      .discovery(
        new URL(this.config.issuer),
        this.config.clientId,
        this.config.clientSecret,
        undefined,
        this.config.allowHttp ? { execute: [oidc.allowInsecureRequests] } : {},
      )
      .catch((err: unknown) => {
        this.discovered = undefined;
        throw new AppError(
          'PROVIDER_UNAVAILABLE',
          `The identity provider ${this.config.issuer} could not be reached: ${err instanceof Error ? err.message : String(err)}`,
        );
      });
    return this.discovered;
  }

  private redirectUri(req: Request): string {
    return `${this.publicUrl ?? `${req.protocol}://${req.get('host')}`}/api/auth/oidc/callback`;
  }

  /** The provider's sign-in URL, and the cookie that binds its answer to this browser. */
  async start(req: Request, invitation: string | undefined): Promise<{ location: string; setCookie: string }> {
    const config = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri(req),
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const pending = Buffer.from(JSON.stringify({ state, nonce, verifier, ...(invitation ? { invitation } : {}) })).toString('base64url');
    // Lax, not Strict: the provider's redirect back is a cross-site navigation, which must carry it.
    const secure = req.secure || (this.publicUrl?.startsWith('https:') ?? false);
    return {
      location: url.href,
      setCookie: `${PENDING_COOKIE}=${pending}; Path=/api/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=600${secure ? '; Secure' : ''}`,
    };
  }

  /**
   * The provider's answer: checks state, nonce and PKCE (openid-client), needs a verified email, and signs in the person
   * with that email; a new person is created only with an invitation (or when sign-up is open).
   */
  async callback(req: Request): Promise<{ setCookies: string[] }> {
    const raw = /(?:^|;\s*)sy_oidc=([^;]+)/.exec(req.get('cookie') ?? '')?.[1];
    if (!raw)
      throw new AppError(
        'OAUTH_CALLBACK_REFUSED',
        'This sign-in was not started in this browser (or took over 10 minutes): start it again from the sign-in page',
      );
    const pending = JSON.parse(Buffer.from(raw, 'base64url').toString()) as { state: string; nonce: string; verifier: string; invitation?: string };
    const config = await this.configuration();
    const current = new URL(req.originalUrl, this.redirectUri(req));
    let claims: Record<string, unknown> | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
      });
      const idToken = tokens.claims();
      claims = idToken;
      // Many providers put email and name in the userinfo answer rather than the ID token: ask for them there.
      if (idToken && typeof idToken.email !== 'string') claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub)), sub: idToken.sub };
    } catch (err) {
      throw new AppError('OAUTH_CALLBACK_REFUSED', `The identity provider's answer was refused: ${err instanceof Error ? err.message : String(err)}`);
    }
    const email = typeof claims?.email === 'string' ? claims.email.toLowerCase() : undefined;
    if (!email || claims?.email_verified !== true) {
      throw new AppError('FORBIDDEN', 'The identity provider gave no verified email address, which Switchyard needs to know who you are');
    }
    let user = await findUserByEmail(this.db, email);
    if (!user) {
      const invitation = pending.invitation ? await findOpenInvitation(this.db, hashToken(pending.invitation)) : undefined;
      if (!invitation && this.people.config.signup !== 'open') {
        throw new AppError('FORBIDDEN', `There is no Switchyard account for ${email}: ask an owner for an invitation link and open it first`);
      }
      user = await insertUser(this.db, { email, name: typeof claims?.name === 'string' ? claims.name : email.split('@')[0]!, passwordHash: null });
      if (invitation) await this.people.joinWithInvitation(req, user.id, user.email, invitation);
    }
    const session = await startSession(this.db, this.people.config.session, req, user.id);
    await insertAuditEntry(this.db, {
      workspaceId: null,
      actorType: 'user',
      actorId: user.id,
      actorLabel: user.email,
      subjectUserId: user.id,
      action: 'signin.succeeded',
      target: user.email,
      details: { method: 'oidc', issuer: this.config.issuer },
      address: clientAddress(req),
    });
    return { setCookies: [session.setCookie, `${PENDING_COOKIE}=; Path=/api/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=0`] };
  }
}
