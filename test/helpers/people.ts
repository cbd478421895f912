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
