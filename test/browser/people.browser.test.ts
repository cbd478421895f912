import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type ApiBody, type TestApi } from '../helpers/api';
import { startHttpPeer } from '../helpers/http-peer';
import { pollUntil, repoRoot } from '../helpers/processes';
import { startTestWorker } from '../helpers/temporal';

/**
 * People in the editor, in headless Chromium (Debian's, driven by playwright-core): someone signs up, creates a
 * workspace, makes an API key for their setup script (which publishes a flow whose run parks), and invites a second
 * person as operator by link. The operator signs up with the link, retries the parked run (it completes), and cannot
 * edit the flow: saving is refused with their role named. The owner reads the retry in the audit log.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WAIT = 30_000;
const PASSWORD = 'a long enough password';

describe('people, roles and invitations in a browser', () => {
  const taskQueue = `people-browser-${crypto.randomUUID()}`;
  let api: TestApi;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let peer: Awaited<ReturnType<typeof startHttpPeer>>;
  let browser: Browser | undefined;
  let owner: Page;
  let operator: Page;
  let setupKey: string;
  let workspaceId: string;
  let flowId: string;
  let runId: string;
  let invitationUrl: string;
  const problems: string[] = [];
  let orderCalls = 0;

  const call = async (method: string, p: string, body?: unknown): Promise<{ status: number; body: ApiBody }> => {
    const res = await fetch(api.url + p, {
      method,
      headers: { authorization: `Bearer ${setupKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  async function newPage(): Promise<Page> {
    const page = await (await browser!.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (err) => problems.push(String(err)));
    return page;
  }

  beforeAll(async () => {
    expect(fs.existsSync(CHROMIUM), `Chromium is not at ${CHROMIUM} (CI installs Debian's chromium; set CHROMIUM_PATH)`).toBe(true);
    const dist = path.join(repoRoot, 'editor', 'dist');
    if (!fs.existsSync(path.join(dist, 'index.html'))) {
      const build = spawnSync('npx', ['vite', 'build', 'editor'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
      expect(build.status, `the editor build failed:\n${build.stdout}\n${build.stderr}`).toBe(0);
    }
    api = await startTestApi({ taskQueue, editorDir: dist, people: { signup: 'open' } });
    // The first order call fails (400: not retried, the node parks); later ones succeed.
    peer = await startHttpPeer(() => (++orderCalls === 1 ? { status: 400, body: { error: 'order not ready' } } : { body: { ok: true } }));
    worker = await startTestWorker({ db: api.db, taskQueue });
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
    owner = await newPage();
    operator = await newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await peer?.close();
    await api?.close();
  });

  it('someone signs up, creates a workspace and makes an API key for a setup script', { timeout: 90_000 }, async () => {
    await owner.goto(`${api.url}/`);
    await owner.getByRole('button', { name: 'create an account' }).click();
    await owner.getByLabel('Email').fill('olivia@example.com');
    await owner.getByLabel('Your name').fill('Olivia Owner');
    await owner.getByLabel(/New password/).fill(PASSWORD);
    await owner.getByRole('button', { name: 'Create account' }).click();
    await owner.getByText('You are not in a workspace yet').waitFor();

    await owner.getByRole('button', { name: 'New workspace' }).click();
    await owner.getByLabel('Workspace name').fill('Acme');
    await owner.getByRole('button', { name: 'Create', exact: true }).click();
    await expect.poll(() => owner.getByLabel('Workspace').locator('option:checked').textContent()).toBe('Acme (owner)');
    expect(await owner.locator('.mode-badge').textContent()).toBe('owner');
    workspaceId = await owner.getByLabel('Workspace').inputValue();

    await owner.getByRole('link', { name: 'API keys' }).click();
    await owner.getByLabel('Name').fill('Setup script');
    for (const scope of ['workspace:read', 'flows:write', 'flows:publish', 'settings:write']) await owner.getByLabel(scope).check();
    await owner.getByRole('button', { name: 'Create key' }).click();
    setupKey = (await owner.locator('.created-key').textContent())!;
    expect(setupKey).toMatch(/^sy_live_/);
    await owner.locator('tr', { hasText: 'Setup script' }).waitFor();

    // The script, with that key: a flow whose first call fails, published; an app event parks its run.
    expect((await call('PATCH', '/api/settings', { backendFunctions: true })).status).toBe(200);
    const event = `order.${crypto.randomUUID()}`;
    const document = {
      trigger: { type: 'event', event },
      nodes: [{ id: 'fetch_order', type: 'action', action: 'http.request@1', retry: { maximumAttempts: 1 }, inputs: { url: `${peer.url}/order` } }],
      edges: [{ from: 'trigger', to: 'fetch_order' }],
    };
    const flow = await call('POST', '/api/flows', { name: 'Orders', document });
    expect(flow.status, JSON.stringify(flow.body)).toBe(201);
    flowId = flow.body.id;
    expect((await call('POST', `/api/flows/${flowId}/publish`, {})).status).toBe(201);
    const sent = await call('POST', '/v1/events', { name: event, data: {} });
    expect(sent.status).toBe(202);
    runId = sent.body.runs[0].runId;
    await pollUntil('the run to park', async () => ((await call('GET', `/api/runs/${runId}`)).body.status === 'parked' ? true : undefined), WAIT);
  });

  it('the owner invites an operator by link; the operator signs up with it and joins the workspace', { timeout: 60_000 }, async () => {
    await owner.getByRole('link', { name: 'Members' }).click();
    await owner.getByLabel('Invitation role').selectOption('operator');
    await owner.getByRole('button', { name: 'Create invitation link' }).click();
    invitationUrl = (await owner.locator('.invitation-link').textContent())!;
    expect(invitationUrl).toMatch(/\/signup\?invite=/);

    await operator.goto(invitationUrl);
    await operator.getByRole('heading', { name: 'Accept your invitation' }).waitFor();
    await operator.getByLabel('Email').fill('oscar@example.com');
    await operator.getByLabel('Your name').fill('Oscar Operator');
    await operator.getByLabel(/New password/).fill(PASSWORD);
    await operator.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => operator.getByLabel('Workspace').locator('option:checked').textContent()).toBe('Acme (operator)');
    expect(await operator.getByLabel('Workspace').inputValue()).toBe(workspaceId);
    // No owner pages for an operator.
    expect(await operator.getByRole('link', { name: 'Members' }).count()).toBe(1);
    expect(await operator.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    expect(await operator.getByRole('link', { name: 'Audit' }).count()).toBe(0);
    await owner.reload();
    await owner.locator('tr', { hasText: 'oscar@example.com' }).waitFor();
  });

  it('the operator retries the parked run, and it completes', { timeout: 60_000 }, async () => {
    await operator.goto(`${api.url}/#/runs/${runId}`);
    await operator.getByRole('region', { name: /A step is parked/ }).waitFor();
    await operator.getByRole('complementary').getByRole('button', { name: 'Retry' }).click();
    await pollUntil('the run to complete', async () => ((await call('GET', `/api/runs/${runId}`)).body.status === 'completed' ? true : undefined), WAIT);
    await operator.locator('.run-title .status.completed').waitFor();
  });

  it('the operator cannot edit the flow: saving is refused, naming the role', { timeout: 60_000 }, async () => {
    await operator.goto(`${api.url}/#/flows/${flowId}`);
    const name = operator.getByRole('textbox', { name: 'Flow name' });
    await name.fill('Orders, renamed by the operator');
    await operator.getByRole('button', { name: 'Save draft' }).click();
    await operator.getByText(/The draft was not saved: Your role in this workspace \(operator\) does not allow/).waitFor();
    expect((await call('GET', `/api/flows/${flowId}`)).body.name).toBe('Orders');
  });

  it("the owner reads the operator's retry in the audit log", { timeout: 60_000 }, async () => {
    await owner.goto(`${api.url}/#/audit`);
    const row = owner.locator('tr', { hasText: 'run.retried' });
    await row.waitFor();
    expect(await row.textContent()).toContain('oscar@example.com');
    expect(problems).toEqual([]);
  });
});
