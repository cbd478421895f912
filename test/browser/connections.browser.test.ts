import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/api';
import { useGenericPeer } from '../helpers/oauth';
import { signUpPerson } from '../helpers/people';
import { repoRoot } from '../helpers/processes';
import { startOAuthPeer, type OAuthPeer } from '../peers/oauth-peer';

/**
 * The Connections page in headless Chromium (Debian's, driven by playwright-core): connect an account through the
 * sign-in pop-up against a real oidc-provider (PKCE, state bound to the browser's cookie), see it connected; the grant
 * is revoked at the provider, the page shows the reconnect banner, and Reconnect in the banner makes it healthy again.
 * The API runs in-process (no Temporal needed) and serves the built editor.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WAIT = 30_000;

describe('the Connections page in a browser', () => {
  let api: TestApi;
  let peer: OAuthPeer;
  let browser: Browser | undefined;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    expect(fs.existsSync(CHROMIUM), `Chromium is not at ${CHROMIUM} (CI installs Debian's chromium; set CHROMIUM_PATH)`).toBe(true);
    const dist = path.join(repoRoot, 'editor', 'dist');
    if (!fs.existsSync(path.join(dist, 'index.html'))) {
      const build = spawnSync('npx', ['vite', 'build', 'editor'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
      expect(build.status, `the editor build failed:\n${build.stdout}\n${build.stderr}`).toBe(0);
    }
    api = await startTestApi({ taskQueue: 'oauth-browser', editorDir: dist });
    peer = await startOAuthPeer({ redirectUris: [`${api.url}/api/oauth/callback`], accessTokenTtl: 3 });
    await useGenericPeer(api, peer);
    browser = await chromium.launch({
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
    });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    // The editor is opened by a person: an owner of the test API's workspace, signed in (the session cookie).
    const person = await signUpPerson(api, { role: 'owner' });
    await context.addCookies([{ name: 'sy_session', value: person.cookie.slice('sy_session='.length), url: api.url }]);
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (err) => problems.push(String(err)));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await peer?.close();
  });

  it('connects through the pop-up, shows the status, and reconnects from the banner', { timeout: 90_000 }, async () => {
    await page.goto(`${api.url}/#/connections`);
    const card = page.locator('[data-provider="generic"]');
    await card.getByLabel('Name').fill('Peer from the browser');
    const [popup] = await Promise.all([page.waitForEvent('popup'), card.getByRole('button', { name: 'Connect OAuth 2 (generic)' }).click()]);
    await popup.waitForURL(/\/api\/oauth\/callback/);
    await expect.poll(() => popup.textContent('h1')).toBe('Connected');
    await popup.close();
    const row = page.locator('tr', { hasText: 'Peer from the browser' });
    await expect.poll(() => row.locator('[data-status]').first().getAttribute('data-status'), { timeout: WAIT }).toBe('connected');
    const connectionId = (await row.getAttribute('data-connection'))!;

    // The person removes the app's access at the provider; the next use finds the grant dead.
    await peer.revokeAllGrants();
    await new Promise((r) => setTimeout(r, 1600)); // the 3 s token is due for refresh at 1.5 s
    const tested = await api.request('post', `/api/connections/${connectionId}/test`, { body: {} });
    expect(tested.body).toMatchObject({ ok: false, status: 'needs reconnect' });
    await page.reload();
    const banner = page.locator('.reconnect-banner', { hasText: 'Peer from the browser' });
    await banner.waitFor();
    const [again] = await Promise.all([page.waitForEvent('popup'), banner.getByRole('button', { name: 'Reconnect' }).click()]);
    await again.waitForURL(/\/api\/oauth\/callback/);
    await expect.poll(() => again.textContent('h1')).toBe('Connected');
    await again.close();
    await expect.poll(() => page.locator('.reconnect-banner').count(), { timeout: WAIT }).toBe(0);
    await expect.poll(() => row.locator('[data-status]').first().getAttribute('data-status')).toBe('connected');
    expect(problems).toEqual([]);
  });
});
