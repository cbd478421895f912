import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/api';
import { signUpPerson, type TestPerson } from '../helpers/people';

/**
 * Isolation of the new tables, by construction: an owner of workspace B, acting in B, addresses A's members, keys and
 * invitations by their ids and gets 404 (as for ids that do not exist); nothing of A changes; A's lists show nothing of B.
 */
describe('people, keys and invitations stay in their workspace', () => {
  let api: TestApi;
  let ownerA: TestPerson;
  let memberA: TestPerson;
  let ownerB: TestPerson;
  let keyA: { id: string; key: string };
  let invitationA: string;

  beforeAll(async () => {
    api = await startTestApi({ taskQueue: `people-isolation-${Date.now()}` });
    ownerA = await signUpPerson(api, { role: 'owner' });
    memberA = await signUpPerson(api, { role: 'viewer' });
    const b = await api.createWorkspace('B');
    ownerB = await signUpPerson(api, { role: 'owner', workspaceId: b.workspaceId });
    const created = await ownerA.request('POST', '/api/keys', { body: { name: 'A key', scopes: ['runs:read'] } });
    keyA = { id: created.body.id, key: created.body.key };
    invitationA = (await ownerA.request('POST', '/api/invitations', { body: { role: 'editor' } })).body.id;
  });
  afterAll(async () => api?.close());

  it("B's owner cannot change, remove or revoke A's members, keys or invitations: 404, and A is unchanged", async () => {
    expect((await ownerB.request('PATCH', `/api/members/${memberA.userId}`, { body: { role: 'owner' } })).status).toBe(404);
    expect((await ownerB.request('DELETE', `/api/members/${memberA.userId}`)).status).toBe(404);
    expect((await ownerB.request('DELETE', `/api/keys/${keyA.id}`)).status).toBe(404);
    expect((await ownerB.request('DELETE', `/api/invitations/${invitationA}`)).status).toBe(404);
    const members = await ownerA.request('GET', '/api/members');
    expect(members.body.members.find((m: { userId: string }) => m.userId === memberA.userId)).toMatchObject({ role: 'viewer' });
    expect(members.body.invitations.map((i: { id: string }) => i.id)).toContain(invitationA);
    expect((await api.request('GET', '/api/runs', { key: keyA.key })).status).toBe(200);
  });

  it("each workspace's lists hold only its own people and keys", async () => {
    const membersB = await ownerB.request('GET', '/api/members');
    expect(membersB.body.members.map((m: { email: string }) => m.email)).toEqual([ownerB.email]);
    expect(membersB.body.invitations).toEqual([]);
    const keysB = await ownerB.request('GET', '/api/keys');
    expect(keysB.body.keys.map((k: { id: string }) => k.id)).not.toContain(keyA.id);
    const keysA = await ownerA.request('GET', '/api/keys');
    expect(keysA.body.keys.map((k: { id: string }) => k.id)).toContain(keyA.id);
  });

  it("a key of A, revoked, is refused at once; B's keys never act in A", async () => {
    expect((await ownerA.request('DELETE', `/api/keys/${keyA.id}`)).status).toBe(204);
    expect((await api.request('GET', '/api/runs', { key: keyA.key })).status).toBe(401);
    const keysA = await ownerA.request('GET', '/api/keys');
    expect(keysA.body.keys.find((k: { id: string }) => k.id === keyA.id).revokedAt).toEqual(expect.any(String));
  });
});
