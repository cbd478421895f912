import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserStack, type BrowserStack } from '../helpers/browser';
import { startHttpPeer } from '../helpers/http-peer';
import { startSlackPeer } from '../peers/slack-peer';

/**
 * Publishing through the browser: the dialog checks the flow on screen before anything is sent, with the same
 * checks publish makes. An empty Slack channel is refused with a button that focuses the field; a secret with only a
 * test value refuses publishing with a link to its live value; the cost estimate follows unsaved edits.
 */
describe('the publish dialog, in a browser', () => {
  let s: BrowserStack;
  let flowId: string;
  let peer: Awaited<ReturnType<typeof startHttpPeer>>;
  let slack: Awaited<ReturnType<typeof startSlackPeer>>;
  const slackTestToken = `xoxb-test-${Date.now()}`;

  beforeAll(async () => {
    slack = await startSlackPeer({ tokens: [slackTestToken], channels: { C0SALES001: 'sales' } });
    peer = await startHttpPeer((hit) => (hit.path.startsWith('/orders/') ? { body: { id: hit.path.split('/')[2], total: 4200 } } : { status: 404, body: {} }));
    s = await startBrowserStack({ shots: 'publish', env: { SWITCHYARD_PROVIDER_ENDPOINTS: JSON.stringify({ slack: slack.apiUrl }) } });
    const created = await s.call('POST', '/api/flows', {
      name: 'Tell sales',
      document: {
        trigger: { type: 'event', event: 'deal.won' },
        nodes: [{ id: 'notify', type: 'action', action: 'slack.post-message@1', inputs: {} }],
        edges: [{ from: 'trigger', to: 'notify' }],
        layout: { trigger: { x: 0, y: 0 }, notify: { x: 0, y: 160 } },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    flowId = created.body.id;
    await s.signIn();
  }, 150_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await s?.shot(`failed-${ctx.task.name.replace(/\W+/g, '-').slice(0, 60)}`).catch(() => undefined);
    expect(s?.problems.splice(0) ?? [], 'the page logged errors').toEqual([]);
  });

  afterAll(async () => {
    await s?.stop();
    await peer?.close();
    await slack?.close();
  }, 40_000);

  const openPublish = async () => {
    await s.page.locator('.sy-toolbar').getByRole('button', { name: 'Publish', exact: true }).click();
    const dialog = s.page.getByRole('dialog', { name: 'Publish' });
    await dialog.getByLabel('Cost estimate').waitFor();
    return dialog;
  };

  it('an empty Slack channel is refused before publishing, and its problem focuses the Channel field', async () => {
    const { page } = s;
    await page.goto(`${s.base}/#/flows/${flowId}`);
    await page.locator('.react-flow__node[data-id="notify"]').waitFor();
    const dialog = await openPublish();
    const problems = dialog.getByRole('region', { name: 'Problems' });
    await problems
      .getByText(/channel/i)
      .first()
      .waitFor();
    expect(await dialog.getByRole('button', { name: 'Publish', exact: true }).count()).toBe(0);
    await s.shot('01-problems');
    await problems
      .getByRole('button', { name: /channel/i })
      .first()
      .click();
    await dialog.waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement?.closest('[data-field="channel"]') != null);
    await page.keyboard.type('#sales');
    await page.locator('aside.np').getByRole('textbox', { name: 'Text', exact: true }).fill('A deal was won');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.locator('.sy-save-state', { hasText: /^Saved$/ }).waitFor();
  }, 60_000);

  it('a secret with only a test value refuses publishing, with a link to set its live value; with it, the flow publishes', async () => {
    const { page } = s;
    expect((await s.call('PUT', '/api/secrets/SLACK_BOT_TOKEN', { test: slackTestToken })).status).toBe(200);
    const dialog = await openPublish();
    const problems = dialog.getByRole('region', { name: 'Problems' });
    await problems.getByText(/SLACK_BOT_TOKEN has only a test value/).waitFor();
    expect(await dialog.getByRole('button', { name: 'Publish', exact: true }).count()).toBe(0);
    await s.shot('02-test-only-secret');
    // The test value is enough to try the step in test mode: Test this step posts to the (local) Slack with it.
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.locator('.react-flow__node[data-id="notify"] .sy-node-title').click();
    const panel = page.locator('aside.np');
    await panel.getByRole('button', { name: 'Test this step' }).click();
    await panel.getByLabel('Test result').getByText('succeeded').waitFor();
    expect([...slack.messages.values()]).toEqual([expect.objectContaining({ channel: 'C0SALES001', text: 'A deal was won' })]);
    const again = await openPublish();
    await again.getByRole('region', { name: 'Problems' }).getByRole('link', { name: 'Set SLACK_BOT_TOKEN in Secrets' }).click();
    await page.getByRole('heading', { name: 'Secrets', level: 1 }).waitFor();
    // The live value's form is open and focused.
    const live = page.getByLabel(/live value of SLACK_BOT_TOKEN/);
    await expect.poll(() => live.evaluate((el) => el === document.activeElement)).toBe(true);
    await live.fill(`xoxb-live-${Date.now()}`);
    await live.press('Enter');
    await page.getByRole('button', { name: 'Replace the live value of SLACK_BOT_TOKEN' }).waitFor();

    await page.goto(`${s.base}/#/flows/${flowId}`);
    await page.locator('.react-flow__node[data-id="notify"]').waitFor();
    const ready = await openPublish();
    await ready.getByText('First publish: this becomes version 1.').waitFor();
    await ready.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('dialog', { name: 'Published' }).getByText('Published v1.').waitFor();
    await page.getByRole('dialog', { name: 'Published' }).getByRole('button', { name: 'Close' }).click();
  }, 60_000);

  it('the estimate and the changes follow the flow on screen, unsaved', async () => {
    const { page } = s;
    const first = await openPublish();
    await first.getByText(/Each run costs about 1 credit\b/).waitFor();
    await first.getByText('Nothing changed since version 1', { exact: false }).waitFor();
    await first.getByRole('button', { name: 'Cancel' }).click();
    await page
      .getByRole('navigation', { name: 'Steps' })
      .getByRole('button', { name: /^HTTP request\b/ })
      .click();
    await page.locator('.react-flow__node[data-id="http_request"]').waitFor();
    const second = await openPublish();
    await second.getByText(/Each run costs about 2 credits/).waitFor();
    await second
      .getByRole('region', { name: 'Changes from version 1' })
      .getByText(/http_request\s*added/)
      .waitFor();
    await s.shot('03-estimate-unsaved');
    await second.getByRole('button', { name: 'Close' }).click();
    // Nothing was saved to get there.
    await page.locator('.sy-save-state', { hasText: /Unsaved/ }).waitFor();
  }, 60_000);

  it('Test this step runs the HTTP step against a local server with the pinned trigger sample, shows its output and pins it; previews read the samples', async () => {
    const { page } = s;
    const panel = page.locator('aside.np');
    // The HTTP action is an instant integration: it needs App Settings' Backend functions switch, in tests as in runs.
    expect((await s.call('PATCH', '/api/settings', { backendFunctions: true })).status).toBe(200);
    // The trigger's sample data, pinned.
    await page.locator('.react-flow__node[data-id="trigger"] .sy-node-title').click();
    await panel.getByLabel('Sample trigger data (JSON)').fill('{ "orderId": "ord_42" }');
    await panel.getByRole('button', { name: 'Pin sample data' }).click();
    await panel.getByText('Pinned.', { exact: true }).waitFor();

    // The HTTP step's URL as an expression over it: the preview shows its value before anything runs.
    await page.locator('.react-flow__node[data-id="http_request"] .sy-node-title').click();
    await panel.locator('h2', { hasText: 'http_request' }).waitFor();
    await panel.getByRole('button', { name: 'fx: use an expression for URL' }).click();
    const url = panel.getByRole('combobox', { name: /URL/ });
    await url.fill(`"${peer.url}/orders/" & trigger.data.orderId`);
    await panel.locator('.expr-preview', { hasText: `"${peer.url}/orders/ord_42"` }).waitFor();

    // Autocomplete knows the trigger's fields from the sample.
    await url.fill('trigger.data.');
    await panel.getByRole('option', { name: /trigger\.data\.orderId/ }).waitFor();
    await url.fill(`"${peer.url}/orders/" & trigger.data.orderId`);

    const before = peer.hits.length;
    await panel.getByRole('button', { name: 'Test this step' }).click();
    const result = panel.getByLabel('Test result');
    await result.getByText('succeeded').waitFor();
    await result.getByText('"ord_42"').first().waitFor();
    expect(peer.hits.slice(before).map((h) => h.path)).toEqual(['/orders/ord_42']);
    await s.shot('04-test-step');
    await result.getByRole('button', { name: 'Pin this output' }).click();
    await panel.getByLabel('Pinned output', { exact: true }).waitFor();

    // Pinned samples are saved with the draft.
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.locator('.sy-save-state', { hasText: /^Saved$/ }).waitFor();
    const draft = await s.call('GET', `/api/flows/${flowId}`);
    expect(draft.body.document.pinned).toMatchObject({ trigger: { orderId: 'ord_42' }, http_request: { status: 200, body: { id: 'ord_42', total: 4200 } } });
  }, 90_000);
});
