import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/api';
import { cookieRequest } from '../helpers/people';
import { PEER_CLIENT, signIn, startOAuthPeer, type OAuthPeer } from '../peers/oauth-peer';

/**
 * OpenID Connect sign-in against a real provider (oidc-provider): start → the provider (which signs `dana` in) → the
 * callback, with state, nonce and PKCE checked by openid-client. An unknown person needs an invitation; with one they
 * join its workspace with its role; a known email signs in to its account.
 */
const PUBLIC = 'http://switchyard.test';

async function oidcSignIn(api: TestApi, peer: OAuthPeer, invite?: string) {
  const start = await fetch(`${api.url}/api/auth/oidc/start${invite ? `?invite=${invite}` : ''}`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const pending = /sy_oidc=[^;]+/.exec(start.headers.get('set-cookie') ?? '')![0];
  expect(start.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Lax/);
  const { callbackUrl } = await signIn(start.headers.get('location')!, peer.issuer);
  expect(callbackUrl).toMatch(new RegExp(`^${PUBLIC}/api/auth/oidc/callback\\?`));
  const back = new URL(callbackUrl!);
  const res = await fetch(`${api.url}${back.pathname}${back.search}`, { redirect: 'manual', headers: { cookie: pending } });
  return { res, callback: `${back.pathname}${back.search}` };
}

describe('OpenID Connect sign-in', () => {
  let api: TestApi;
  let peer: OAuthPeer;

  beforeAll(async () => {
    peer = await startOAuthPeer({ redirectUris: [`${PUBLIC}/api/auth/oidc/callback`], identity: { account: 'dana' } });
    api = await startTestApi({
      taskQueue: `oidc-${Date.now()}`,
      publicUrl: PUBLIC,
      people: { signup: 'invite' },
      oidc: { issuer: peer.issuer, clientId: PEER_CLIENT.clientId, clientSecret: PEER_CLIENT.clientSecret, allowHttp: true },
    });
  });
  afterAll(async () => {
    await api?.close();
    await peer?.close();
  });

  it('refuses someone without an account or an invitation, and a callback not started in this browser', async () => {
    const { res, callback } = await oidcSignIn(api, peer);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/no Switchyard account for dana@example.com/);
    const stranger = await fetch(`${api.url}${callback}`, { redirect: 'manual' });
    expect(stranger.status).toBe(400);
  });

  it('with an invitation, creates the account, joins the workspace with its role and signs in; later it just signs in', async () => {
    const invitation = await api.request('POST', '/api/invitations', { body: { role: 'operator' } });
    const { res } = await oidcSignIn(api, peer, invitation.body.token);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/#/flows');
    const cookie = /sy_session=[^;]+/.exec(res.headers.getSetCookie().join('\n'))![0];
    const session = await cookieRequest(api, cookie, 'GET', '/api/auth/session');
    expect(session.body).toMatchObject({ user: { email: 'dana@example.com', name: 'Person dana' }, workspaces: [{ id: api.workspaceId, role: 'operator' }] });

    const again = await oidcSignIn(api, peer);
    expect(again.res.status).toBe(303);
    const audit = await api.request('GET', '/api/audit?action=signin.succeeded');
    expect(audit.body.entries[0]).toMatchObject({ target: 'dana@example.com', details: { method: 'oidc' } });
  });

  it('answers 404 naming the settings where it is not set up', async () => {
    const plain = await startTestApi({ taskQueue: `oidc-off-${Date.now()}` });
    try {
      const res = await plain.request('GET', '/api/auth/oidc/start', { key: null });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toMatch(/SWITCHYARD_OIDC_ISSUER/);
    } finally {
      await plain.close();
    }
  });
});
