import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunMode } from '#core/catalog-sdk';
import type { Db } from '#store/database';
import { expectRunError, type FlowRunner, runNodesWithId, startFlowRunner, testConnection as runTestConnection } from '../../test/helpers/flows';
import { startTestWorker, testDb } from '../../test/helpers/temporal';
import { createWorkspaces } from '../../test/helpers/workspaces';
import { startResendPeer } from '../../test/peers/resend-peer';
import resend from './index';

const LIVE_KEY = 're_live_7fH2kPq9XwLmN3vB';
const TEST_KEY = 're_test_Zc4RtY8uJo1sAe6D';
const SENDING_KEY = 're_send_Qm5Nb2Vc7Xz9Lk4J';

let db: Db;
let peer: Awaited<ReturnType<typeof startResendPeer>>;
let runner: FlowRunner;
/** Workspaces: both keys; a live key only (test runs use the sandbox); none; a revoked key; a sending-only key. */
const ws = { both: '', liveOnly: '', none: '', revoked: '', sending: '' };

beforeAll(async () => {
  db = await testDb();
  await createWorkspaces(db, ws, {
    both: { RESEND_API_KEY: { live: LIVE_KEY, test: TEST_KEY } },
    liveOnly: { RESEND_API_KEY: { live: LIVE_KEY } },
    revoked: { RESEND_API_KEY: { live: 're_revoked_0000000000000' } },
    sending: { RESEND_API_KEY: { live: SENDING_KEY } },
  });
  peer = await startResendPeer({ keys: { [LIVE_KEY]: 'full_access', [TEST_KEY]: 'full_access', [SENDING_KEY]: 'sending_access' } });
  runner = await startFlowRunner({ db, integrations: [resend], endpoints: { resend: peer.url } });
});

afterAll(async () => {
  await runner?.stop();
  await peer?.close();
});

const fastRetry = { initialInterval: '100ms', backoffCoefficient: 1, maximumAttempts: 3 };

/** Runs a flow of one send-email node; returns its final state and workflow id (the idempotency key's prefix). */
function run(inputs: Record<string, unknown>, o: { workspaceId: string; mode?: RunMode; taskQueue?: string; extra?: Record<string, unknown> }) {
  const send = { id: 'send', type: 'action', action: 'resend.send-email@1', inputs, retry: fastRetry, ...o.extra };
  return runNodesWithId(runner.client, o.taskQueue ?? runner.taskQueue, [send], { mode: o.mode ?? 'live', workspaceId: o.workspaceId, flowId: 'flw_resend' });
}

/** Runs a flow that must fail; returns the failed node's error. */
const runFailing = (inputs: Record<string, unknown>, o: Parameters<typeof run>[1]) => expectRunError(run(inputs, o));

const testConnection = (workspaceId: string, mode: RunMode) => runTestConnection(runner.client, runner.taskQueue, { workspaceId, integration: 'resend', mode });

const email = (subject: string, extra: Record<string, unknown> = {}) => ({
  from: 'Acme <hello@acme.test>',
  to: 'ada@example.com',
  subject,
  html: '<p>Thanks for your order.</p>',
  ...extra,
});
const requestsFor = (subject: string) => peer.emailRequests.filter((r) => r.body.subject === subject);
const authHeaders = (from: number) => peer.hits.slice(from).map((h) => h.headers.authorization);

describe('resend.send-email@1 through a flow (local Resend peer)', () => {
  it('live mode sends with the live key, the idempotency key and the documented body', async () => {
    const subject = `Receipt ${crypto.randomUUID()}`;
    const hitsBefore = peer.hits.length;
    const { state, workflowId } = await run(
      email(subject, {
        to: ['ada@example.com', 'Grace <grace@example.com>'],
        cc: 'cc@example.com',
        bcc: ['audit@example.com'],
        replyTo: 'support@acme.test',
        text: 'Thanks for your order.',
        tags: [{ name: 'category', value: 'receipt' }],
      }),
      { workspaceId: ws.both },
    );
    expect(state.status).toBe('completed');
    const sent = peer.sent.find((s) => s.body.subject === subject)!;
    expect(state.nodes.send).toMatchObject({ status: 'succeeded', attempts: 1, output: { id: sent.id } });
    expect(state.nodes.send!.simulated).toBeUndefined();
    expect(sent.apiKey).toBe(LIVE_KEY);
    expect(sent.idempotencyKey).toBe(`${workflowId}:send`);
    expect(sent.body).toEqual({
      from: 'Acme <hello@acme.test>',
      to: ['ada@example.com', 'Grace <grace@example.com>'],
      cc: 'cc@example.com',
      bcc: ['audit@example.com'],
      reply_to: 'support@acme.test',
      subject,
      html: '<p>Thanks for your order.</p>',
      text: 'Thanks for your order.',
      tags: [{ name: 'category', value: 'receipt' }],
    });
    expect(authHeaders(hitsBefore)).toEqual([`Bearer ${LIVE_KEY}`]);
  });

  it('test mode sends with the test key and never the live one', async () => {
    const subject = `Test ${crypto.randomUUID()}`;
    const hitsBefore = peer.hits.length;
    const { state } = await run(email(subject), { workspaceId: ws.both, mode: 'test' });
    expect(state.nodes.send).toMatchObject({ status: 'succeeded', output: { id: expect.any(String) } });
    expect(state.nodes.send!.simulated).toBeUndefined();
    expect(authHeaders(hitsBefore)).toEqual([`Bearer ${TEST_KEY}`]);
    expect(JSON.stringify(peer.hits.slice(hitsBefore))).not.toContain(LIVE_KEY);
  });

  it('test mode without a test key runs the sandbox: simulated, no request', async () => {
    const hitsBefore = peer.hits.length;
    const { state, workflowId } = await run(email('Sandboxed'), { workspaceId: ws.liveOnly, mode: 'test' });
    const hash = crypto.createHash('sha256').update(`${workflowId}:send`).digest('hex').slice(0, 16);
    expect(state.nodes.send).toMatchObject({ status: 'succeeded', simulated: true, output: { id: `email_sandbox_${hash}` } });
    expect(peer.hits.length).toBe(hitsBefore);
  });

  it("a 422 fails the run after one attempt with Resend's message", async () => {
    const subject = `Bad from ${crypto.randomUUID()}`;
    const error = await runFailing(email(subject, { from: 'Acme hello-at-acme' }), { workspaceId: ws.both });
    expect(error).toMatchObject({ type: 'NonRetryable', status: 422 });
    expect(error.message).toContain(
      'Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format. (validation_error, 422)',
    );
    expect(requestsFor(subject)).toHaveLength(1);
  });

  it('a 500 is retried with the same idempotency key', async () => {
    const subject = `Flaky ${crypto.randomUUID()}`;
    peer.script(subject, [{ status: 500, name: 'internal_server_error', message: 'An unexpected error occurred.' }]);
    const { state, workflowId } = await run(email(subject), { workspaceId: ws.both });
    expect(state.nodes.send).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(requestsFor(subject).map((r) => r.idempotencyKey)).toEqual([`${workflowId}:send`, `${workflowId}:send`]);
  });

  it('a retry after a lost answer does not send twice: Resend replays the first id', async () => {
    const subject = `Lost answer ${crypto.randomUUID()}`;
    peer.script(subject, [{ status: 503, name: 'internal_server_error', message: 'Service unavailable', afterSend: true }]);
    const { state } = await run(email(subject), { workspaceId: ws.both });
    const sent = peer.sent.filter((s) => s.body.subject === subject);
    expect(sent).toHaveLength(1);
    expect(requestsFor(subject)).toHaveLength(2);
    expect(state.nodes.send).toMatchObject({ status: 'succeeded', attempts: 2, output: { id: sent[0]!.id } });
  });

  it('a 429 is retried after Retry-After', async () => {
    const subject = `Busy ${crypto.randomUUID()}`;
    peer.script(subject, [
      {
        status: 429,
        name: 'rate_limit_exceeded',
        message: 'Too many requests. You can only make 2 requests per second. See rate limit response headers for more information.',
        headers: { 'retry-after': '2', 'ratelimit-limit': '2', 'ratelimit-remaining': '0', 'ratelimit-reset': '2' },
      },
    ]);
    const { state } = await run(email(subject), { workspaceId: ws.both });
    expect(state.nodes.send).toMatchObject({ status: 'succeeded', attempts: 2 });
    const [first, second] = requestsFor(subject);
    // The node's own backoff is 100 ms (about a second end to end on the dev server): only Retry-After
    // explains a wait of two seconds.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1950);
  });

  it('a daily quota 429 is not retried', async () => {
    const subject = `Quota ${crypto.randomUUID()}`;
    peer.script(subject, [{ status: 429, name: 'daily_quota_exceeded', message: 'You have reached your daily email sending quota.' }]);
    const error = await runFailing(email(subject), { workspaceId: ws.both });
    expect(error).toMatchObject({ type: 'NonRetryable', status: 429 });
    expect(error.message).toContain('You have reached your daily email sending quota.');
    expect(requestsFor(subject)).toHaveLength(1);
  });

  it('a revoked key fails with the 403 and where to get a key, without retrying', async () => {
    const subject = `Revoked ${crypto.randomUUID()}`;
    const error = await runFailing(email(subject), { workspaceId: ws.revoked });
    expect(error).toMatchObject({ type: 'NonRetryable', status: 403 });
    expect(error.message).toMatch(/API key is invalid \(invalid_api_key, 403\)\. Check RESEND_API_KEY \(https:\/\/resend\.com\/api-keys\)/);
    expect(error.message).not.toContain('re_revoked');
    expect(peer.hits.filter((h) => h.path === '/emails' && h.body.includes(subject))).toHaveLength(1);
  });

  it('a missing secret fails before any request, naming the secret', async () => {
    const hitsBefore = peer.hits.length;
    const error = await runFailing(email('No key'), { workspaceId: ws.none });
    expect(error.type).toBe('NonRetryable');
    expect(error.message).toMatch(/Secret RESEND_API_KEY has no live value.*https:\/\/resend\.com\/api-keys/);
    expect(peer.hits.length).toBe(hitsBefore);
  });

  it('invalid input names the field', async () => {
    const hitsBefore = peer.hits.length;
    const badTo = await runFailing(email('Bad to', { to: 'nobody' }), { workspaceId: ws.both });
    expect(badTo.type).toBe('InvalidInput');
    expect(badTo.message).toMatch(/invalid input: to: /);
    const badTag = await runFailing(email('Bad tag', { tags: [{ name: 'has space', value: 'x' }] }), { workspaceId: ws.both });
    expect(badTag.message).toMatch(/tags\.0\.name: ASCII letters/);
    const noBody = await runFailing({ from: 'a@acme.test', to: 'ada@example.com', subject: 'Empty' }, { workspaceId: ws.both });
    expect(noBody.message).toMatch(/html: give an html or a text body/);
    expect(peer.hits.length).toBe(hitsBefore);
  });

  it("the SDK's requests go through the guarded HTTP client: a metadata address is blocked, not retried", async () => {
    const guarded = await startTestWorker({ db, integrations: [resend], endpoints: { resend: 'http://169.254.169.254' } });
    try {
      // onError: branch keeps the run going, so the node's attempts can be read.
      const { state } = await run(email('Blocked'), { workspaceId: ws.both, taskQueue: guarded.taskQueue, extra: { onError: 'branch' } });
      expect(state.nodes.send).toMatchObject({
        status: 'failed',
        attempts: 1,
        error: { type: 'NonRetryable', message: expect.stringMatching(/Blocked request to 169\.254\.169\.254.*SWITCHYARD_HTTP_ALLOW/) },
      });
    } finally {
      await guarded.stop();
    }
  });

  it('testConnection: ok with a full key, ok with a sending-only key, not ok with a revoked one', async () => {
    expect(await testConnection(ws.both, 'live')).toEqual({ ok: true, detail: 'The key works: 2 domains: acme.test (verified), news.acme.test (pending)' });
    const hitsBefore = peer.hits.length;
    expect(await testConnection(ws.both, 'test')).toMatchObject({ ok: true });
    expect(authHeaders(hitsBefore)).toEqual([`Bearer ${TEST_KEY}`]);
    expect(await testConnection(ws.sending, 'live')).toEqual({
      ok: true,
      detail: 'The key is valid and restricted to sending emails (it cannot list domains)',
    });
    const revoked = await testConnection(ws.revoked, 'live');
    expect(revoked).toMatchObject({ ok: false, error: expect.stringMatching(/API key is invalid \(invalid_api_key, 403\)/) });
  });
});
