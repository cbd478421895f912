import { ALL_SCOPES } from '#core/access';
import type { Role } from '#core/access';
import { addMembership } from '#store/people.repository';
import type { ApiBody, ApiResponse, TestApi } from './api';

/** A person signed in to a test API: requests carry the session cookie, the CSRF token (on writes) and the workspace header. */
export interface TestPerson {
  userId: string;
  email: string;
  cookie: string;
  csrfToken: string;
  /** The workspace sent in X-Switchyard-Workspace (default the test API's bootstrap workspace). */
  workspaceId: string;
  request(method: string, path: string, o?: { body?: unknown; headers?: Record<string, string>; csrf?: boolean }): Promise<ApiResponse>;
}

let counter = 0;
export const TEST_PASSWORD = 'correct horse battery staple';

/** The `sy_session=…` pair of a Set-Cookie header. */
export function sessionCookieOf(res: { headers: Headers }): string {
  const header = res.headers.get('set-cookie') ?? '';
  const pair = /sy_session=[^;]*/.exec(header)?.[0];
  if (!pair) throw new Error(`no session cookie in ${JSON.stringify(header)}`);
  return pair;
}

/** Sends a request with a session cookie (and whatever else `headers` says), as a browser of the editor does. */
export async function cookieRequest(
  api: TestApi,
  cookie: string,
  method: string,
  path: string,
  o: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { cookie, ...o.headers };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(api.url + path, { method: method.toUpperCase(), headers, ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}) });
  const text = await res.text();
  let body: ApiBody = undefined;
  if (text) body = (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
  return { status: res.status, headers: res.headers, body };
}

/**
 * Signs a new person up through the API (the test API's sign-up is open) and, with `role`, makes them a member of
 * `workspaceId` (default the bootstrap workspace) directly in the database.
 */
export async function signUpPerson(api: TestApi, o: { role?: Role; workspaceId?: string; email?: string } = {}): Promise<TestPerson> {
  const email = o.email ?? `person${++counter}.${Date.now()}@example.com`;
  const res = await api.request('POST', '/api/auth/signup', { key: null, body: { email, name: email.split('@')[0], password: TEST_PASSWORD } });
  if (res.status !== 201) throw new Error(`sign-up of ${email} answered ${res.status}: ${JSON.stringify(res.body)}`);
  const workspaceId = o.workspaceId ?? api.workspaceId;
  if (o.role) await addMembership(api.db, workspaceId, res.body.user.id, o.role);
  return personFrom(api, { userId: res.body.user.id, email, cookie: sessionCookieOf(res), csrfToken: res.body.csrfToken, workspaceId });
}

export function personFrom(api: TestApi, p: Omit<TestPerson, 'request'>): TestPerson {
  return {
    ...p,
    request(method, path, o = {}) {
      const headers: Record<string, string> = { 'x-switchyard-workspace': p.workspaceId, ...o.headers };
      if (o.csrf !== false && method.toUpperCase() !== 'GET') headers['x-csrf-token'] = p.csrfToken;
      return cookieRequest(api, p.cookie, method, path, { ...(o.body !== undefined ? { body: o.body } : {}), headers });
    },
  };
}

/** What `npm start` printed on a first start, and owner keys made with it (for tests that act as the owner). */
export interface ClaimedFirstStart {
  /** The printed app keys (events:write + runs:read). */
  app: { live: string; test: string };
  /** Owner-equivalent keys (every scope) the owner created after signing up with the printed link. */
  owner: { live: string; test: string };
  ownerEmail: string;
  ownerPassword: string;
}

/**
 * Reads the keys and the owner's sign-up link a first `npm start` printed (`output`), signs the owner up with the link
 * over HTTP at `base`, and creates a live and a test key with every scope, as an owner would in the API keys page.
 */
export async function claimFirstStart(waitForOutput: (re: RegExp, ms: number) => Promise<RegExpMatchArray>, base: string): Promise<ClaimedFirstStart> {
  const app = { live: (await waitForOutput(/live: (sy_live_\S+)/, 1000))[1]!, test: (await waitForOutput(/test: (sy_test_\S+)/, 1000))[1]! };
  const invite = (await waitForOutput(/\/signup\?invite=([A-Za-z0-9_-]+)/, 1000))[1]!;
  const ownerEmail = 'owner@example.com';
  const signup = await fetch(`${base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ownerEmail, name: 'Owner', password: TEST_PASSWORD, invitation: invite }),
  });
  if (signup.status !== 201) throw new Error(`the owner's sign-up answered ${signup.status}: ${await signup.text()}`);
  const session = (await signup.json()) as { csrfToken: string };
  const cookie = sessionCookieOf(signup);
  const key = async (mode: 'live' | 'test') => {
    const res = await fetch(`${base}/api/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': session.csrfToken },
      body: JSON.stringify({ name: `owner ${mode} key`, mode, scopes: [...ALL_SCOPES] }),
    });
    if (res.status !== 201) throw new Error(`creating the owner's ${mode} key answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { key: string }).key;
  };
  return { app, owner: { live: await key('live'), test: await key('test') }, ownerEmail, ownerPassword: TEST_PASSWORD };
}
