import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '#store/database';
import { testDatabaseUrl } from '../helpers/database';
import { migrateToLatest } from '#store/migrate';
import { insertUser } from '#store/people.repository';
import { hashPassword } from '#server/services/people.service';
import { startTestApi, type TestApi } from '../helpers/api';
import { cookieRequest, sessionCookieOf, signUpPerson, TEST_PASSWORD } from '../helpers/people';

const signIn = (api: TestApi, email: string, password: string, headers: Record<string, string> = {}) =>
  api.request('POST', '/api/auth/signin', { key: null, body: { email, password }, headers });

describe('sign-in', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ taskQueue: `signin-${Date.now()}`, people: { lockAfter: 3, lockMs: 60_000, signinFailuresPerAddress: 100 } });
  });
  afterAll(async () => api?.close());

  it('sets an HttpOnly, SameSite=Strict session cookie (not Secure over plain HTTP) and never answers with the password', async () => {
    const person = await signUpPerson(api);
    const res = await signIn(api, person.email, TEST_PASSWORD);
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^sy_session=[A-Za-z0-9_-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(cookie).not.toContain('Secure');
    expect(JSON.stringify(res.body)).not.toContain(TEST_PASSWORD);
    expect(res.body).toMatchObject({ user: { email: person.email }, csrfToken: expect.any(String) });
  });

  it('locks an account after repeated wrong passwords: even the right one is refused (429, Retry-After) until the lock ends', async () => {
    const person = await signUpPerson(api);
    for (let i = 0; i < 2; i++) expect((await signIn(api, person.email, 'wrong password!')).status).toBe(401);
    const third = await signIn(api, person.email, 'wrong password!');
    expect(third.status).toBe(401);
    const locked = await signIn(api, person.email, TEST_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body.error.message).toMatch(/locked/);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(50);
    // Someone else is not affected.
    const other = await signUpPerson(api);
    expect((await signIn(api, other.email, TEST_PASSWORD)).status).toBe(200);
  });

  it('refuses a cross-site form post with the session cookie (no CSRF token, foreign Origin), and a write without the token', async () => {
    const person = await signUpPerson(api, { role: 'editor' });
    const crossSite = await fetch(`${api.url}/api/flows`, {
      method: 'POST',
      headers: { cookie: person.cookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=pwned',
    });
    expect(crossSite.status).toBe(403);
    expect(((await crossSite.json()) as { error: { message: string } }).error.message).toMatch(/Cross-site request refused/);
    const noToken = await person.request('POST', '/api/flows', { body: { name: 'x' }, csrf: false });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error.details).toEqual({ csrf: true });
    const wrongToken = await person.request('POST', '/api/flows', { body: { name: 'x' }, csrf: false, headers: { 'x-csrf-token': 'forged' } });
    expect(wrongToken.status).toBe(403);
    // Reads need no token; a write with it goes through.
    expect((await person.request('GET', '/api/flows')).status).toBe(200);
    const document = { trigger: { type: 'manual' }, nodes: [], edges: [], layout: {} };
    const flow = await person.request('POST', '/api/flows', { body: { name: 'From the editor', document } });
    expect(flow.status, JSON.stringify(flow.body)).toBe(201);
  });

  it('signs out: the session stops working at once; "everywhere" ends every session of the person', async () => {
    const person = await signUpPerson(api, { role: 'viewer' });
    const second = sessionCookieOf(await signIn(api, person.email, TEST_PASSWORD));
    expect((await cookieRequest(api, second, 'GET', '/api/auth/session')).status).toBe(200);
    expect((await person.request('POST', '/api/auth/signout', { body: {} })).status).toBe(204);
    expect((await person.request('GET', '/api/auth/session')).status).toBe(401);
    expect((await cookieRequest(api, second, 'GET', '/api/auth/session')).status).toBe(200);
    const third = await signIn(api, person.email, TEST_PASSWORD);
    const thirdCookie = sessionCookieOf(third);
    expect(
      (await cookieRequest(api, thirdCookie, 'POST', '/api/auth/signout', { body: { everywhere: true }, headers: { 'x-csrf-token': third.body.csrfToken } }))
        .status,
    ).toBe(204);
    expect((await cookieRequest(api, second, 'GET', '/api/auth/session')).status).toBe(401);
    expect((await cookieRequest(api, thirdCookie, 'GET', '/api/flows')).status).toBe(401);
  });

  it('lists where a person is signed in and revokes one session at once, never someone else\'s; audited', async () => {
    const person = await signUpPerson(api, { role: 'viewer' });
    const laptop = await signIn(api, person.email, TEST_PASSWORD, { 'user-agent': 'Lost laptop' });
    const laptopCookie = sessionCookieOf(laptop);
    const listed = await person.request('GET', '/api/auth/sessions');
    expect(listed.status).toBe(200);
    expect(listed.body.sessions).toHaveLength(2);
    const lost = listed.body.sessions.find((s: { userAgent: string | null }) => s.userAgent === 'Lost laptop');
    expect(lost).toMatchObject({ current: false });
    expect(listed.body.sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);

    // Someone else cannot end it (it is not theirs: not found), nor can a request without the CSRF token.
    const stranger = await signUpPerson(api, { role: 'owner' });
    expect((await stranger.request('DELETE', `/api/auth/sessions/${lost.id}`)).status).toBe(404);
    expect((await person.request('DELETE', `/api/auth/sessions/${lost.id}`, { csrf: false })).status).toBe(403);
    expect((await cookieRequest(api, laptopCookie, 'GET', '/api/auth/session')).status).toBe(200);

    expect((await person.request('DELETE', `/api/auth/sessions/${lost.id}`)).status).toBe(204);
    expect((await cookieRequest(api, laptopCookie, 'GET', '/api/flows')).status).toBe(401);
    expect((await person.request('GET', '/api/auth/session')).status).toBe(200);
    expect((await person.request('GET', '/api/auth/sessions')).body.sessions).toHaveLength(1);
    expect((await person.request('DELETE', `/api/auth/sessions/${lost.id}`)).status).toBe(404);
    const audit = await api.request('GET', '/api/audit?action=session.revoked');
    expect(audit.body.entries.some((e: { details: { sessionId?: string } }) => e.details.sessionId === lost.id)).toBe(true);
  });

  it('sign-up is by invitation when SWITCHYARD_SIGNUP=invite; an invitation link joins its workspace with its role', async () => {
    const closed = await startTestApi({ taskQueue: `signup-invite-${Date.now()}`, people: { signup: 'invite' } });
    try {
      const body = { email: 'walk-in@example.com', name: 'Walk In', password: TEST_PASSWORD };
      const refused = await closed.request('POST', '/api/auth/signup', { key: null, body });
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toMatch(/invitation/);
      const invitation = await closed.request('POST', '/api/invitations', { body: { role: 'operator' } });
      expect(invitation.status).toBe(201);
      expect(invitation.body.url).toMatch(/\/signup\?invite=/);
      const joined = await closed.request('POST', '/api/auth/signup', { key: null, body: { ...body, invitation: invitation.body.token } });
      expect(joined.status).toBe(201);
      expect(joined.body.workspaces).toEqual([{ id: closed.workspaceId, name: 'Default workspace', role: 'operator' }]);
      // Used once.
      const again = await closed.request('POST', '/api/auth/signup', {
        key: null,
        body: { ...body, email: 'second@example.com', invitation: invitation.body.token },
      });
      expect(again.status).toBe(404);
    } finally {
      await closed.close();
    }
  });
});

describe('sign-in limits per address', () => {
  it('after too many failed sign-ins from one address, every sign-in from it waits (429), whatever the account', async () => {
    const api = await startTestApi({ taskQueue: `signin-addr-${Date.now()}`, people: { signinFailuresPerAddress: 4, lockAfter: 100 } });
    try {
      const person = await signUpPerson(api);
      for (let i = 0; i < 4; i++) expect((await signIn(api, `nobody${i}@example.com`, 'guess guess guess')).status).toBe(401);
      const limited = await signIn(api, person.email, TEST_PASSWORD);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await api.close();
    }
  });
});

describe('sessions', () => {
  it('expire after the session lifetime without a request', async () => {
    const api = await startTestApi({ taskQueue: `session-ttl-${Date.now()}`, people: { session: { ttlMs: 800 } } });
    try {
      const person = await signUpPerson(api, { role: 'viewer' });
      expect((await person.request('GET', '/api/flows')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1200));
      const expired = await person.request('GET', '/api/flows');
      expect(expired.status).toBe(401);
      expect(expired.body.error.message).toMatch(/expired or was signed out/);
    } finally {
      await api.close();
    }
  });

  it('are Secure behind TLS (an https SWITCHYARD_PUBLIC_URL)', async () => {
    const api = await startTestApi({ taskQueue: `session-tls-${Date.now()}`, publicUrl: 'https://switchyard.example.com' });
    try {
      const res = await api.request('POST', '/api/auth/signup', { key: null, body: { email: 'tls@example.com', name: 'T', password: TEST_PASSWORD } });
      expect(res.headers.get('set-cookie')).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    } finally {
      await api.close();
    }
  });
});

describe('password reset from the command line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-people-cli-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('`npm run people -- reset-password <email>` prints a one-use link that sets a new password and ends the old sessions', async () => {
    const file = await testDatabaseUrl(dir);
    const db = openDatabase(file);
    await migrateToLatest(db);
    await insertUser(db, { email: 'ada@example.com', name: 'Ada', passwordHash: await hashPassword('the old password') });
    await db.destroy();
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/people.ts', 'reset-password', 'ada@example.com'], {
      env: { ...process.env, DATABASE_URL: file, SWITCHYARD_PUBLIC_URL: 'https://sy.example.com' },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const token = /https:\/\/sy\.example\.com\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(run.stdout)?.[1];
    expect(token).toBeDefined();

    const api = await startTestApi({ taskQueue: `reset-${Date.now()}`, db: openDatabase(file) });
    try {
      const before = sessionCookieOf(await signIn(api, 'ada@example.com', 'the old password'));
      expect((await api.request('POST', '/api/auth/reset-password', { key: null, body: { token, password: 'a brand new password' } })).status).toBe(204);
      expect((await cookieRequest(api, before, 'GET', '/api/auth/session')).status).toBe(401);
      expect((await signIn(api, 'ada@example.com', 'the old password')).status).toBe(401);
      expect((await signIn(api, 'ada@example.com', 'a brand new password')).status).toBe(200);
      expect((await api.request('POST', '/api/auth/reset-password', { key: null, body: { token, password: 'yet another password' } })).status).toBe(404);
    } finally {
      await api.close();
    }
  }, 60_000);
});
