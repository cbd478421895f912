import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { integrations } from '#catalog';
import { google } from '#catalog/oauth-providers';
import { defineAction, defineIntegration } from '#core/catalog-sdk';
import { oauth2 } from '#core/oauth';
import { startTestApi, type TestApi } from '../helpers/api';
import { beginConnect, callCallback, connectViaPeer, useGenericPeer } from '../helpers/oauth';
import { signIn, startOAuthPeer, type OAuthPeer } from '../peers/oauth-peer';

let api: TestApi;
let peer: OAuthPeer;

/** An integration that needs a Google connection (the publish check only reads its auth). */
const sheetsLike = defineIntegration({
  key: 'gsheet-test',
  version: 1,
  title: 'Sheets (test)',
  description: 'needs a Google connection',
  auth: oauth2(google, { scopes: ['https://www.googleapis.com/auth/spreadsheets'] }),
  actions: [
    defineAction({
      key: 'read',
      title: 'Read',
      description: 'reads',
      input: z.object({ connection: z.string() }),
      output: z.object({}),
      run: async () => ({}),
    }),
  ],
});

beforeAll(async () => {
  api = await startTestApi({ taskQueue: 'oauth-connect', integrations: [...integrations, sheetsLike] });
  peer = await startOAuthPeer({ redirectUris: [`${api.url}/api/oauth/callback`], accessTokenTtl: 60 });
  await useGenericPeer(api, peer);
});
afterAll(async () => {
  await api?.close();
  await peer?.close();
});

async function connectionCount(): Promise<number> {
  const list = await api.request('get', '/api/connections');
  expect(list.status).toBe(200);
  return (list.body.connections as { live: unknown }[]).filter((c) => c.live).length;
}

describe('connect with authorization code + PKCE against a real oidc-provider', () => {
  it('connects: PKCE S256 in the authorization request, tokens stored, status connected, nothing secret in answers', async () => {
    const begun = await beginConnect(api, peer, { name: 'Alice at peer' });
    const authorize = new URL(begun.authorizeUrl);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${api.url}/api/oauth/callback`);
    expect(begun.cookie).toMatch(/^sy_oauth_session=/);
    expect(begun.callbackUrl).toContain(`iss=${encodeURIComponent(peer.issuer)}`);
    const done = await callCallback(begun.callbackUrl!, begun.cookie);
    expect(done.status, done.text).toBe(200);
    const one = await api.request('get', `/api/connections/${begun.connectionId}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: begun.connectionId, provider: 'generic', name: 'Alice at peer', live: { status: 'connected' }, test: null });
    expect(peer.counts.authorization_code).toBe(1);
    // The test endpoint gets a token without a refresh (60 s tokens).
    const tested = await api.request('post', `/api/connections/${begun.connectionId}/test`, { body: {} });
    expect(tested.body).toMatchObject({ ok: true, status: 'connected' });
  });

  it('refuses a wrong state, and stores nothing', async () => {
    const before = await connectionCount();
    const begun = await beginConnect(api, peer);
    const url = new URL(begun.callbackUrl!);
    url.searchParams.set('state', url.searchParams.get('state')!.slice(0, -1) + 'x');
    const res = await callCallback(url.href, begun.cookie);
    expect(res.status).toBe(400);
    expect(res.text).toContain('unknown or was already used');
    expect(JSON.parse(res.text).error.code).toBe('OAUTH_CALLBACK_REFUSED');
    // A browser (the sign-in pop-up) gets a page saying the same.
    const page = await fetch(url.href, { headers: { cookie: begun.cookie, accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('Not connected');
    expect(await connectionCount()).toBe(before);
  });

  it('refuses a reused state: the second callback with the same state stores nothing', async () => {
    const begun = await beginConnect(api, peer);
    expect((await callCallback(begun.callbackUrl!, begun.cookie)).status).toBe(200);
    const after = await connectionCount();
    const again = await callCallback(begun.callbackUrl!, begun.cookie);
    expect(again.status).toBe(400);
    expect(again.text).toContain('already used');
    expect(await connectionCount()).toBe(after);
  });

  it('refuses a callback from another browser session (state bound to the session cookie)', async () => {
    const before = await connectionCount();
    const begun = await beginConnect(api, peer);
    const res = await callCallback(begun.callbackUrl!, 'sy_oauth_session=' + 'A'.repeat(43));
    expect(res.status).toBe(400);
    expect(res.text).toContain('another browser session');
    expect(await callCallback(begun.callbackUrl!, undefined)).toMatchObject({ status: 400 });
    expect(await connectionCount()).toBe(before);
  });

  it('refuses a redirect URI differing by one character (the provider matches it exactly)', async () => {
    const before = await connectionCount();
    const res = await api.request('post', '/api/connections', { body: { provider: 'generic', name: 'x' } });
    const url = new URL(res.body.authorizeUrl);
    url.searchParams.set('redirect_uri', `${api.url}/api/oauth/callbacK`);
    const signedIn = await signIn(url.href, peer.issuer);
    expect(signedIn.callbackUrl).toBeUndefined();
    expect(signedIn.status).toBe(400);
    expect(signedIn.body).toContain('redirect_uri');
    expect(await connectionCount()).toBe(before);
  });

  it('refuses a missing code challenge/verifier (PKCE required) and a wrong verifier (a code injected into another sign-in)', async () => {
    const before = await connectionCount();
    // Missing: the provider refuses an authorization request without code_challenge; the error comes back to the callback.
    const first = await api.request('post', '/api/connections', { body: { provider: 'generic', name: 'x' } });
    const cookie = first.headers.getSetCookie()[0]!.split(';')[0]!;
    const stripped = new URL(first.body.authorizeUrl);
    stripped.searchParams.delete('code_challenge');
    stripped.searchParams.delete('code_challenge_method');
    const missing = await signIn(stripped.href, peer.issuer);
    expect(new URL(missing.callbackUrl!).searchParams.get('error')).toBe('invalid_request');
    const refused = await callCallback(missing.callbackUrl!, cookie);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('invalid_request');
    // Wrong: sign-in A's code delivered with sign-in B's state, so B's verifier is sent with A's code.
    const a = await beginConnect(api, peer, { cookie });
    const b = await beginConnect(api, peer, { cookie });
    const injected = new URL(b.callbackUrl!);
    injected.searchParams.set('code', new URL(a.callbackUrl!).searchParams.get('code')!);
    const wrong = await callCallback(injected.href, cookie);
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('invalid_grant');
    expect(await connectionCount()).toBe(before);
  });

  it('refuses a mix-up: iss of another issuer (RFC 9207), and a missing iss when the issuer is known', async () => {
    const before = await connectionCount();
    const begun = await beginConnect(api, peer);
    const other = new URL(begun.callbackUrl!);
    other.searchParams.set('iss', 'https://attacker.example');
    const res = await callCallback(other.href, begun.cookie);
    expect(res.status).toBe(400);
    expect(res.text).toContain('iss');
    const again = await beginConnect(api, peer, { cookie: begun.cookie });
    const none = new URL(again.callbackUrl!);
    none.searchParams.delete('iss');
    expect((await callCallback(none.href, begun.cookie)).status).toBe(400);
    expect(await connectionCount()).toBe(before);
  });

  it('renames, keeps live and test apart, and disconnects with revocation at the provider', async () => {
    const id = await connectViaPeer(api, peer, { name: 'Before' });
    const renamed = await api.request('patch', `/api/connections/${id}`, { body: { name: 'After' } });
    expect(renamed.body).toMatchObject({ name: 'After' });
    // The test key sees no live side, and cannot touch it.
    const asTest = await api.request('get', `/api/connections/${id}`, { key: api.keys.test });
    expect(asTest.body).toMatchObject({ live: null, test: null });
    expect((await api.request('post', `/api/connections/${id}/test`, { key: api.keys.test, body: { mode: 'live' } })).status).toBe(403);
    // Disconnecting one side revokes its tokens at the provider and leaves it `revoked` (flows keep the reference).
    const revocations = peer.counts.revocations;
    expect((await api.request('delete', `/api/connections/${id}?mode=live`)).status).toBe(204);
    expect(peer.counts.revocations - revocations).toBe(2);
    const side = await api.request('get', `/api/connections/${id}`);
    expect(side.body.live).toMatchObject({ status: 'revoked' });
    expect((await api.request('post', `/api/connections/${id}/test`, { body: {} })).body).toMatchObject({ ok: false, status: 'revoked' });
    // Reconnecting brings it back; disconnecting the whole connection removes it.
    await connectViaPeer(api, peer, { reconnect: id });
    expect((await api.request('get', `/api/connections/${id}`)).body.live).toMatchObject({ status: 'connected' });
    expect((await api.request('delete', `/api/connections/${id}`)).status).toBe(204);
    expect(peer.counts.revocations - revocations).toBe(4);
    expect((await api.request('get', `/api/connections/${id}`)).status).toBe(404);
  });
});

describe('clear refusals before any sign-in', () => {
  it('an unknown provider is 404; a provider without a client, or with plain-http URLs off this machine, is 422 saying what to do', async () => {
    // Google's connect offers the scopes its integrations need (Sheets, Gmail), and the redirect URI to register.
    const providers = await api.request('get', '/api/oauth/providers');
    const googleInfo = providers.body.providers.find((p: { key: string }) => p.key === 'google');
    expect(googleInfo.scopes).toEqual(expect.arrayContaining(['https://www.googleapis.com/auth/spreadsheets', 'https://www.googleapis.com/auth/gmail.send']));
    expect(googleInfo.redirectUri).toBe(`${api.url}/api/oauth/callback`);
    const unknown = await api.request('put', '/api/oauth/providers/nosuch/client', { body: { clientId: 'a', clientSecret: 'b' } });
    expect(unknown.status).toBe(404);
    expect((await api.request('post', '/api/connections', { body: { provider: 'nosuch', name: 'x' } })).status).toBe(404);
    const noClient = await api.request('post', '/api/connections', { body: { provider: 'hubspot', name: 'x' } });
    expect(noClient.status).toBe(422);
    expect(noClient.body.error.message).toContain('OAUTH_HUBSPOT_CLIENT_ID');
    const other = await api.createWorkspace('insecure');
    const put = await api.request('put', '/api/oauth/providers/generic/client', {
      key: other.keys.live,
      body: { clientId: 'a', clientSecret: 'b', config: { authorizeUrl: 'http://idp.example.com/auth', tokenUrl: 'http://idp.example.com/token' } },
    });
    expect(put.status).toBe(200);
    const insecure = await api.request('post', '/api/connections', { key: other.keys.live, body: { provider: 'generic', name: 'x' } });
    expect(insecure.status).toBe(422);
    expect(insecure.body.error.message).toContain('must use https');
    const ftp = await api.request('put', '/api/oauth/providers/generic/client', {
      key: other.keys.live,
      body: { clientId: 'a', clientSecret: 'b', config: { tokenUrl: 'ftp://x.example/t' } },
    });
    expect(ftp.status).toBe(400);
    // A token URL on a private or metadata address: the API server's own token request is refused by the address guard.
    for (const tokenUrl of ['https://169.254.169.254/latest/api/token', 'https://10.1.2.3/oauth/token']) {
      const ssrf = await api.request('put', '/api/oauth/providers/generic/client', {
        key: other.keys.live,
        body: { clientId: 'a', clientSecret: 'b', config: { tokenUrl, grant: 'client_credentials' } },
      });
      expect(ssrf.status).toBe(200);
      const refused = await api.request('post', '/api/connections', { key: other.keys.live, body: { provider: 'generic', name: 'metadata' } });
      expect([422, 502], JSON.stringify(refused.body)).toContain(refused.status);
      expect(refused.body.error.message, tokenUrl).toMatch(/private|blocked|not allowed|link-local|metadata/i);
    }
  });
});

describe('publish refuses a flow whose connection is missing or of the wrong provider', () => {
  const flowWith = async (node: Record<string, unknown>) => {
    const created = await api.request('post', '/api/flows', {
      body: {
        name: 'uses a connection',
        document: { trigger: { type: 'manual' }, nodes: [{ id: 'step', type: 'action', ...node }], edges: [{ from: 'trigger', to: 'step' }] },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return api.request('post', `/api/flows/${created.body.id}/publish`, { body: {} });
  };

  it('422 naming node and field: no connection, an unknown one, one of another provider; publishes with a right one', async () => {
    const none = await flowWith({ action: 'gsheet-test.read@1', inputs: {} });
    expect(none.status).toBe(422);
    // An absent field is the validator's missing input; an empty one is the connection check's.
    expect(none.body.error.details.problems).toEqual([expect.objectContaining({ code: 'MISSING_INPUT', nodeId: 'step', field: 'inputs.connection' })]);
    const empty = await flowWith({ action: 'gsheet-test.read@1', inputs: { connection: '' } });
    expect(empty.body.error.details.problems).toEqual([expect.objectContaining({ code: 'MISSING_CONNECTION', nodeId: 'step', field: 'inputs.connection' })]);
    expect(empty.body.error.details.problems[0].message).toContain('needs a Google connection');

    const unknown = await flowWith({ action: 'gsheet-test.read@1', inputs: { connection: 'con_00000000000000000000' } });
    expect(unknown.body.error.details.problems).toEqual([expect.objectContaining({ code: 'MISSING_CONNECTION', nodeId: 'step', field: 'inputs.connection' })]);

    const generic = await connectViaPeer(api, peer, { name: 'Peer for publish' });
    const wrong = await flowWith({ action: 'gsheet-test.read@1', inputs: { connection: generic } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.details.problems).toEqual([expect.objectContaining({ code: 'WRONG_CONNECTION', nodeId: 'step', field: 'inputs.connection' })]);
    expect(wrong.body.error.details.problems[0].message).toContain('is a OAuth 2 (generic) connection');

    const httpUnknown = await flowWith({
      action: 'http.request@1',
      inputs: { url: peer.resourceUrl, auth: { type: 'connection', connection: 'con_00000000000000000000' } },
    });
    expect(httpUnknown.body.error.details.problems).toEqual([
      expect.objectContaining({ code: 'MISSING_CONNECTION', nodeId: 'step', field: 'inputs.auth.connection' }),
    ]);

    const ok = await flowWith({ action: 'http.request@1', inputs: { url: peer.resourceUrl, auth: { type: 'connection', connection: generic } } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    // The connection lists the flows that use it (the refused draft and the published one).
    const listed = await api.request('get', `/api/connections/${generic}`);
    expect(listed.body.usedBy.map((u: { flowId: string }) => u.flowId)).toContain(ok.body.flowId);
    expect(listed.body.usedBy).toHaveLength(2);
  });
});
