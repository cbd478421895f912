import { z } from 'zod';
import { AppError } from '#core/errors';
import { defineRoute, type RouteDef } from '../http/route';
import type { ServerDeps } from '../deps';
import type { OidcSignIn } from '../services/oidc.service';

/** OpenID Connect sign-in: present always (documented), answering 404 until SWITCHYARD_OIDC_ISSUER is set. */
export function oidcRoutes(_deps: ServerDeps, signIn: OidcSignIn | undefined): RouteDef[] {
  const configured = () => {
    if (!signIn)
      throw new AppError(
        'NOT_FOUND',
        'OpenID Connect sign-in is not set up on this install: set SWITCHYARD_OIDC_ISSUER, SWITCHYARD_OIDC_CLIENT_ID and SWITCHYARD_OIDC_CLIENT_SECRET',
      );
    return signIn;
  };
  return [
    defineRoute({
      method: 'get',
      path: '/api/auth/oidc/start',
      auth: 'none',
      tag: 'People',
      summary: "Sign in with the install's identity provider (OpenID Connect): redirects there; `invite` carries an invitation link's token",
      query: z.object({ invite: z.string().min(10).max(200).optional() }),
      responses: {
        302: { description: "To the identity provider's sign-in" },
        404: { description: 'OpenID Connect sign-in is not set up' },
        502: { description: 'The identity provider could not be reached' },
      },
      async handler({ query, req }) {
        const { location, setCookie } = await configured().start(req, query.invite);
        return { status: 302, headers: { Location: location, 'Set-Cookie': setCookie } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/auth/oidc/callback',
      auth: 'none',
      tag: 'People',
      summary: "The identity provider's redirect back (register this exact URI with it): signs the person in and opens the editor",
      query: z.record(z.string(), z.string()),
      responses: {
        303: { description: 'Signed in (Set-Cookie: the session); to the editor' },
        400: { description: 'Refused: not started in this browser, a state, nonce or PKCE mismatch, or the provider refused the code' },
        403: { description: 'No verified email, or no account for it and no invitation' },
        404: { description: 'OpenID Connect sign-in is not set up' },
        502: { description: 'The identity provider could not be reached' },
      },
      async handler({ req }) {
        const { setCookies } = await configured().callback(req);
        return { status: 303, headers: { Location: '/#/flows', 'Set-Cookie': setCookies } };
      },
    }),
  ];
}
