import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonRetryableError } from '#core/errors';
import type { Db } from '#store/database';
import { testActionContext } from '../../test/helpers/action-context';
import { actionNode, integrationFlows, startFlowRunner, type FlowRunner } from '../../test/helpers/flows';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BlobStore, FileBlobBackend } from '#store/blobs';
import { SecretStore } from '#store/secrets';
import { testDb, testMasterKey } from '../../test/helpers/temporal';
import { createWorkspaces } from '../../test/helpers/workspaces';
import { startSlackPeer } from '../../test/peers/slack-peer';
import { createGuardedHttpClient } from '#core/net/guarded-http';
import slack from '.';
import { postMessage } from './actions/post-message.action';

const LIVE = 'xoxb-1111111111-2222222222-liveLIVElive';
const TEST = 'xoxb-3333333333-4444444444-testTESTtest';

let db: Db;
let blobs: BlobStore;
let blobDir: string;
let runner: FlowRunner;
let peer: Awaited<ReturnType<typeof startSlackPeer>>;
/** Workspaces: live+test token, live token only, no token, wrong tokens. */
const ws = { full: '', liveOnly: '', empty: '', wrong: '' };

beforeAll(async () => {
  db = await testDb();
  await createWorkspaces(db, ws, {
    full: { SLACK_BOT_TOKEN: { live: LIVE, test: TEST } },
    liveOnly: { SLACK_BOT_TOKEN: { live: LIVE } },
    wrong: { SLACK_BOT_TOKEN: { live: 'xoxb-0-0-revoked', test: 'xoxb-0-0-revokedtest' } },
  });
  peer = await startSlackPeer({ tokens: [LIVE, TEST], channels: { C0GENERAL1: 'general', C0ALERTS01: 'alerts' } });
  blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-slack-files-'));
  blobs = new BlobStore(db, new SecretStore(db, testMasterKey), new FileBlobBackend(blobDir));
  runner = await startFlowRunner({ db, integrations: [slack], endpoints: { slack: peer.apiUrl }, blobs });
});

afterAll(async () => {
  await runner?.stop();
  await peer?.close();
  if (blobDir) fs.rmSync(blobDir, { recursive: true, force: true });
});

const fastRetry = { initialInterval: '100ms', maximumAttempts: 3 };

const { run, runFailing, testConnection } = integrationFlows('slack', { runner: () => runner, workspaceId: () => ws.full });
const post = actionNode('post', 'slack.post-message@1');

describe('slack (official @slack/web-api against a local Slack peer, through flows)', () => {
  it('live: uploads a file of the run (files.uploadV2: upload URL, the bytes as multipart, complete) and shares it with a comment', async () => {
    const bytes = Buffer.from(`%PDF-1.4\n${'invoice 1042 '.repeat(500)}\n%%EOF`);
    const file = await blobs.putBytes({ workspaceId: ws.full, workflowId: 'slack-upload-test', bytes, mediaType: 'application/pdf', name: 'invoice-1042.pdf' });
    const state = await run(
      [{ id: 'share', type: 'action', action: 'slack.upload-file@1', inputs: { channel: 'C0ALERTS01', file, initialComment: 'Invoice 1042 is ready' } }],
      'live',
    );
    expect(state.status).toBe('completed');
    const output = state.nodes.share!.output as { fileId: string; name: string; permalink: string };
    expect(output).toMatchObject({ name: 'invoice-1042.pdf' });
    const upload = peer.uploads.get(output.fileId)!;
    expect(upload.bytes!.equals(bytes)).toBe(true);
    expect(upload.shared).toEqual({ channel: 'C0ALERTS01', comment: 'Invoice 1042 is ready', title: 'invoice-1042.pdf' });
    // A channel name cannot be used for a file: the step says what to give instead, before anything is sent.
    const refused = await runFailing([{ id: 'share', type: 'action', action: 'slack.upload-file@1', inputs: { channel: '#alerts', file } }], 'live');
    expect(JSON.stringify(refused)).toMatch(/a channel ID such as C0123456789/);
  });

  it('live: posts with blocks, replies in the thread and updates the message, with the live token', async () => {
    const before = peer.hits.length;
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Deploy* started' } }];
    const state = await run(
      [
        post({ channel: '#general', text: 'Deploy started', blocks }),
        {
          id: 'reply',
          type: 'action',
          action: 'slack.post-message@1',
          inputs: { channel: { $expr: 'nodes.post.channel' }, text: 'step 1 done', thread_ts: { $expr: 'nodes.post.ts' } },
        },
        {
          id: 'update',
          type: 'action',
          action: 'slack.update-message@1',
          inputs: { channel: { $expr: 'nodes.post.channel' }, ts: { $expr: 'nodes.post.ts' }, text: 'Deploy finished' },
        },
      ],
      'live',
    );
    expect(state.status).toBe('completed');
    const { channel, ts } = state.nodes.post!.output as { channel: string; ts: string };
    expect(state.nodes.post).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      output: { ok: true, channel: 'C0GENERAL1', ts: expect.stringMatching(/^\d+\.\d{6}$/) },
    });
    expect(state.nodes.post!.simulated).toBeUndefined();
    expect(state.nodes.reply!.output).toMatchObject({ ok: true, channel: 'C0GENERAL1' });
    expect(state.nodes.update!.output).toEqual({ ok: true, channel, ts, text: 'Deploy finished' });
    expect(peer.messages.get(`${channel}:${ts}`)).toMatchObject({ text: 'Deploy finished', blocks });
    const replyTs = (state.nodes.reply!.output as { ts: string }).ts;
    expect(peer.messages.get(`${channel}:${replyTs}`)).toMatchObject({ thread_ts: ts, text: 'step 1 done' });
    // The SDK's own wire format: form-encoded, blocks as a JSON string, the token as a Bearer header.
    const sent = peer.hits.slice(before);
    expect(sent.map((h) => h.path)).toEqual(['/api/chat.postMessage', '/api/chat.postMessage', '/api/chat.update']);
    expect(sent[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(JSON.parse(new URLSearchParams(sent[0]!.body).get('blocks')!)).toEqual(blocks);
    expect(peer.tokensSeen().slice(before)).toEqual([LIVE, LIVE, LIVE]);
  });

  it('test mode uses the test token, never the live one', async () => {
    const before = peer.hits.length;
    const state = await run([post({ channel: 'C0ALERTS01', text: 'test run' })], 'test');
    expect(state.nodes.post).toMatchObject({ status: 'succeeded', output: { ok: true, channel: 'C0ALERTS01' } });
    expect(state.nodes.post!.simulated).toBeUndefined();
    const tokens = peer.tokensSeen().slice(before);
    expect(tokens).toEqual([TEST]);
    expect(peer.hits.slice(before).some((h) => JSON.stringify(h).includes(LIVE))).toBe(false);
  });

  it('test mode without a test token runs the sandbox: simulated, no request', async () => {
    const before = peer.hits.length;
    const state = await run(
      [
        post({ channel: 'C0GENERAL1', text: 'hello' }),
        { id: 'update', type: 'action', action: 'slack.update-message@1', inputs: { channel: 'C0GENERAL1', ts: { $expr: 'nodes.post.ts' }, text: 'bye' } },
      ],
      'test',
      ws.liveOnly,
    );
    expect(state.nodes.post).toMatchObject({
      status: 'succeeded',
      simulated: true,
      output: { ok: true, channel: 'C0GENERAL1', ts: expect.stringMatching(/^\d+\.\d{6}$/) },
    });
    expect(state.nodes.update).toMatchObject({ simulated: true, output: { ok: true, text: 'bye', ts: (state.nodes.post!.output as { ts: string }).ts } });
    expect(peer.hits.length).toBe(before);
  });

  it("a Slack error ({ ok: false, error: 'channel_not_found' }) fails the run after exactly one attempt", async () => {
    const before = peer.hits.length;
    const error = await runFailing([post({ channel: 'C0NOSUCH01', text: 'x' }, { retry: fastRetry })], 'live');
    expect(error).toMatchObject({ nodeId: 'post', type: 'NonRetryable' });
    expect(error.message).toMatch(/chat\.postMessage failed: channel_not_found/);
    expect(peer.hits.length - before).toBe(1);
  });

  it('updating a message that does not exist fails with message_not_found', async () => {
    const error = await runFailing(
      [{ id: 'update', type: 'action', action: 'slack.update-message@1', inputs: { channel: 'C0GENERAL1', ts: '1.000001', text: 'x' }, retry: fastRetry }],
      'live',
    );
    expect(error).toMatchObject({ type: 'NonRetryable', message: expect.stringContaining('message_not_found') });
  });

  it('HTTP 429 with Retry-After is retried after the wait Slack asked for', async () => {
    const before = peer.hits.length;
    peer.failNext({ status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } });
    const started = Date.now();
    const state = await run([post({ channel: 'C0GENERAL1', text: 'after the limit' }, { retry: fastRetry })], 'live');
    const hits = peer.hits.slice(before);
    expect(state.nodes.post).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(hits).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('5xx answers and retryable Slack errors (internal_error) are retried', async () => {
    const before = peer.hits.length;
    peer.failNext({ status: 503, body: 'upstream unavailable' }, { body: { ok: false, error: 'internal_error' } });
    const state = await run([post({ channel: 'C0GENERAL1', text: 'third time lucky' }, { retry: fastRetry })], 'live');
    expect(state.nodes.post).toMatchObject({ status: 'succeeded', attempts: 3, output: { ok: true } });
    expect(peer.hits.length - before).toBe(3);
  });

  it('a missing token fails with a message naming the secret, before any request', async () => {
    const before = peer.hits.length;
    const error = await runFailing([post({ channel: 'C0GENERAL1', text: 'x' })], 'live', ws.empty);
    expect(error.type).toBe('NonRetryable');
    expect(error.message).toMatch(/SLACK_BOT_TOKEN has no live value/);
    expect(error.message).toContain('https://api.slack.com/apps');
    expect(peer.hits.length).toBe(before);
  });

  it('an invalid input names the field', async () => {
    const before = peer.hits.length;
    const error = await runFailing([post({ text: 'no channel', thread_ts: 'yesterday' })], 'live');
    expect(error.type).toBe('InvalidInput');
    expect(error.message).toMatch(/channel: /);
    expect(error.message).toMatch(/thread_ts: a message ts/);
    expect(peer.hits.length).toBe(before);
  });

  it('testConnection: ok with a good token (live and test), ok:false with a revoked one', async () => {
    const live = await testConnection(ws.full, 'live');
    expect(live).toEqual({ ok: true, detail: 'Connected to the Slack workspace Switchyard Test as switchyard' });
    const before = peer.hits.length;
    expect(await testConnection(ws.full, 'test')).toMatchObject({ ok: true });
    expect(peer.tokensSeen().slice(before)).toEqual([TEST]);
    const wrong = await testConnection(ws.wrong, 'live');
    expect(wrong).toMatchObject({ ok: false, error: expect.stringContaining('invalid_auth') });
    expect(JSON.stringify(wrong)).not.toContain('xoxb-0-0-revoked');
  });

  it('sends through ctx.http.fetch: the address guard refuses a loopback endpoint that is not allow-listed', async () => {
    const http = createGuardedHttpClient({});
    const before = peer.hits.length;
    const ctx = testActionContext({ http, secrets: { SLACK_BOT_TOKEN: LIVE }, endpoint: peer.apiUrl });
    try {
      const err = await postMessage.run({ channel: 'C0GENERAL1', text: 'x' }, ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NonRetryableError);
      expect((err as NonRetryableError).options.code).toBe('ADDRESS_BLOCKED');
      expect(peer.hits.length).toBe(before);
    } finally {
      await http.close();
    }
  });
});
