import type { RunMode } from '#core/catalog-sdk';
import { PEER_CLIENT, PEER_SERVICE_CLIENT, signIn, type OAuthPeer } from '../peers/oauth-peer';
import type { ApiResponse, TestApi } from './api';

/** Registers the peer as the workspace's generic provider (authorization code, or client credentials). */
export async function useGenericPeer(
  api: TestApi,
  peer: OAuthPeer,
  o: { mode?: RunMode; grant?: 'authorization_code' | 'client_credentials'; key?: string } = {},
) {
  const service = o.grant === 'client_credentials';
  const res = await api.request('put', '/api/oauth/providers/generic/client', {
    ...(o.key ? { key: o.key } : {}),
    body: {
      ...(o.mode ? { mode: o.mode } : {}),
      clientId: service ? PEER_SERVICE_CLIENT.clientId : PEER_CLIENT.clientId,
      clientSecret: service ? PEER_SERVICE_CLIENT.clientSecret : PEER_CLIENT.clientSecret,
      config: {
        authorizeUrl: peer.authorizeUrl,
        tokenUrl: peer.tokenUrl,
        revocationUrl: peer.revocationUrl,
        issuer: peer.issuer,
        scopes: service ? [] : ['api'],
        ...(service ? { grant: 'client_credentials' } : {}),
      },
    },
  });
  if (res.status !== 200) throw new Error(`setting the generic client failed: ${res.status} ${JSON.stringify(res.body)}`);
}

/** The cookie a connect answer set (the browser session the state is bound to). */
export function sessionCookie(res: ApiResponse, previous?: string): string {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('sy_oauth_session='));
  return set ? set.split(';')[0]! : (previous ?? '');
}

/** Starts a connection and signs in at the peer: the callback URL the provider redirected to (not yet called). */
export async function beginConnect(
  api: TestApi,
  peer: OAuthPeer,
  o: { name?: string; mode?: RunMode; key?: string; cookie?: string; reconnect?: string } = {},
) {
  const res = o.reconnect
    ? await api.request('post', `/api/connections/${o.reconnect}/reconnect`, {
        ...(o.key ? { key: o.key } : {}),
        body: o.mode ? { mode: o.mode } : {},
        ...(o.cookie ? { headers: { cookie: o.cookie } } : {}),
      })
    : await api.request('post', '/api/connections', {
        ...(o.key ? { key: o.key } : {}),
        body: { provider: 'generic', name: o.name ?? 'Peer account', ...(o.mode ? { mode: o.mode } : {}) },
        ...(o.cookie ? { headers: { cookie: o.cookie } } : {}),
      });
  if (res.status !== 200) throw new Error(`connect failed: ${res.status} ${JSON.stringify(res.body)}`);
  const cookie = sessionCookie(res, o.cookie);
  const signedIn = await signIn(res.body.authorizeUrl as string, peer.issuer);
  return { connectionId: res.body.connectionId as string, authorizeUrl: res.body.authorizeUrl as string, cookie, callbackUrl: signedIn.callbackUrl };
}

/** Calls Switchyard's callback as the browser would (with or without the session cookie). */
export async function callCallback(callbackUrl: string, cookie: string | undefined): Promise<{ status: number; text: string }> {
  const res = await fetch(callbackUrl, { redirect: 'manual', ...(cookie ? { headers: { cookie } } : {}) });
  return { status: res.status, text: await res.text() };
}

/** Connect + sign in + callback: a connected side. */
export async function connectViaPeer(
  api: TestApi,
  peer: OAuthPeer,
  o: { name?: string; mode?: RunMode; key?: string; reconnect?: string } = {},
): Promise<string> {
  const begun = await beginConnect(api, peer, o);
  if (!begun.callbackUrl) throw new Error('the peer did not redirect back');
  const done = await callCallback(begun.callbackUrl, begun.cookie);
  if (done.status !== 200) throw new Error(`callback refused: ${done.status} ${done.text}`);
  return begun.connectionId;
}
