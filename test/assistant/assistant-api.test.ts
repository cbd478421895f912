import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/api';

/** POST /api/assistant on the real API: the workspace's state decides what is missing; a draft publishes as it is. */
describe('POST /api/assistant', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ taskQueue: `assistant-${crypto.randomUUID()}` });
  });
  afterAll(async () => {
    await api?.close();
  });

  const ask = (prompt: string, flow?: unknown) => api.request('POST', '/api/assistant', { body: { prompt, ...(flow ? { flow } : {}) } });

  it('drafts a flow, says what is missing, and the draft publishes once that is done', async () => {
    const prompt = 'When someone signs up, send a welcome email with Resend and post to #sales on Slack';
    const first = await ask(prompt);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      kind: 'draft',
      draft: { trigger: { type: 'event', event: 'user.signed_up' }, nodes: [{ action: 'resend.send-email@1' }, { action: 'slack.post-message@1' }] },
      missing: { integrations: [{ key: 'resend' }, { key: 'slack' }], backendFunctions: false },
      changes: { added: ['send_email', 'post_message'], changed: [], removed: [] },
    });
    expect(first.body.missing.setupVariables.map((v: { name: string }) => v.name)).toEqual(['RESEND_API_KEY', 'SLACK_BOT_TOKEN']);

    // The workspace catches up: installed, secrets set. Asked again, nothing is missing but the sender to check.
    for (const key of ['resend', 'slack']) expect((await api.request('POST', `/api/catalog/${key}/install`)).status).toBe(200);
    expect((await api.request('PUT', '/api/secrets/RESEND_API_KEY', { body: { live: `re_${crypto.randomBytes(12).toString('hex')}` } })).status).toBe(200);
    expect((await api.request('PUT', '/api/secrets/SLACK_BOT_TOKEN', { body: { live: `xoxb-${crypto.randomBytes(12).toString('hex')}` } })).status).toBe(200);
    const again = await ask(prompt);
    expect(again.body.missing).toMatchObject({ integrations: [], setupVariables: [], backendFunctions: false });
    expect(again.body.missing.inputs).toEqual([expect.objectContaining({ nodeId: 'send_email', field: 'from' })]);

    const created = await api.request('POST', '/api/flows', { body: { name: 'From the assistant', document: again.body.draft } });
    expect(created.status).toBe(201);
    expect(created.body.problems).toEqual([]);
    const published = await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
  });

  it('revises the flow it is sent: the changes name the nodes added and the trigger changed', async () => {
    const base = (await ask('Post the signups to #growth when someone signs up')).body.draft;
    const revised = await ask('make it every Monday at 9 instead', base);
    expect(revised.body).toMatchObject({
      kind: 'draft',
      draft: { trigger: { type: 'schedule', cron: '0 9 * * 1' } },
      changes: { changed: ['trigger'], added: [] },
    });
    const more = await ask('also email ops@acme.com', base);
    expect(more.body.changes.added).toEqual(['send_email']);
  });

  it('asks one question when the prompt leaves something out, and says why when it cannot', async () => {
    expect((await ask('When someone signs up, post a message to Slack')).body).toEqual({
      kind: 'question',
      question: expect.stringMatching(/Which Slack channel/),
    });
    expect((await ask('When someone signs up, add them to our Mailchimp audience')).body).toEqual({
      kind: 'unsupported',
      message: expect.stringMatching(/no integration in the catalog does that.*OpenAPI/),
    });
    expect((await ask('x'.repeat(4001))).status).toBe(400);
  });

  it('a test key may ask (drafting changes nothing)', async () => {
    expect((await api.request('POST', '/api/assistant', { key: api.keys.test, body: { prompt: 'Send a welcome email when someone signs up' } })).status).toBe(
      200,
    );
  });
});
