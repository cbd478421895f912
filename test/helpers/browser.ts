import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { ApiBody } from './api';
import { freePort } from './ports';
import { claimFirstStart } from './people';
import { repoRoot, spawnTs, type Spawned } from './processes';
import { testDatabaseUrl } from './database';

/**
 * A whole Switchyard for a browser test: `npm start`'s entry point (Temporal dev server, API, worker) in its own
 * process group and data folder, headless Debian Chromium (CHROMIUM_PATH to override; never `playwright install`),
 * and a page that records console errors, page errors and unexpected browser dialogs in `problems`.
 */
export interface BrowserStack {
  base: string;
  liveKey: string;
  testKey: string;
  browser: Browser;
  page: Page;
  /** Console errors, page errors and browser dialogs seen since the last check. */
  problems: string[];
  /** A screenshot of the viewport into test-artifacts/screenshots/<folder>/<name>.png. */
  shot(name: string): Promise<void>;
  /** A JSON API call with the live key (or the one given). */
  call(method: string, p: string, body?: unknown, key?: string): Promise<{ status: number; body: ApiBody }>;
  /** The owner who signed up with the first start's link. */
  owner: { email: string; password: string };
  /** Signs in through the editor's sign-in form (as the owner, or the person given) and waits for the flow list. */
  signIn(person?: { email: string; password: string }): Promise<void>;
  stop(): Promise<void>;
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const WAIT = 30_000;

export async function startBrowserStack(o: {
  shots: string;
  env?: Record<string, string>;
  /** Lets the test inject scripts (axe-core) past the editor's Content-Security-Policy. */
  bypassCSP?: boolean;
}): Promise<BrowserStack> {
  expect(fs.existsSync(CHROMIUM), `Chromium is not at ${CHROMIUM} (CI installs Debian's chromium; set CHROMIUM_PATH)`).toBe(true);
  if (!fs.existsSync(path.join(repoRoot, 'editor', 'dist', 'index.html'))) {
    const build = spawnSync('npx', ['vite', 'build', 'editor'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    expect(build.status, `the editor build failed:\n${build.stdout}\n${build.stderr}`).toBe(0);
  }
  const shots = path.join(repoRoot, 'test-artifacts', 'screenshots', o.shots);
  fs.rmSync(shots, { recursive: true, force: true });
  fs.mkdirSync(shots, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-browser-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app: Spawned = spawnTs('scripts/start.ts', {
    DATA_DIR: dataDir,
    DATABASE_URL: await testDatabaseUrl(dataDir),
    PORT: String(port),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    TEMPORAL_ADDRESS: '',
    TEMPORAL_TASK_QUEUE: 'switchyard',
    SWITCHYARD_HTTP_ALLOW: '127.0.0.1/32',
    SWITCHYARD_CHECK_RESPONSES: '1',
    LOG_LEVEL: 'warn',
    ...o.env,
  });
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close().catch(() => undefined);
    app.signalGroup('SIGINT');
    const stopped = await Promise.race([app.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
    if (!stopped) app.signalGroup('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
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
  } catch (err) {
    await stop();
    throw err;
  }
  // The printed keys are app keys (events:write + runs:read): the owner signs up with the printed link and makes owner keys.
  const claimed = await claimFirstStart(app.waitForOutput, base);
  const { live: liveKey, test: testKey } = claimed.owner;
  const owner = { email: claimed.ownerEmail, password: claimed.ownerPassword };
  const context = await browser!.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: o.bypassCSP ?? false });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.setDefaultNavigationTimeout(WAIT);
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/favicon\.ico/.test(msg.location().url) || /favicon\.ico/.test(msg.text())) return;
    problems.push(`console error: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.stack ?? err.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`unexpected ${dialog.type()} dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  const call = async (method: string, p: string, body?: unknown, key = liveKey) => {
    const res = await fetch(`${base}${p}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined } as { status: number; body: ApiBody };
  };
  return {
    base,
    liveKey,
    testKey,
    browser: browser!,
    page,
    problems,
    shot: async (name) => {
      await page.screenshot({ path: path.join(shots, `${name}.png`) });
    },
    call,
    owner,
    signIn: (person = owner) => signInWithPassword(page, base, person),
    stop,
  };
}

/** Signs in through the editor's own form, as a person does, and waits for the flow list. */
export async function signInWithPassword(page: Page, base: string, person: { email: string; password: string }): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Flows', level: 1 }).waitFor();
}
