import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonRetryableError } from '#core/errors';
import type { Db } from '#store/database';
import { testActionContext } from '../../test/helpers/action-context';
import { actionNode, integrationFlows, startFlowRunner, type FlowRunner } from '../../test/helpers/flows';
import { testDb } from '../../test/helpers/temporal';
import { createWorkspaces } from '../../test/helpers/workspaces';
import { startGitHubPeer } from '../../test/peers/github-peer';
import { createGuardedHttpClient } from '#core/net/guarded-http';
import github from '.';
import { createIssue } from './actions/create-issue.action';

const LIVE = 'github_pat_11LIVE0000000000000000_liveLIVElive';
const TEST = 'github_pat_11TEST0000000000000000_testTESTtest';

let db: Db;
let runner: FlowRunner;
let peer: Awaited<ReturnType<typeof startGitHubPeer>>;
/** Workspaces: live+test token, live token only, no token, wrong tokens. */
const ws = { full: '', liveOnly: '', empty: '', wrong: '' };

beforeAll(async () => {
  db = await testDb();
  await createWorkspaces(db, ws, {
    full: { GITHUB_TOKEN: { live: LIVE, test: TEST } },
    liveOnly: { GITHUB_TOKEN: { live: LIVE } },
    wrong: { GITHUB_TOKEN: { live: 'ghp_revokedREVOKEDrevoked0000000000', test: 'ghp_revokedTESTrevoked00000000000' } },
  });
  peer = await startGitHubPeer({ tokens: { [LIVE]: 'ada', [TEST]: 'ada-test' }, repos: ['acme/web'], assignable: ['ada', 'grace'] });
  runner = await startFlowRunner({ db, integrations: [github], endpoints: { github: peer.url } });
});

afterAll(async () => {
  await runner?.stop();
  await peer?.close();
});

const fastRetry = { initialInterval: '100ms', maximumAttempts: 3 };

const { run, runFailing, testConnection } = integrationFlows('github', { runner: () => runner, workspaceId: () => ws.full });
const issue = actionNode('issue', 'github.create-issue@1');

const rateLimitReset = (secondsFromNow: number) => String(Math.floor(Date.now() / 1000) + secondsFromNow);

describe('github (official @octokit/rest against a local GitHub peer, through flows)', () => {
  it('live: creates an issue with labels and assignees, then comments on it, with the live token', async () => {
    const before = peer.hits.length;
    const state = await run(
      [
        issue({ owner: 'acme', repo: 'web', title: 'Checkout fails on Safari', body: 'Reported by **Ada**', labels: ['bug', 'support'], assignees: ['grace'] }),
        {
          id: 'comment',
          type: 'action',
          action: 'github.add-comment@1',
          inputs: { owner: 'acme', repo: 'web', issueNumber: { $expr: 'nodes.issue.number' }, body: 'Fixed in #42' },
        },
      ],
      'live',
    );
    expect(state.status).toBe('completed');
    const created = peer.issues('acme/web').at(-1)!;
    expect(created).toMatchObject({
      title: 'Checkout fails on Safari',
      body: 'Reported by **Ada**',
      labels: ['bug', 'support'],
      assignees: ['grace'],
      comments: 1,
    });
    expect(state.nodes.issue).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(state.nodes.issue!.output).toEqual({
      number: created.number,
      url: `${peer.url}/repos/acme/web/issues/${created.number}`,
      htmlUrl: `https://github.com/acme/web/issues/${created.number}`,
      state: 'open',
    });
    const comment = peer.comments.at(-1)!;
    expect(comment).toMatchObject({ issue: created.number, body: 'Fixed in #42' });
    expect(state.nodes.comment!.output).toEqual({ id: comment.id, htmlUrl: `https://github.com/acme/web/issues/${created.number}#issuecomment-${comment.id}` });
    const sent = peer.hits.slice(before);
    expect(sent.map((h) => `${h.method} ${h.path}`)).toEqual(['POST /repos/acme/web/issues', `POST /repos/acme/web/issues/${created.number}/comments`]);
    expect(sent[0]!.headers['user-agent']).toMatch(/^switchyard octokit-rest\.js/);
    expect(sent[0]!.headers['content-type']).toMatch(/^application\/json/);
    expect(peer.tokensSeen().slice(before)).toEqual([LIVE, LIVE]);
  });

  it('test mode uses the test token, never the live one', async () => {
    const before = peer.hits.length;
    const state = await run([issue({ owner: 'acme', repo: 'web', title: 'from a test run' })], 'test');
    expect(state.nodes.issue).toMatchObject({ status: 'succeeded', output: { state: 'open' } });
    expect(state.nodes.issue!.simulated).toBeUndefined();
    expect(peer.tokensSeen().slice(before)).toEqual([TEST]);
    expect(peer.hits.slice(before).some((h) => JSON.stringify(h).includes(LIVE))).toBe(false);
  });

  it('test mode without a test token runs the sandbox: simulated, no request', async () => {
    const before = peer.hits.length;
    const state = await run(
      [
        issue({ owner: 'acme', repo: 'web', title: 'sandboxed' }),
        {
          id: 'comment',
          type: 'action',
          action: 'github.add-comment@1',
          inputs: { owner: 'acme', repo: 'web', issueNumber: { $expr: 'nodes.issue.number' }, body: 'hi' },
        },
      ],
      'test',
      ws.liveOnly,
    );
    const { number } = state.nodes.issue!.output as { number: number };
    expect(state.nodes.issue).toMatchObject({
      simulated: true,
      output: { url: `https://api.github.com/repos/acme/web/issues/${number}`, htmlUrl: `https://github.com/acme/web/issues/${number}`, state: 'open' },
    });
    expect(state.nodes.comment).toMatchObject({
      simulated: true,
      output: { htmlUrl: expect.stringMatching(new RegExp(`/acme/web/issues/${number}#issuecomment-\\d+$`)) },
    });
    expect(peer.hits.length).toBe(before);
  });

  it('422 Validation Failed fails the run after exactly one attempt, with GitHub’s message', async () => {
    const before = peer.hits.length;
    const error = await runFailing([issue({ owner: 'acme', repo: 'web', title: 'x', assignees: ['mallory'] }, { retry: fastRetry })], 'live');
    expect(error).toMatchObject({ nodeId: 'issue', type: 'NonRetryable', status: 422 });
    expect(error.message).toContain('Validation Failed');
    expect(error.message).toContain('"field":"assignees"');
    expect(error.message).toContain('https://docs.github.com/rest/issues/issues#create-an-issue');
    expect(peer.hits.length - before).toBe(1);
  });

  it('404 (no such repository) and a permission 403 are final, with a hint', async () => {
    const before = peer.hits.length;
    const missing = await runFailing([issue({ owner: 'acme', repo: 'nope', title: 'x' }, { retry: fastRetry })], 'live');
    expect(missing).toMatchObject({ type: 'NonRetryable', status: 404 });
    expect(missing.message).toMatch(/Not Found.*cannot see it/);
    peer.failNext({
      status: 403,
      body: {
        message: 'Resource not accessible by personal access token',
        documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
        status: '403',
      },
    });
    const forbidden = await runFailing([issue({ owner: 'acme', repo: 'web', title: 'x' }, { retry: fastRetry })], 'live');
    expect(forbidden).toMatchObject({ type: 'NonRetryable', status: 403 });
    expect(forbidden.message).toMatch(/Resource not accessible by personal access token.*Issues: Read and write/);
    expect(peer.hits.length - before).toBe(2);
  });

  it('429 with Retry-After is retried after the wait GitHub asked for', async () => {
    const before = peer.hits.length;
    peer.failNext({
      status: 429,
      headers: { 'retry-after': '1' },
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api',
        status: '429',
      },
    });
    const started = Date.now();
    const state = await run([issue({ owner: 'acme', repo: 'web', title: 'after the limit' }, { retry: fastRetry })], 'live');
    expect(state.nodes.issue).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(peer.hits.length - before).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('a primary rate limit (403, x-ratelimit-remaining: 0) waits for x-ratelimit-reset; a 502 is retried', async () => {
    const before = peer.hits.length;
    const started = Date.now();
    peer.failNext(
      {
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': rateLimitReset(2) },
        body: {
          message: 'API rate limit exceeded for user ID 505.',
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
          status: '403',
        },
      },
      { status: 502, headers: { 'content-type': 'text/html' }, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' },
    );
    const state = await run([issue({ owner: 'acme', repo: 'web', title: 'third time lucky' }, { retry: fastRetry })], 'live');
    expect(state.nodes.issue).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(peer.hits.length - before).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('a missing token fails with a message naming the secret, before any request', async () => {
    const before = peer.hits.length;
    const error = await runFailing([issue({ owner: 'acme', repo: 'web', title: 'x' })], 'live', ws.empty);
    expect(error.type).toBe('NonRetryable');
    expect(error.message).toMatch(/GITHUB_TOKEN has no live value/);
    expect(error.message).toContain('https://github.com/settings/tokens');
    expect(peer.hits.length).toBe(before);
  });

  it('an invalid input names the field', async () => {
    const before = peer.hits.length;
    const error = await runFailing(
      [{ id: 'comment', type: 'action', action: 'github.add-comment@1', inputs: { owner: 'acme corp', repo: 'web', issueNumber: 'seven', body: 'x' } }],
      'live',
    );
    expect(error.type).toBe('InvalidInput');
    expect(error.message).toMatch(/owner: a GitHub user or organization name/);
    expect(error.message).toMatch(/issueNumber: /);
    expect(peer.hits.length).toBe(before);
  });

  it('testConnection: ok with a good token (live and test), ok:false with a bad one', async () => {
    expect(await testConnection(ws.full, 'live')).toEqual({ ok: true, detail: 'Connected to GitHub as ada' });
    expect(await testConnection(ws.full, 'test')).toEqual({ ok: true, detail: 'Connected to GitHub as ada-test' });
    const wrong = await testConnection(ws.wrong, 'live');
    expect(wrong).toMatchObject({ ok: false, error: expect.stringMatching(/GET \/user failed \(401\): Bad credentials.*check GITHUB_TOKEN/) });
    expect(JSON.stringify(wrong)).not.toContain('ghp_revoked');
  });

  it('sends through ctx.http.fetch: the address guard refuses a loopback endpoint that is not allow-listed', async () => {
    const http = createGuardedHttpClient({});
    const before = peer.hits.length;
    const ctx = testActionContext({ http, secrets: { GITHUB_TOKEN: LIVE }, endpoint: peer.url });
    try {
      const err = await createIssue.run({ owner: 'acme', repo: 'web', title: 'x' }, ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NonRetryableError);
      expect((err as NonRetryableError).options.code).toBe('ADDRESS_BLOCKED');
      expect(peer.hits.length).toBe(before);
    } finally {
      await http.close();
    }
  });
});
