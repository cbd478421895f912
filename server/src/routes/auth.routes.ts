import { PasswordResetRequest, SessionInfo, SessionList, SignInRequest, SignOutRequest, SignUpRequest } from '#core/api';
import { z } from 'zod';
import { clearSessionCookie, sessionFromRequest } from '../http/sessions';
import { defineRoute, type RouteDef } from '../http/route';
import type { ServerDeps } from '../deps';
import type { People } from '../services/people.service';

/** The editor's people: sign-up, sign-in, sign-out, password reset, their workspaces (docs/people-and-roles.md). */
export function authRoutes(deps: ServerDeps, people: People): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/auth/signup',
      auth: 'none',
      tag: 'People',
      summary: 'Sign up with an email and a password (with an invitation link, or anyone when SWITCHYARD_SIGNUP=open); starts a session',
      body: SignUpRequest,
      responses: {
        201: { description: 'Signed up and signed in (Set-Cookie: the session)', schema: SessionInfo },
        403: { description: 'Sign-up needs an invitation here, or the invitation is for another email' },
        404: { description: 'The invitation link is not valid' },
        409: { description: 'An account with this email exists' },
      },
      async handler({ body, req }) {
        const { setCookie, body: session } = await people.signUp(req, body);
        return { status: 201, body: session, headers: { 'Set-Cookie': setCookie } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/signin',
      auth: 'none',
      tag: 'People',
      summary:
        'Sign in to the editor: sets the session cookie (HttpOnly, SameSite=Strict, Secure behind TLS); wrong passwords are rate limited and lock the account',
      body: SignInRequest,
      responses: {
        200: { description: 'Signed in (Set-Cookie: the session)', schema: SessionInfo },
        401: { description: 'Wrong email or password' },
        429: { description: 'Too many failed sign-ins from this address, or the account is locked; see Retry-After' },
      },
      async handler({ body, req }) {
        const { setCookie, body: session } = await people.signIn(req, body);
        return { body: session, headers: { 'Set-Cookie': setCookie } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/reset-password',
      auth: 'none',
      tag: 'People',
      summary: 'Set a new password with a reset link printed by `npm run people -- reset-password <email>`; signs the account out everywhere',
      body: PasswordResetRequest,
      responses: { 204: { description: 'Password set' }, 404: { description: 'The reset link is not valid (expired or used)' } },
      async handler({ body, req }) {
        await people.resetPassword(req, body.token, body.password);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/auth/current',
      auth: 'none',
      tag: 'People',
      summary: 'Whether this browser is signed in: the session (as GET /api/auth/session gives it), or null; never a 401',
      responses: {
        200: {
          description: 'The session, or null; `oidc`: whether sign-in through the identity provider is set up',
          schema: z.object({ session: SessionInfo.nullable(), oidc: z.boolean() }),
        },
      },
      async handler({ req }) {
        const person = await sessionFromRequest(deps.db, people.config.session, req);
        return { body: { session: person ? await people.sessionInfo(person.userId, person.csrfToken) : null, oidc: deps.oidc !== undefined } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/auth/session',
      auth: 'person',
      tag: 'People',
      summary: 'The signed-in person, their workspaces and roles, and the CSRF token their writes send in X-CSRF-Token',
      responses: { 200: { description: 'The session', schema: SessionInfo } },
      async handler({ auth }) {
        return { body: await people.sessionInfo(auth.person!.userId, auth.person!.csrfToken) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/signout',
      auth: 'person',
      tag: 'People',
      summary: 'Sign out: revokes this session (or, with `everywhere`, every session of the person)',
      body: SignOutRequest,
      responses: { 204: { description: 'Signed out (the cookie is cleared)' } },
      async handler({ auth, body, req }) {
        await people.signOut(req, auth, body.everywhere);
        return { status: 204, headers: { 'Set-Cookie': clearSessionCookie(people.config.session, req) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/auth/sessions',
      auth: 'person',
      tag: 'People',
      summary: 'Where you are signed in: your live sessions, newest first (`current`: this browser)',
      responses: { 200: { description: 'Your sessions', schema: SessionList } },
      async handler({ auth }) {
        return { body: { sessions: await people.sessions(auth) } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/auth/sessions/:sessionId',
      auth: 'person',
      tag: 'People',
      summary: 'Signs one of your sessions out (another browser, a lost laptop); it stops working at once',
      params: z.object({ sessionId: z.string().min(1).max(64) }),
      responses: { 204: { description: 'Signed out there' }, 404: { description: 'You have no such live session' } },
      async handler({ auth, params, req }) {
        await people.revokeOneSession(req, auth, params.sessionId);
        return { status: 204 };
      },
    }),
  ];
}
