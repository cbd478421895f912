import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunMode } from '#core/catalog-sdk';
import type { Db } from '#store/database';
import { expectRunError, type FlowRunner, runNodesWithId, startFlowRunner, testConnection as runTestConnection } from '../../test/helpers/flows';
import { freePort } from '../../test/helpers/ports';
import { startTestWorker, testDb } from '../../test/helpers/temporal';
import { createWorkspaces } from '../../test/helpers/workspaces';
import { messageNeverSent } from './client';
import email from './index';

/** A message the local SMTP server received, with the headers read from the raw text. */
interface Received {
  user: string | undefined;
  mailFrom: string;
  rcptTo: string[];
  headers: Record<string, string>;
  raw: string;
}

const USERS: Record<string, string> = { 'live-user': 'live-pass', 'test-user': 'test-pass' };
const LIVE_URL = 'smtp://live-user:live-pass@smtp.example.com:587';
const TEST_URL = 'smtp://test-user:test-pass@smtp.example.com:587';

/**
 * A real SMTP server (smtp-server) on 127.0.0.1: AUTH PLAIN/LOGIN against USERS, 550 for bounce@…,
 * 451 (greylisting) for the first two tries of greylist-…@…, and 421 at DATA for subjects with [busy].
 */
async function startSmtpPeer() {
  const received: Received[] = [];
  const logins: { username: string; password: string; ok: boolean }[] = [];
  const rcptTries = new Map<string, number>();
  let connections = 0;
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onAuth(auth, _session, callback) {
      const ok = auth.username !== undefined && USERS[auth.username] === auth.password;
      logins.push({ username: auth.username ?? '', password: auth.password ?? '', ok });
      if (!ok) return callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      const tries = (rcptTries.get(address.address) ?? 0) + 1;
      rcptTries.set(address.address, tries);
      if (address.address.startsWith('bounce@')) {
        return callback(Object.assign(new Error(`5.1.1 <${address.address}>: Mailbox unavailable`), { responseCode: 550 }));
      }
      if (address.address.startsWith('greylist-') && tries <= 2) {
        return callback(Object.assign(new Error('4.7.1 Greylisted, please try again later'), { responseCode: 451 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const headers = parseHeaders(raw);
        if ((headers.subject ?? '').includes('[busy]')) {
          return callback(Object.assign(new Error('4.3.2 Service not available, closing transmission channel'), { responseCode: 421 }));
        }
        const { mailFrom, rcptTo } = session.envelope;
        received.push({
          user: session.user as string | undefined,
          mailFrom: mailFrom ? mailFrom.address : '',
          rcptTo: rcptTo.map((r) => r.address),
          headers,
          raw,
        });
        callback(null, 'Queued');
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    logins,
    rcptTries: (address: string) => rcptTries.get(address) ?? 0,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Header names lower-cased, folded lines joined; enough to check what the test sent. */
function parseHeaders(raw: string): Record<string, string> {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

let db: Db;
let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
let runner: FlowRunner;
/** Workspaces: both values; a live value only (test runs use the sandbox); nothing; wrong passwords; no EMAIL_FROM. */
const ws = { both: '', liveOnly: '', none: '', wrong: '', noFrom: '', loopback: '' };

beforeAll(async () => {
  db = await testDb();
  await createWorkspaces(db, ws, {
    both: { SMTP_URL: { live: LIVE_URL, test: TEST_URL }, EMAIL_FROM: { live: 'Acme <hello@acme.test>', test: 'Acme Test <test@acme.test>' } },
    liveOnly: { SMTP_URL: { live: LIVE_URL }, EMAIL_FROM: { live: 'hello@acme.test', test: 'hello@acme.test' } },
    wrong: { SMTP_URL: { live: 'smtp://live-user:not-the-password@smtp.example.com:587' } },
    noFrom: { SMTP_URL: { live: LIVE_URL } },
    loopback: { SMTP_URL: { live: 'smtp://live-user:live-pass@127.0.0.1:2525' } },
  });
  smtp = await startSmtpPeer();
  runner = await startFlowRunner({ db, integrations: [email], endpoints: { email: smtp.url } });
});

afterAll(async () => {
  await runner?.stop();
  await smtp?.close();
});

const fastRetry = { initialInterval: '100ms', backoffCoefficient: 1, maximumAttempts: 3 };

/** Runs a flow of one send-email node; returns its final state and workflow id (the idempotency key's prefix). */
function run(inputs: Record<string, unknown>, o: { workspaceId: string; mode?: RunMode; taskQueue?: string; extra?: Record<string, unknown> }) {
  const send = { id: 'send', type: 'action', action: 'email.send-email@1', inputs, retry: fastRetry, ...o.extra };
  return runNodesWithId(runner.client, o.taskQueue ?? runner.taskQueue, [send], { mode: o.mode ?? 'live', workspaceId: o.workspaceId, flowId: 'flw_email' });
}

/** Runs a flow that must fail; returns the failed node's error. */
const runFailing = (inputs: Record<string, unknown>, o: Parameters<typeof run>[1]) => expectRunError(run(inputs, o));

const testConnection = (workspaceId: string, mode: RunMode, taskQueue = runner.taskQueue) =>
  runTestConnection(runner.client, taskQueue, { workspaceId, integration: 'email', mode });

const hex = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

describe('email.send-email@1 through a flow (real SMTP server on 127.0.0.1)', () => {
  it('live mode logs in with the live credentials and delivers the message', async () => {
    const loginsBefore = smtp.logins.length;
    const { state, workflowId } = await run(
      {
        to: 'Ada Lovelace <ada@example.com>',
        cc: ['grace@example.com'],
        bcc: 'audit@example.com',
        replyTo: 'support@acme.test',
        subject: 'Your receipt #1001',
        text: 'Thanks for your order.',
        html: '<p>Thanks for your order.</p>',
      },
      { workspaceId: ws.both },
    );
    expect(state.status).toBe('completed');
    const output = state.nodes.send!.output as { messageId: string; accepted: string[]; rejected: string[] };
    expect(state.nodes.send).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(state.nodes.send!.simulated).toBeUndefined();
    // The Message-ID is derived from the idempotency key (workflow id + node key), in the sender's domain.
    expect(output.messageId).toBe(`<${hex(`${workflowId}:send`).slice(0, 32)}@acme.test>`);
    expect(output.accepted).toEqual(['ada@example.com', 'grace@example.com', 'audit@example.com']);
    expect(output.rejected).toEqual([]);

    const logins = smtp.logins.slice(loginsBefore);
    expect(logins).toEqual([{ username: 'live-user', password: 'live-pass', ok: true }]);
    const msg = smtp.received.find((m) => m.headers['message-id'] === output.messageId)!;
    expect(msg).toBeDefined();
    expect(msg.user).toBe('live-user');
    expect(msg.mailFrom).toBe('hello@acme.test');
    expect(msg.rcptTo).toEqual(['ada@example.com', 'grace@example.com', 'audit@example.com']);
    expect(msg.headers).toMatchObject({
      subject: 'Your receipt #1001',
      from: 'Acme <hello@acme.test>',
      to: 'Ada Lovelace <ada@example.com>',
      cc: 'grace@example.com',
      'reply-to': 'support@acme.test',
    });
    expect(msg.headers.bcc).toBeUndefined();
    expect(msg.raw).toContain('Thanks for your order.');
    expect(msg.raw).toContain('<p>Thanks for your order.</p>');
  });

  it('test mode logs in with the test credentials and never with the live ones', async () => {
    const loginsBefore = smtp.logins.length;
    const { state } = await run(
      { to: 'ada@example.com', subject: 'Test run', text: 'hello', from: 'Override <override@other.test>' },
      { workspaceId: ws.both, mode: 'test' },
    );
    expect(state.nodes.send).toMatchObject({ status: 'succeeded', output: { accepted: ['ada@example.com'], rejected: [] } });
    expect(state.nodes.send!.simulated).toBeUndefined();
    const logins = smtp.logins.slice(loginsBefore);
    expect(logins).toEqual([{ username: 'test-user', password: 'test-pass', ok: true }]);
    expect(JSON.stringify(logins)).not.toContain('live-');
    const msg = smtp.received.at(-1)!;
    expect(msg).toMatchObject({ user: 'test-user', mailFrom: 'override@other.test', headers: { subject: 'Test run', from: 'Override <override@other.test>' } });
  });

  it('test mode without a test value runs the sandbox: simulated, no connection', async () => {
    const before = smtp.connections();
    const { state, workflowId } = await run(
      { to: ['ada@example.com', 'Grace <grace@example.com>'], bcc: 'audit@example.com', subject: 'Hi', text: 'hi' },
      { workspaceId: ws.liveOnly, mode: 'test' },
    );
    expect(state.nodes.send).toMatchObject({
      status: 'succeeded',
      simulated: true,
      output: {
        messageId: `<sandbox-${hex(`${workflowId}:send`).slice(0, 16)}@switchyard.local>`,
        accepted: ['ada@example.com', 'grace@example.com', 'audit@example.com'],
        rejected: [],
      },
    });
    expect(smtp.connections()).toBe(before);
  });

  it('reports recipients the server refused while delivering to the others', async () => {
    const { state } = await run({ to: ['ada@example.com', 'bounce@example.com'], subject: 'Partly', text: 'hi' }, { workspaceId: ws.both });
    expect(state.nodes.send).toMatchObject({ status: 'succeeded', attempts: 1, output: { accepted: ['ada@example.com'], rejected: ['bounce@example.com'] } });
  });

  it('a 550 for every recipient fails the run after one attempt with the server answer', async () => {
    const address = `bounce@${crypto.randomUUID()}.example.com`;
    const error = await runFailing({ to: address, subject: 'Nobody home', text: 'hi' }, { workspaceId: ws.both });
    expect(error).toMatchObject({ type: 'NonRetryable', status: 550 });
    expect(error.message).toContain(`5.1.1 <${address}>: Mailbox unavailable`);
    expect(error.message).not.toContain('live-pass');
    expect(smtp.rcptTries(address)).toBe(1);
  });

  it('a 451 (greylisting) is retried until the server accepts', async () => {
    const address = `greylist-${crypto.randomUUID()}@example.com`;
    const { state } = await run({ to: address, subject: 'Greylisted', text: 'hi' }, { workspaceId: ws.both });
    expect(state.nodes.send).toMatchObject({ status: 'succeeded', attempts: 3, output: { accepted: [address], rejected: [] } });
    expect(smtp.rcptTries(address)).toBe(3);
    expect(smtp.received.filter((m) => m.rcptTo.includes(address))).toHaveLength(1);
  });

  it('a 421 at DATA is retried, then fails the run as retryable', async () => {
    const subject = `[busy] ${crypto.randomUUID()}`;
    const before = smtp.connections();
    const error = await runFailing(
      { to: 'ada@example.com', subject, text: 'hi' },
      { workspaceId: ws.both, extra: { retry: { ...fastRetry, maximumAttempts: 2 } } },
    );
    expect(error).toMatchObject({ type: 'Retryable', status: 421 });
    expect(error.message).toContain('421 4.3.2 Service not available');
    expect(smtp.connections() - before).toBe(2);
  });

  it('a missing secret fails before any connection, naming the secret', async () => {
    const before = smtp.connections();
    const error = await runFailing({ to: 'ada@example.com', subject: 'Hi', text: 'hi', from: 'a@acme.test' }, { workspaceId: ws.none });
    expect(error.type).toBe('NonRetryable');
    expect(error.message).toMatch(/Secret SMTP_URL has no live value/);
    expect(smtp.connections()).toBe(before);
  });

  it('no sender anywhere fails before any connection, naming EMAIL_FROM', async () => {
    const before = smtp.connections();
    const error = await runFailing({ to: 'ada@example.com', subject: 'Hi', text: 'hi' }, { workspaceId: ws.noFrom });
    expect(error.message).toMatch(/No sender.*EMAIL_FROM/);
    expect(smtp.connections()).toBe(before);
  });

  it('invalid input names the field', async () => {
    const before = smtp.connections();
    const bad = await runFailing({ to: 'not-an-address', subject: 'Hi', text: 'hi' }, { workspaceId: ws.both });
    expect(bad.type).toBe('InvalidInput');
    expect(bad.message).toMatch(/invalid input: to: /);
    const noBody = await runFailing({ to: 'ada@example.com', subject: 'Hi' }, { workspaceId: ws.both });
    expect(noBody.message).toMatch(/text: give a text or an html body/);
    expect(smtp.connections()).toBe(before);
  });

  it('testConnection logs in with good credentials and reports the 535 of wrong ones', async () => {
    const loginsBefore = smtp.logins.length;
    expect(await testConnection(ws.both, 'live')).toEqual({ ok: true, detail: `Connected to 127.0.0.1:${smtp.port} and logged in` });
    expect(await testConnection(ws.both, 'test')).toMatchObject({ ok: true });
    expect(smtp.logins.slice(loginsBefore).map((l) => l.username)).toEqual(['live-user', 'test-user']);
    const wrong = await testConnection(ws.wrong, 'live');
    expect(wrong.ok).toBe(false);
    expect(wrong).toMatchObject({ error: expect.stringMatching(/535 5\.7\.8 Authentication credentials invalid.*Check the login in SMTP_URL/) });
    expect(JSON.stringify(wrong)).not.toContain('not-the-password');
  });

  it('without an endpoint, refuses a loopback SMTP host; a refused connection is retried', async () => {
    const closedPort = await freePort();
    const [direct, refused] = await Promise.all([
      startTestWorker({ db, integrations: [email] }),
      startTestWorker({ db, integrations: [email], endpoints: { email: `smtp://127.0.0.1:${closedPort}` } }),
    ]);
    try {
      const before = smtp.connections();
      const blocked = await runFailing(
        { to: 'ada@example.com', subject: 'Hi', text: 'hi', from: 'a@acme.test' },
        { workspaceId: ws.loopback, taskQueue: direct.taskQueue },
      );
      expect(blocked).toMatchObject({ type: 'NonRetryable' });
      expect(blocked.message).toMatch(/Blocked connection to the SMTP host 127\.0\.0\.1: .* a loopback address/);
      expect(await testConnection(ws.loopback, 'live', direct.taskQueue)).toMatchObject({ ok: false, error: expect.stringMatching(/Blocked/) });
      expect(smtp.connections()).toBe(before);

      // onError: branch keeps the run going, so the node's attempts can be read.
      const { state } = await run(
        { to: 'ada@example.com', subject: 'Hi', text: 'hi' },
        { workspaceId: ws.both, taskQueue: refused.taskQueue, extra: { retry: { ...fastRetry, maximumAttempts: 2 }, onError: 'branch' } },
      );
      expect(state.nodes.send).toMatchObject({ status: 'failed', attempts: 2, error: { type: 'Retryable', message: expect.stringMatching(/ECONNREFUSED/) } });
    } finally {
      await Promise.all([direct.stop(), refused.stop()]);
    }
  });
});

describe('messageNeverSent (a failed send is refunded only when the message never reached the server)', () => {
  const err = (o: Record<string, unknown>) => Object.assign(new Error('x'), o);
  it('before DATA: connection, TLS, login, every recipient refused', () => {
    expect(messageNeverSent(err({ code: 'ECONNECTION', command: 'CONN' }))).toBe(true);
    expect(messageNeverSent(err({ code: 'ETIMEDOUT', command: 'CONN' }))).toBe(true);
    expect(messageNeverSent(err({ code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535 }))).toBe(true);
    expect(messageNeverSent(err({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550 }))).toBe(true);
    expect(messageNeverSent(err({ code: 'EENVELOPE', rejectedErrors: [err({ responseCode: 550 })] }))).toBe(true);
    expect(messageNeverSent(err({ code: 'EDNS' }))).toBe(true);
  });
  it('from DATA on, or when it cannot tell: the message may have arrived, the charge stays', () => {
    expect(messageNeverSent(err({ code: 'EMESSAGE', command: 'DATA', responseCode: 421 }))).toBe(false);
    expect(messageNeverSent(err({ code: 'ETIMEDOUT', command: 'DATA' }))).toBe(false);
    expect(messageNeverSent(err({ code: 'ESOCKET' }))).toBe(false);
    expect(messageNeverSent(new Error('unknown'))).toBe(false);
  });
});
