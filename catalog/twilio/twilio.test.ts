import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonRetryableError } from '#core/errors';
import type { Db } from '#store/database';
import { testActionContext } from '../../test/helpers/action-context';
import { actionNode, integrationFlows, startFlowRunner, type FlowRunner } from '../../test/helpers/flows';
import { testDb } from '../../test/helpers/temporal';
import { createWorkspaces } from '../../test/helpers/workspaces';
import { startTwilioPeer } from '../../test/peers/twilio-peer';
import { createGuardedHttpClient } from '#core/net/guarded-http';
import twilio from '.';
import { sendSms } from './actions/send-sms.action';

const LIVE_SID = `AC${'1a'.repeat(16)}`;
const LIVE_TOKEN = 'live0auth0token0000000000000live';
const TEST_SID = `AC${'2b'.repeat(16)}`;
const TEST_TOKEN = 'test0auth0token0000000000000test';
const LIVE_FROM = '+14155550100';
const TEST_FROM = '+15005550006';

let db: Db;
let runner: FlowRunner;
let peer: Awaited<ReturnType<typeof startTwilioPeer>>;
/** Workspaces: live+test credentials, live only, none, a wrong token, credentials but no default sender. */
const ws = { full: '', liveOnly: '', empty: '', wrong: '', noFrom: '' };

beforeAll(async () => {
  db = await testDb();
  await createWorkspaces(db, ws, {
    full: {
      TWILIO_ACCOUNT_SID: { live: LIVE_SID, test: TEST_SID },
      TWILIO_AUTH_TOKEN: { live: LIVE_TOKEN, test: TEST_TOKEN },
      TWILIO_FROM_NUMBER: { live: LIVE_FROM, test: TEST_FROM },
    },
    liveOnly: { TWILIO_ACCOUNT_SID: { live: LIVE_SID }, TWILIO_AUTH_TOKEN: { live: LIVE_TOKEN }, TWILIO_FROM_NUMBER: { live: LIVE_FROM } },
    wrong: {
      TWILIO_ACCOUNT_SID: { live: LIVE_SID, test: TEST_SID },
      TWILIO_AUTH_TOKEN: { live: 'wrong0token00000000000000000wrong', test: 'wrong0token00000000000000000test0' },
    },
    noFrom: { TWILIO_ACCOUNT_SID: { live: LIVE_SID }, TWILIO_AUTH_TOKEN: { live: LIVE_TOKEN } },
  });
  peer = await startTwilioPeer({
    [LIVE_SID]: { authToken: LIVE_TOKEN, friendlyName: 'Acme Production', numbers: [LIVE_FROM, '+14155550199'] },
    [TEST_SID]: { authToken: TEST_TOKEN, friendlyName: 'Acme Test', numbers: [TEST_FROM] },
  });
  runner = await startFlowRunner({ db, integrations: [twilio], endpoints: { twilio: peer.url } });
});

afterAll(async () => {
  await runner?.stop();
  await peer?.close();
});

const fastRetry = { initialInterval: '100ms', maximumAttempts: 3 };

const { run, runFailing, testConnection } = integrationFlows('twilio', { runner: () => runner, workspaceId: () => ws.full });
const sms = actionNode('sms', 'twilio.send-sms@1');

const twilioError = (code: number, message: string, status: number) => ({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

describe('twilio (official twilio SDK against a local Twilio peer, through flows)', () => {
  it('live: sends an SMS from TWILIO_FROM_NUMBER with the live credentials', async () => {
    const before = peer.hits.length;
    const state = await run([sms({ to: '+14155552671', body: 'Your order has shipped 📦' })], 'live');
    expect(state.status).toBe('completed');
    const message = peer.sent.at(-1)!;
    expect(message).toMatchObject({ accountSid: LIVE_SID, to: '+14155552671', from: LIVE_FROM, body: 'Your order has shipped 📦' });
    expect(state.nodes.sms).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(state.nodes.sms!.output).toEqual({ sid: message.sid, status: 'queued', to: '+14155552671' });
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    const [hit] = peer.hits.slice(before);
    expect(hit).toMatchObject({ method: 'POST', path: `/2010-04-01/Accounts/${LIVE_SID}/Messages.json` });
    expect(hit!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(hit!.headers['user-agent']).toMatch(/^twilio-node\//);
    expect(peer.credentialsSeen().slice(before)).toEqual([`${LIVE_SID}:${LIVE_TOKEN}`]);
  });

  it('an explicit from overrides the default sender', async () => {
    const state = await run([sms({ to: '+14155552671', body: 'hi', from: '+14155550199' })], 'live');
    expect(state.nodes.sms!.status).toBe('succeeded');
    expect(peer.sent.at(-1)).toMatchObject({ from: '+14155550199' });
  });

  it('test mode uses the test credentials and test sender, never the live ones', async () => {
    const before = peer.hits.length;
    const state = await run([sms({ to: '+14155552671', body: 'test run' })], 'test');
    expect(state.nodes.sms).toMatchObject({ status: 'succeeded', output: { status: 'queued' } });
    expect(state.nodes.sms!.simulated).toBeUndefined();
    expect(peer.sent.at(-1)).toMatchObject({ accountSid: TEST_SID, from: TEST_FROM });
    expect(peer.credentialsSeen().slice(before)).toEqual([`${TEST_SID}:${TEST_TOKEN}`]);
    const wire = JSON.stringify(peer.hits.slice(before));
    expect(wire).not.toContain(LIVE_SID);
    expect(wire).not.toContain(Buffer.from(`${LIVE_SID}:${LIVE_TOKEN}`).toString('base64'));
  });

  it('test mode without test credentials runs the sandbox: simulated, no request', async () => {
    const before = peer.hits.length;
    const state = await run([sms({ to: '+14155552671', body: 'hello' })], 'test', ws.liveOnly);
    expect(state.nodes.sms).toMatchObject({
      status: 'succeeded',
      simulated: true,
      output: { sid: expect.stringMatching(/^SM_sandbox_[0-9a-f]{10}$/), status: 'queued', to: '+14155552671' },
    });
    expect(peer.hits.length).toBe(before);
  });

  it('a Twilio 400 (21211 invalid To) fails the run after exactly one attempt, with Twilio’s message', async () => {
    const before = peer.hits.length;
    const error = await runFailing([sms({ to: '+15005550001', body: 'x' }, { retry: fastRetry })], 'live');
    expect(error).toMatchObject({ nodeId: 'sms', type: 'NonRetryable', status: 400 });
    expect(error.message).toContain("error 21211): The 'To' number +15005550001 is not a valid phone number. (https://www.twilio.com/docs/errors/21211)");
    expect(peer.hits.length - before).toBe(1);
  });

  it('429 with Retry-After is retried after the wait; a 500 is retried', async () => {
    const before = peer.hits.length;
    peer.failNext(
      { status: 429, headers: { 'retry-after': '1' }, body: twilioError(20429, 'Too Many Requests', 429) },
      { status: 500, body: twilioError(20500, 'An internal server error has occurred', 500) },
    );
    const started = Date.now();
    const state = await run([sms({ to: '+14155552671', body: 'eventually' }, { retry: fastRetry })], 'live');
    expect(state.nodes.sms).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(peer.hits.length - before).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('missing credentials fail with a message naming the secret, before any request', async () => {
    const before = peer.hits.length;
    const error = await runFailing([sms({ to: '+14155552671', body: 'x' })], 'live', ws.empty);
    expect(error.type).toBe('NonRetryable');
    expect(error.message).toMatch(/TWILIO_ACCOUNT_SID has no live value/);
    expect(error.message).toContain('https://console.twilio.com');
    const noFrom = await runFailing([sms({ to: '+14155552671', body: 'x' })], 'live', ws.noFrom);
    expect(noFrom.message).toMatch(/No sender: give "from", or set TWILIO_FROM_NUMBER/);
    expect(peer.hits.length).toBe(before);
  });

  it('an invalid input names the field', async () => {
    const before = peer.hits.length;
    const error = await runFailing([sms({ to: '555-1234', body: '' })], 'live');
    expect(error.type).toBe('InvalidInput');
    expect(error.message).toMatch(/to: a phone number in E\.164 format/);
    expect(error.message).toMatch(/body: /);
    expect(peer.hits.length).toBe(before);
  });

  it('testConnection: ok with good credentials (live and test), ok:false with a wrong token', async () => {
    expect(await testConnection(ws.full, 'live')).toEqual({ ok: true, detail: 'Connected to the Twilio account "Acme Production" (active, Full)' });
    expect(await testConnection(ws.full, 'test')).toEqual({ ok: true, detail: 'Connected to the Twilio account "Acme Test" (active, Full)' });
    const wrong = await testConnection(ws.wrong, 'live');
    expect(wrong).toMatchObject({
      ok: false,
      error: expect.stringMatching(/failed \(401, error 20003\): Authenticate.*Check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/),
    });
    expect(JSON.stringify(wrong)).not.toContain('wrong0token');
  });

  it('sends through ctx.http.request: the address guard refuses a loopback endpoint that is not allow-listed', async () => {
    const http = createGuardedHttpClient({});
    const before = peer.hits.length;
    const secrets = { TWILIO_ACCOUNT_SID: LIVE_SID, TWILIO_AUTH_TOKEN: LIVE_TOKEN, TWILIO_FROM_NUMBER: LIVE_FROM };
    const ctx = testActionContext({ http, secrets, endpoint: peer.url });
    try {
      const err = await sendSms.run({ to: '+14155552671', body: 'x' }, ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NonRetryableError);
      expect((err as NonRetryableError).options.code).toBe('ADDRESS_BLOCKED');
      expect(peer.hits.length).toBe(before);
    } finally {
      await http.close();
    }
  });
});
