import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHttpPeer } from '../helpers/http-peer';
import { freePort } from '../helpers/ports';
import { repoRoot, spawnTs, type Spawned } from '../helpers/processes';
import { claimFirstStart } from '../helpers/people';
import { signInWithPassword } from '../helpers/browser';
import { testDatabaseUrl } from '../helpers/database';

/**
 * A code step through the browser only (after switching Backend functions on): `npm start`, a new flow with an App
 * event trigger and a Code step dropped from the palette, TypeScript typed into the code editor that uses `input`
 * and `ctx.fetch`, "Test this step" (output, logs, credits), publish, an app event, and the run view showing the
 * step's output and logs. Needs Chromium at /usr/bin/chromium (or CHROMIUM_PATH); builds the editor when
 * editor/dist is missing. Screenshots of failures go to test-artifacts/screenshots/.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(repoRoot, 'test-artifacts', 'screenshots');
const WAIT = 30_000;
const EVENT = 'order.checked';

const SOURCE = `interface Input { orderId: string; base: string }

export default async function (input: Input, ctx: any) {
  const res = await ctx.fetch(input.base + '/orders/' + input.orderId);
  const order = await res.json();
  ctx.log('order', order.id, 'is', order.status);
  return { id: order.id, paid: order.status === 'paid', cents: order.total };
}
`;

describe('a code step in the browser', () => {
  let app: Spawned | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let dataDir: string;
  let base: string;
  let liveKey: string;
  let testKey: string;
  let owner: { email: string; password: string };
  let peer: Awaited<ReturnType<typeof startHttpPeer>> | undefined;
  const problems: string[] = [];

  beforeAll(async () => {
    expect(fs.existsSync(CHROMIUM), `Chromium is not at ${CHROMIUM}`).toBe(true);
    if (!fs.existsSync(path.join(repoRoot, 'editor', 'dist', 'index.html'))) {
      const build = spawnSync('npx', ['vite', 'build', 'editor'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
      expect(build.status, `the editor build failed:\n${build.stdout}\n${build.stderr}`).toBe(0);
    }
    fs.mkdirSync(SHOTS, { recursive: true });
    peer = await startHttpPeer((hit) => {
      if (hit.path.startsWith('/orders/')) return { body: { id: hit.path.split('/')[2], status: 'paid', total: 4200 } };
      return { status: 404, body: { error: 'not found' } };
    });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-code-browser-'));
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
    const context = await browser!.newContext({ viewport: { width: 1440, height: 1000 } });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('console', (msg) => {
      if (msg.type() !== 'error' || /favicon\.ico/.test(msg.location().url)) return;
      problems.push(`console error: ${msg.text()} (${msg.location().url})`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.stack ?? err.message}`));
  }, 150_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) await page.screenshot({ path: path.join(SHOTS, 'code-step-failed.png') }).catch(() => undefined);
    expect(problems.splice(0), 'the page logged errors').toEqual([]);
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (app) {
      app.signalGroup('SIGINT');
      const stopped = await Promise.race([app.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
      if (!stopped) app.signalGroup('SIGKILL');
    }
    await peer?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 40_000);

  const canvas = () => page.getByTestId('flow-canvas');
  const canvasNode = (id: string) => canvas().locator(`.react-flow__node[data-id="${id}"]`);
  async function centre(locator: Locator): Promise<{ x: number; y: number }> {
    const box = (await locator.boundingBox())!;
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }
  async function dragFromPalette(item: string, to: { x: number; y: number }) {
    const source = page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: new RegExp(`^${item}\\b`) });
    const pane = canvas().locator('.react-flow');
    const box = (await pane.boundingBox())!;
    await source.dragTo(pane, { targetPosition: { x: to.x - box.x, y: to.y - box.y } });
  }

  it('adds a code step, writes TypeScript using input and ctx.fetch, tests it, publishes and runs it', async () => {
    // Code steps need App Settings' Backend functions switch (the editor's own switch is covered elsewhere).
    const switched = await fetch(`${base}/api/settings`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${liveKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ backendFunctions: true }),
    });
    expect(switched.status).toBe(200);

    await signInWithPassword(page, base, owner);
    await page.getByLabel('New flow name').fill('Check the order');
    await page.getByRole('button', { name: 'New flow' }).click();
    await page.waitForURL(/#\/flows\/[^/]+$/);
    const flowId = page.url().split('#/flows/')[1]!;
    await canvasNode('trigger').waitFor();

    const pane = (await canvas().boundingBox())!;
    await dragFromPalette('App event', { x: pane.x + pane.width / 2, y: pane.y + 120 });
    const panel = page.locator('aside.np');
    await panel.getByRole('textbox', { name: 'Event name', exact: true }).fill(EVENT);
    const trigger = (await canvasNode('trigger').boundingBox())!;
    await dragFromPalette('Code', { x: trigger.x + trigger.width / 2, y: trigger.y + trigger.height + 160 });
    await canvasNode('code').waitFor();
    const from = await centre(canvasNode('trigger').locator('.react-flow__handle.source'));
    const to = await centre(canvasNode('code').locator('.react-flow__handle.target'));
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 8 });
    await page.mouse.move(to.x, to.y, { steps: 8 });
    await page.mouse.up();
    await canvas().locator('.react-flow__edge').first().waitFor();

    // The code editor (CodeMirror, loaded when the step is opened): replace the starter with our TypeScript.
    await canvasNode('code').locator('.sy-node-title').click();
    await panel.locator('h2', { hasText: 'code' }).waitFor();
    const editor = panel.locator('.cm-content');
    await editor.waitFor();
    expect(await editor.textContent()).toContain('export default async function');
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    // A syntax error is shown under its line, as publish would report it (types are not checked).
    await page.keyboard.insertText('export default async function (input) {\n  return input +* 1;\n}\n');
    await panel.locator('.cm-lint-marker-error').waitFor();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(SOURCE);
    await panel.locator('.cm-lint-marker-error').waitFor({ state: 'detached' });
    // Syntax highlighting is on: keywords are their own spans.
    expect(await panel.locator('.cm-line span').count()).toBeGreaterThan(5);
    const mapping = JSON.stringify({ orderId: { $expr: 'trigger.data.orderId' }, base: peer!.url });
    await panel.getByRole('textbox', { name: 'Input (JSON mapping)' }).fill(mapping);

    // Test this step, with a sample input.
    await panel.getByRole('textbox', { name: 'Sample input (JSON)' }).fill(JSON.stringify({ orderId: 'ord_7', base: peer!.url }));
    await panel.getByRole('button', { name: 'Test this step' }).click();
    const result = panel.getByLabel('Test result');
    await result.locator('.status.succeeded').waitFor();
    expect(JSON.parse((await result.locator('.code-test-output').textContent())!)).toEqual({ id: 'ord_7', paid: true, cents: 4200 });
    expect(await result.locator('.code-test-logs').textContent()).toBe('order ord_7 is paid');
    expect(await result.locator('.code-test-credits').textContent()).toBe('1 credit');
    expect(peer!.hitsTo('/orders/ord_7')).toHaveLength(1);
    await page.screenshot({ path: path.join(SHOTS, 'code-step-tested.png') });

    // Save, publish.
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.locator('.sy-save-state', { hasText: /^Saved$/ }).waitFor();
    await page.locator('.sy-toolbar').getByRole('button', { name: 'Publish', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Publish' });
    await dialog.getByRole('button', { name: 'Publish', exact: true }).click();
    const done = page.getByRole('dialog', { name: 'Published' });
    await done.getByText('Published v1.').waitFor();
    await done.getByRole('button', { name: 'Close' }).click();

    // Run it as the app would, and read the step's output and logs in the run view.
    const sent = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: EVENT, data: { orderId: 'ord_9' } }),
    });
    const runId = ((await sent.json()) as { runs: { runId: string }[] }).runs[0]!.runId;
    await page.goto(`${base}/#/runs/${runId}`);
    const runNode = page.locator('.run-graph .react-flow__node[data-id="code"]');
    await runNode.locator('.status.succeeded').waitFor();
    await runNode.click();
    const details = page.locator('aside.node-panel');
    await details.getByLabel('Logs').getByText('order ord_9 is paid').waitFor();
    expect(await details.textContent()).toContain('"cents": 4200');
    await page.screenshot({ path: path.join(SHOTS, 'code-step-run.png') });

    // Back in the editor, the run's data becomes the sample: the input mapping resolved over the last run.
    await page.goto(`${base}/#/flows/${flowId}`);
    await canvasNode('code').locator('.sy-node-title').click();
    await panel.getByRole('button', { name: "Use the last run's data" }).click();
    const sample = panel.getByRole('textbox', { name: 'Sample input (JSON)' });
    await page.waitForFunction((el) => (el as HTMLTextAreaElement).value.includes('ord_9'), await sample.elementHandle());
    expect(JSON.parse(await sample.inputValue())).toEqual({ orderId: 'ord_9', base: peer!.url });
  }, 120_000);
});
