import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/api';
import { pollUntil } from '../helpers/processes';
import { startTestWorker } from '../helpers/temporal';
import { githubIssueEvent, signDelivery, slackEvent, slackSlashCommand, webhookSecret } from '../helpers/webhook-signing';

/** What each provider's scheme leaves open, closed end to end: unsigned ids, credentials in bodies, form bodies. */
let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  api = await startTestApi({ taskQueue: `providers-${Date.now()}` });
  worker = await startTestWorker({ db: api.db, taskQueue: api.temporal.taskQueue });
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  await api?.close();
});

async function publish(source: string, secret: string, secretName: string) {
  await api.secrets.put(api.workspaceId, secretName, { live: secret });
  const created = await api.request('POST', '/api/flows', {
    body: {
      name: `${source} flow`,
      document: {
        trigger: { type: 'webhook', source },
        nodes: [{ id: 'done', type: 'end', output: { $expr: 'trigger.data' } }],
        edges: [{ from: 'trigger', to: 'done' }],
      },
    },
  });
  const published = await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} });
  return api.url + published.body.webhook.livePath;
}

async function send(url: string, d: { headers: Record<string, string>; body: string }) {
  const res = await fetch(url, { method: 'POST', headers: d.headers, body: d.body });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

describe('GitHub', () => {
  it('a captured delivery sent again under a new X-GitHub-Delivery id (the id is not signed) is still one run', async () => {
    const secret = webhookSecret('github');
    const url = await publish('github', secret, 'GITHUB_WEBHOOK_SECRET');
    const body = githubIssueEvent('opened', { number: 7, title: 'Broken' });
    const first = await send(url, await signDelivery('github', { secret, body, eventId: 'delivery-1' }));
    const replayed = await send(url, await signDelivery('github', { secret, body, eventId: 'delivery-2' }));
    expect(first.body).toMatchObject({ status: 'delivered' });
    expect(replayed.body).toMatchObject({ status: 'duplicate', runId: first.body.runId });
  });
});

describe('Slack', () => {
  it('keeps the legacy verification token out of the log and the run, and replays a form-encoded slash command', async () => {
    const secret = webhookSecret('slack');
    const url = await publish('slack', secret, 'SLACK_SIGNING_SECRET');
    const command = slackSlashCommand('/deploy', 'web');
    const withToken = `token=legacy-verification-token&${command}`;
    const sent = await send(url, await signDelivery('slack', { secret, body: withToken }));
    expect(sent.body).toMatchObject({ status: 'delivered' });
    const detail = await api.request('GET', `/api/webhooks/deliveries/${sent.body.deliveryId}`);
    expect(JSON.stringify(detail.body)).not.toContain('legacy-verification-token');
    expect(detail.body.body).toContain('command=%2Fdeploy');

    const event = await send(url, await signDelivery('slack', { secret, body: slackEvent({ type: 'app_mention', text: 'hi' }) }));
    const eventDetail = await api.request('GET', `/api/webhooks/deliveries/${event.body.deliveryId}`);
    expect(JSON.parse(eventDetail.body.body).token).toBeUndefined();

    const replay = await api.request('POST', `/api/webhooks/deliveries/${sent.body.deliveryId}/replay`);
    expect(replay.status, JSON.stringify(replay.body)).toBe(200);
    const run = await pollUntil(
      'the replayed run to complete',
      async () => {
        const r = await api.request('GET', `/api/runs/${replay.body.runId}`);
        return r.body.status === 'completed' ? r.body : undefined;
      },
      20_000,
    );
    expect(run.output).toMatchObject({ command: '/deploy', text: 'web' });
    expect(run.output.token).toBeUndefined();
  }, 30_000);
});
