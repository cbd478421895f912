import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAuditEntry, listAuditEntries, pruneAuditLog } from '#store/audit.repository';
import { startTestApi, type ApiBody, type TestApi } from '../helpers/api';
import { startHttpPeer } from '../helpers/http-peer';
import { signUpPerson, TEST_PASSWORD, type TestPerson } from '../helpers/people';
import { startTestWorker } from '../helpers/temporal';

/**
 * The audit log: each audited action is recorded with who, when and what, never a secret value; owners read it
 * (editor and API), other roles cannot; it holds only this workspace's entries; old entries are pruned.
 */
const taskQueue = `audit-${crypto.randomUUID()}`;
const secretValue = `sk_live_${crypto.randomBytes(16).toString('hex')}`;
let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let peer: Awaited<ReturnType<typeof startHttpPeer>>;
let owner: TestPerson;
let editor: TestPerson;
let operator: TestPerson;
let viewer: TestPerson;

beforeAll(async () => {
  api = await startTestApi({ taskQueue });
  [worker, peer] = await Promise.all([
    startTestWorker({ db: api.db, taskQueue }),
    startHttpPeer((hit) => (hit.path.startsWith('/fail') ? { status: 400, body: { error: 'refused' } } : { body: { ok: true } })),
  ]);
  owner = await signUpPerson(api, { role: 'owner' });
  editor = await signUpPerson(api, { role: 'editor' });
  operator = await signUpPerson(api, { role: 'operator' });
  viewer = await signUpPerson(api, { role: 'viewer' });
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  await peer?.close();
  await api?.close();
});

async function entries(): Promise<ApiBody[]> {
  const res = await owner.request('GET', '/api/audit?limit=500');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.entries;
}

function find(list: ApiBody[], action: string, by?: string, target?: string): ApiBody {
  const found = list.find((e) => e.action === action && (by === undefined || e.actor.label === by) && (target === undefined || e.target === target));
  expect(found, `${action} by ${by ?? 'anyone'} in ${JSON.stringify(list.map((e) => `${e.action}/${e.actor.label}`))}`).toBeDefined();
  expect(Date.parse(found.at)).toBeGreaterThan(Date.now() - 120_000);
  return found;
}

async function pollRun(runId: string, status: string): Promise<ApiBody> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const r = await api.request('GET', `/api/runs/${runId}`);
    if (r.body.status === status) return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`run ${runId} never became ${status}`);
}

describe('audit log', () => {
  it('records sign-ins and failures, members, roles, invitations and keys', async () => {
    expect((await api.request('POST', '/api/auth/signin', { key: null, body: { email: editor.email, password: 'not the password' } })).status).toBe(401);
    expect((await api.request('POST', '/api/auth/signin', { key: null, body: { email: owner.email, password: TEST_PASSWORD } })).status).toBe(200);
    const invitation = await owner.request('POST', '/api/invitations', { body: { role: 'viewer', email: 'newcomer@example.com' } });
    expect(invitation.status).toBe(201);
    const newcomer = await api.request('POST', '/api/auth/signup', {
      key: null,
      body: { email: 'newcomer@example.com', name: 'New', password: TEST_PASSWORD, invitation: invitation.body.token },
    });
    expect(newcomer.status).toBe(201);
    const newcomerId: string = newcomer.body.user.id;
    expect((await owner.request('PATCH', `/api/members/${newcomerId}`, { body: { role: 'editor' } })).status).toBe(204);
    expect((await owner.request('DELETE', `/api/members/${newcomerId}`)).status).toBe(204);
    const key = await owner.request('POST', '/api/keys', { body: { name: 'CI', scopes: ['flows:write', 'flows:publish'] } });
    expect(key.status).toBe(201);
    expect((await owner.request('DELETE', `/api/keys/${key.body.id}`)).status).toBe(204);

    const list = await entries();
    expect(find(list, 'signin.failed')).toMatchObject({ target: editor.email, actor: { type: 'anonymous' }, address: expect.any(String) });
    expect(find(list, 'signin.succeeded', owner.email)).toMatchObject({ actor: { type: 'user', id: owner.userId } });
    expect(find(list, 'member.invited', owner.email)).toMatchObject({ target: 'newcomer@example.com', details: { role: 'viewer' } });
    expect(find(list, 'member.joined', 'newcomer@example.com')).toMatchObject({ details: { role: 'viewer' } });
    expect(find(list, 'member.role_changed', owner.email)).toMatchObject({ target: 'newcomer@example.com', details: { from: 'viewer', to: 'editor' } });
    expect(find(list, 'member.removed', owner.email)).toMatchObject({ target: 'newcomer@example.com', details: { role: 'editor' } });
    expect(find(list, 'key.created', owner.email)).toMatchObject({ details: { keyId: key.body.id, mode: 'live', scopes: ['flows:write', 'flows:publish'] } });
    expect(find(list, 'key.revoked', owner.email)).toMatchObject({ details: { keyId: key.body.id } });
    expect(JSON.stringify(list)).not.toContain(key.body.key);
  });

  it('records secret changes by name only, publishes, settings, and who retried a parked run with which fields edited', async () => {
    expect((await editor.request('PUT', '/api/secrets/PAYMENT_KEY', { body: { live: secretValue, test: `${secretValue}_test` } })).status).toBe(200);
    expect((await editor.request('PUT', '/api/secrets/OLD_KEY', { body: { live: 'old-value-123456' } })).status).toBe(200);
    expect((await editor.request('DELETE', '/api/secrets/OLD_KEY')).status).toBe(204);
    expect((await owner.request('PATCH', '/api/settings', { body: { backendFunctions: true } })).status).toBe(200);
    const event = `audit.${crypto.randomUUID()}`;
    const document = {
      trigger: { type: 'event', event },
      nodes: [{ id: 'call', type: 'action', action: 'http.request@1', retry: { maximumAttempts: 1 }, inputs: { url: `${peer.url}/fail` } }],
      edges: [{ from: 'trigger', to: 'call' }],
    };
    const flow = await editor.request('POST', '/api/flows', { body: { name: 'Audited', document } });
    expect(flow.status, JSON.stringify(flow.body)).toBe(201);
    expect((await editor.request('POST', `/api/flows/${flow.body.id}/publish`, { body: { note: 'first' } })).status).toBe(201);
    const sent = await api.request('POST', '/v1/events', { body: { name: event, data: {} } });
    expect(sent.status).toBe(202);
    const runId: string = sent.body.runs[0].runId;
    await pollRun(runId, 'parked');
    const retried = await operator.request('POST', `/api/runs/${runId}/nodes/call/retry`, { body: { input: { url: `${peer.url}/ok` } } });
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    await pollRun(runId, 'completed');

    const list = await entries();
    expect(find(list, 'secret.set', editor.email, 'PAYMENT_KEY')).toMatchObject({
      target: 'PAYMENT_KEY',
      details: { name: 'PAYMENT_KEY', live: 'set', test: 'set' },
    });
    expect(find(list, 'secret.deleted', editor.email)).toMatchObject({ target: 'OLD_KEY' });
    expect(find(list, 'settings.changed', owner.email)).toMatchObject({ details: { backendFunctions: true } });
    expect(find(list, 'flow.published', editor.email)).toMatchObject({ target: flow.body.id, details: { version: 1, note: 'first' } });
    expect(find(list, 'run.retried', operator.email)).toMatchObject({
      target: `${runId} / call`,
      actor: { type: 'user', id: operator.userId },
      details: { runId, nodeKey: 'call', inputEdited: true, changedFields: ['url'] },
    });
    // Never a secret value: not in the answers, not in the table.
    const rows = await api.db.selectFrom('audit_log').selectAll().execute();
    const everything = JSON.stringify(rows) + JSON.stringify(list);
    expect(everything).not.toContain(secretValue);
    expect(everything).not.toContain('old-value-123456');
  }, 60_000);

  it('is for owners: editors, operators, viewers and narrow keys are refused; an API key with audit:read may read it', async () => {
    for (const person of [editor, operator, viewer]) {
      const res = await person.request('GET', '/api/audit');
      expect(res.status).toBe(403);
      expect(res.body.error.details).toEqual({ scope: 'audit:read' });
    }
    const narrow = await owner.request('POST', '/api/keys', { body: { name: 'app', scopes: ['events:write', 'runs:read'] } });
    expect((await api.request('GET', '/api/audit', { key: narrow.body.key })).status).toBe(403);
    const reader = await owner.request('POST', '/api/keys', { body: { name: 'SIEM export', scopes: ['audit:read'] } });
    const read = await api.request('GET', '/api/audit?action=secret.set', { key: reader.body.key });
    expect(read.status).toBe(200);
    expect(read.body.entries.length).toBeGreaterThan(0);
    expect(read.body.entries.every((e: ApiBody) => e.action === 'secret.set')).toBe(true);
  });

  it("holds only the workspace's own entries: another workspace's owner sees none of them", async () => {
    const other = await api.createWorkspace('Elsewhere');
    const stranger = await signUpPerson(api, { role: 'owner', workspaceId: other.workspaceId });
    const theirs = await stranger.request('GET', '/api/audit?limit=500');
    expect(theirs.status).toBe(200);
    const mine = new Set((await entries()).map((e) => e.id));
    expect(theirs.body.entries.filter((e: ApiBody) => mine.has(e.id))).toEqual([]);
    // Asking for this workspace by header is 404, as for any workspace one is not a member of.
    expect((await stranger.request('GET', '/api/audit', { headers: { 'x-switchyard-workspace': api.workspaceId } })).status).toBe(404);
  });

  it('prunes entries older than the retention', async () => {
    await insertAuditEntry(api.db, { workspaceId: api.workspaceId, actorType: 'system', actorId: null, actorLabel: 'test', action: 'settings.changed' });
    await api.db.updateTable('audit_log').set({ at: '2000-01-01T00:00:00.000Z' }).where('actor_label', '=', 'test').execute();
    const before = (await listAuditEntries(api.db, api.workspaceId, { limit: 1000 })).length;
    expect(await pruneAuditLog(api.db, new Date(Date.now() - 86_400_000))).toBe(1);
    expect((await listAuditEntries(api.db, api.workspaceId, { limit: 1000 })).length).toBe(before - 1);
  });
});
