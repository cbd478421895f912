import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { codeLimits } from '#core/code';
import { compileCode } from '#core/code-compile';
import { integrationPrompt } from '#server/services/catalog.service';
import { secretsRead } from '#server/services/code.service';
import { sandboxFetch } from '#worker/code/fetch-bridge';
import { runInSandbox } from '#worker/code/sandbox';
import { createGuardedHttpClient } from '#core/net/guarded-http';
import { startGitHubPeer } from '../test/peers/github-peer';
import { startOpenAIPeer } from '../test/peers/openai-peer';
import { startResendPeer } from '../test/peers/resend-peer';
import { startSlackPeer } from '../test/peers/slack-peer';
import { findStripeMock, startStripeMock } from '../test/peers/stripe-mock';
import { startTwilioPeer } from '../test/peers/twilio-peer';
import { integrations } from './index';

/**
 * Each ready-made integration's backend-function example (catalog/<key>/code-step.ts, quoted by its Integration
 * Prompt) is real code: it compiles for the sandbox, reads only secrets its integration declares, and run in the
 * production sandbox against the provider's local peer (only the base URL changed) it does what the action does.
 */
const catalogDir = path.dirname(fileURLToPath(import.meta.url));
const example = (key: string) => fs.readFileSync(path.join(catalogDir, key, 'code-step.ts'), 'utf8');
const http = createGuardedHttpClient({ allow: ['127.0.0.1/32'] });
afterAll(() => http.close());

async function run(key: string, input: unknown, secrets: Record<string, string>) {
  const compiled = await compileCode(example(key), 'typescript');
  return runInSandbox({
    compiled,
    input,
    limits: codeLimits({}),
    secrets,
    idempotencyKey: `wf-${crypto.randomUUID()}:step`,
    mode: 'test',
    fetch: sandboxFetch(http),
  });
}

describe('backend-function examples of the catalog', () => {
  const withExample = integrations.filter((i) => fs.existsSync(path.join(catalogDir, i.key, 'code-step.ts')));

  it('exist for every ready-made integration that speaks HTTP, and the prompt quotes them', () => {
    // email speaks SMTP, which ctx.fetch cannot; http (instant) is ctx.fetch itself; webhooks has no action to mirror;
    // OAuth integrations act through a connection, whose tokens code steps never see.
    expect(withExample.map((i) => i.key).sort()).toEqual(
      integrations
        .filter((i) => !['email', 'http', 'webhooks'].includes(i.key) && i.auth.type !== 'oauth2')
        .map((i) => i.key)
        .sort(),
    );
    for (const i of withExample) {
      const prompt = integrationPrompt(i);
      expect(prompt).toContain('### As a code step');
      expect(prompt).toContain(example(i.key).trimEnd());
      const declared = new Set((i.setup ?? []).map((v) => v.name));
      for (const name of secretsRead(example(i.key))) expect(declared.has(name), `${i.key} reads ${name}`).toBe(true);
    }
  });

  it('compile for the sandbox', async () => {
    for (const i of withExample) await compileCode(example(i.key), 'typescript');
  });

  it('resend: sends the email with the idempotency key', async () => {
    const peer = await startResendPeer({ keys: { re_test_key123: 'full_access' } });
    try {
      const out = await run(
        'resend',
        { baseUrl: peer.url, from: 'Acme <hello@acme.test>', to: 'ada@example.com', subject: 'Hi', text: 'Hello' },
        { RESEND_API_KEY: 're_test_key123' },
      );
      expect(out.value).toEqual({ id: peer.sent[0]!.id });
      expect(peer.sent[0]!.body).toMatchObject({ to: 'ada@example.com', subject: 'Hi' });
      expect(peer.sent[0]!.idempotencyKey).toMatch(/^wf-.*:step$/);
    } finally {
      await peer.close();
    }
  });

  it('slack: posts the message', async () => {
    const peer = await startSlackPeer({ tokens: ['xoxb-test-1'], channels: { C0GENERAL1: 'general' } });
    try {
      const out = await run('slack', { baseUrl: peer.url, channel: 'C0GENERAL1', text: 'Deployed' }, { SLACK_BOT_TOKEN: 'xoxb-test-1' });
      expect(out.value).toMatchObject({ channel: 'C0GENERAL1', ts: expect.any(String) });
      expect(peer.argsOf('chat.postMessage')[0]).toMatchObject({ channel: 'C0GENERAL1', text: 'Deployed' });
    } finally {
      await peer.close();
    }
  });

  it('github: creates the issue', async () => {
    const peer = await startGitHubPeer({ tokens: { ghp_test_token: 'ada' }, repos: ['acme/app'] });
    try {
      const out = await run('github', { baseUrl: peer.url, repo: 'acme/app', title: 'Broken build', body: 'See CI' }, { GITHUB_TOKEN: 'ghp_test_token' });
      expect(out.value).toMatchObject({ number: peer.issues('acme/app')[0]!.number });
      expect(peer.issues('acme/app')[0]).toMatchObject({ title: 'Broken build', user: 'ada' });
    } finally {
      await peer.close();
    }
  });

  it('twilio: sends the SMS with Basic auth and a form body', async () => {
    const sid = `AC${'1'.repeat(32)}`;
    const peer = await startTwilioPeer({ [sid]: { authToken: 'tok_test_123', friendlyName: 'Test', numbers: ['+15005550006'] } });
    try {
      const out = await run(
        'twilio',
        { baseUrl: peer.url, to: '+14155552671', body: 'Your code is 123' },
        { TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: 'tok_test_123', TWILIO_FROM_NUMBER: '+15005550006' },
      );
      expect(out.value).toMatchObject({ sid: peer.sent[0]!.sid, to: '+14155552671' });
      expect(peer.sent[0]).toMatchObject({ from: '+15005550006', body: 'Your code is 123' });
      expect(peer.credentialsSeen()).toEqual([`${sid}:tok_test_123`]);
    } finally {
      await peer.close();
    }
  });

  it('openai: asks for a chat completion', async () => {
    const peer = await startOpenAIPeer({ keys: ['sk-test-openai'] });
    try {
      const out = await run('openai', { baseUrl: `${peer.url}/v1`, prompt: 'Say hi', model: 'gpt-4o-mini' }, { OPENAI_API_KEY: 'sk-test-openai' });
      expect(out.value).toMatchObject({ content: expect.any(String), model: expect.stringContaining('gpt-4o-mini') });
    } finally {
      await peer.close();
    }
  });

  const stripeMockInstalled = (() => {
    try {
      findStripeMock();
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!stripeMockInstalled)('stripe: creates the customer (stripe-mock)', async () => {
    const mock = await startStripeMock();
    try {
      const out = await run('stripe', { baseUrl: mock.url, email: 'ada@example.com', name: 'Ada' }, { STRIPE_SECRET_KEY: 'sk_test_123' });
      expect(out.value).toMatchObject({ id: expect.stringMatching(/^cus_/) });
    } finally {
      await mock.stop();
    }
  });

  it('data: reshapes without calling anyone', async () => {
    const out = await run(
      'data',
      {
        orders: [
          { customer: 'a', total: 5 },
          { customer: 'b', total: 1 },
          { customer: 'a', total: 2 },
        ],
      },
      {},
    );
    expect(out.value).toEqual({
      totals: [
        { customer: 'a', orders: 2, total: 7 },
        { customer: 'b', orders: 1, total: 1 },
      ],
    });
    expect(out.fetches).toBe(0);
  });
});
