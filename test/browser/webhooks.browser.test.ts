import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports';
import { repoRoot, spawnTs, type Spawned } from '../helpers/processes';
import { claimFirstStart } from '../helpers/people';
import { signInWithPassword } from '../helpers/browser';
import { testDatabaseUrl } from '../helpers/database';

/**
 * The Webhooks page in a browser: a flow with a public webhook trigger is published through the API and a
 * sender posts to its test URL; the page shows the endpoint's URLs and the delivery, and Replay starts a
 * new run. Same setup as editor.browser.test.ts (`npm start` in its own process group, Debian's Chromium).
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WAIT = 30_000;

describe('the Webhooks page in a browser', () => {
  let app: Spawned | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let dataDir: string;
  let base: string;
  let liveKey: string;
  let owner: { email: string; password: string };
  const problems: string[] = [];

  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${liveKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    expect(res.ok, `${method} ${url}: ${res.status} ${text}`).toBe(true);
    return (text ? JSON.parse(text) : undefined) as Record<string, unknown>;
  };

  beforeAll(async () => {
    expect(fs.existsSync(CHROMIUM), `Chromium is not at ${CHROMIUM} (CI installs Debian's chromium; set CHROMIUM_PATH)`).toBe(true);
    if (!fs.existsSync(path.join(repoRoot, 'editor', 'dist', 'index.html'))) {
      const build = spawnSync('npx', ['vite', 'build', 'editor'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
      expect(build.status, `the editor build failed:\n${build.stdout}\n${build.stderr}`).toBe(0);
    }
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-webhooks-browser-'));
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
    // The printed keys are app keys (events:write + runs:read): the owner signs up with the printed link and makes an owner key.
    const claimed = await claimFirstStart(app.waitForOutput, base);
    liveKey = claimed.owner.live;
    owner = { email: claimed.ownerEmail, password: claimed.ownerPassword };

    page = await (await browser!.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.setDefaultTimeout(WAIT);
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/favicon\.ico/.test(msg.location().url)) problems.push(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  }, 150_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (app) {
      app.signalGroup('SIGINT');
      const stopped = await Promise.race([app.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
      if (!stopped) app.signalGroup('SIGKILL');
    }
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 40_000);

  it('shows the endpoint URL and the delivery, and replays it into a new run', async () => {
    await call('PUT', '/api/secrets/WEBHOOK_TOKEN', { live: 'tok_live', test: 'tok_test' });
    const flow = await call('POST', '/api/flows', {
      name: 'Form posted',
      document: { trigger: { type: 'webhook', source: 'public' }, nodes: [{ id: 'done', type: 'end' }], edges: [{ from: 'trigger', to: 'done' }] },
    });
    const published = (await call('POST', `/api/flows/${String(flow.id)}/publish`, {})) as { webhook: { testPath: string } };
    const testUrl = `${base}${published.webhook.testPath}`;
    const sent = await fetch(testUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchyard-token': 'tok_test', 'idempotency-key': 'form-1' },
      body: JSON.stringify({ email: 'ada@example.com' }),
    });
    const answer = (await sent.json()) as { deliveryId: string; runId?: string };
    expect(sent.status, JSON.stringify(answer)).toBeLessThan(300);

    await signInWithPassword(page, base, owner);
    await page.goto(`${base}/#/webhooks`);
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.locator('.webhook-endpoints').getByText(testUrl, { exact: true }).waitFor();
    await page.locator('.webhook-endpoints').getByRole('button', { name: 'Copy the test URL' }).waitFor();

    // The delivery is in the log; its link opens the detail.
    const log = page.getByRole('table', { name: 'Deliveries, newest first' });
    await log.getByRole('link', { name: answer.deliveryId, exact: true }).click();
    await page.waitForURL(new RegExp(`#/webhooks/deliveries/${answer.deliveryId}$`));
    const detail = page.getByRole('complementary', { name: `Delivery ${answer.deliveryId}` });
    await detail.getByText('✓ verified').waitFor();
    await detail.getByText('"email": "ada@example.com"').waitFor();

    await detail.getByRole('button', { name: 'Replay' }).click();
    const status = detail.getByRole('status');
    await status.getByText(/Replayed as/).waitFor();
    const runLink = status.getByRole('link', { name: /^run_/ });
    const runId = await runLink.textContent();
    expect(runId).toBeTruthy();
    expect(runId).not.toBe(answer.runId);
    await runLink.click();
    await page.waitForURL(new RegExp(`#/runs/${runId}$`));
    expect(problems).toEqual([]);
  }, 90_000);
});
