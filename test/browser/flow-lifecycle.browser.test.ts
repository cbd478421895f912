import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserStack, type BrowserStack } from '../helpers/browser';

/**
 * A flow's life in the flow list, through the browser: search and tags, duplicate, disable and enable, restore an old
 * version as the draft, export as a file and import it back, delete with an in-app confirmation.
 */
describe('the flow lifecycle, in a browser', () => {
  let s: BrowserStack;
  let flowId: string;
  const event = 'invoice.overdue';

  beforeAll(async () => {
    s = await startBrowserStack({ shots: 'lifecycle' });
    const created = await s.call('POST', '/api/flows', {
      name: 'Invoice reminders',
      document: {
        trigger: { type: 'event', event },
        nodes: [{ id: 'shape', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'trigger.data' }, expression: '"v1"' } }],
        edges: [{ from: 'trigger', to: 'shape' }],
        layout: { trigger: { x: 0, y: 0 }, shape: { x: 0, y: 160 } },
      },
    });
    flowId = created.body.id;
    expect((await s.call('POST', `/api/flows/${flowId}/publish`, {})).status).toBe(201);
    await s.call('PATCH', `/api/flows/${flowId}`, { operations: [{ type: 'updateInput', nodeId: 'shape', input: 'expression', value: '"v2"' }] });
    expect((await s.call('POST', `/api/flows/${flowId}/publish`, {})).status).toBe(201);
    await s.call('POST', '/api/flows', { name: 'Welcome e-mail', document: { trigger: { type: 'manual' }, nodes: [], edges: [] } });
    await s.signIn();
  }, 150_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await s?.shot(`failed-${ctx.task.name.replace(/\W+/g, '-').slice(0, 60)}`).catch(() => undefined);
    expect(s?.problems.splice(0) ?? [], 'the page logged errors').toEqual([]);
  });

  afterAll(async () => {
    await s?.stop();
  }, 40_000);

  const row = (name: string) => s.page.getByRole('row').filter({ has: s.page.getByRole('link', { name, exact: true }) });
  const menu = async (name: string, item: string) => {
    await row(name)
      .getByRole('button', { name: `More actions for ${name}` })
      .click();
    await s.page
      .getByRole('region', { name: `Actions for ${name}` })
      .getByRole('button', { name: item })
      .click();
  };

  it('tags a flow, then finds it by search and by tag', async () => {
    const { page } = s;
    await menu('Invoice reminders', 'Edit tags');
    const dialog = page.getByRole('dialog', { name: /Tags of/ });
    await dialog.getByLabel('Tags, separated by commas').fill('billing, reminders');
    await dialog.getByRole('button', { name: 'Save tags' }).click();
    await row('Invoice reminders').getByText('billing').waitFor();
    await page.getByLabel('Search flows').fill('welcome');
    await row('Welcome e-mail').waitFor();
    await expect.poll(() => row('Invoice reminders').count()).toBe(0);
    await page.getByLabel('Search flows').fill('');
    await page.getByLabel('Tag', { exact: true }).selectOption('billing');
    await row('Invoice reminders').waitFor();
    await expect.poll(() => row('Welcome e-mail').count()).toBe(0);
    await page.getByLabel('Tag', { exact: true }).selectOption('');
    await s.shot('01-flow-list');
  }, 60_000);

  it('disables a flow (its events are ignored and said so) and enables it again', async () => {
    const { page } = s;
    await menu('Invoice reminders', 'Disable');
    await row('Invoice reminders').getByText('Disabled (was v2)').waitFor();
    const ignored = await s.call('POST', '/v1/events', { name: event, data: {} }, s.testKey);
    expect(ignored.body).toMatchObject({ runs: [], ignored: [{ flowId, reason: 'disabled' }] });
    await menu('Invoice reminders', 'Enable');
    await row('Invoice reminders').getByText('Published v2').waitFor();
    expect((await s.call('POST', '/v1/events', { name: event, data: {} }, s.testKey)).body.runs).toHaveLength(1);
    // The menu's button has the focus back.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('More');
  }, 60_000);

  it('duplicates a flow and opens the copy', async () => {
    const { page } = s;
    await menu('Invoice reminders', 'Duplicate');
    await page.waitForURL(/#\/flows\/flw_/);
    await page.locator('.react-flow__node[data-id="shape"]').waitFor();
    const copyId = page.url().split('#/flows/')[1]!;
    expect(copyId).not.toBe(flowId);
    expect((await s.call('GET', `/api/flows/${copyId}`)).body).toMatchObject({ name: 'Invoice reminders (copy)', publishedVersion: null });
  }, 60_000);

  it('restores version 1 as the draft from the version view', async () => {
    const { page } = s;
    await page.goto(`${s.base}/#/flows/${flowId}/versions/1`);
    await page.getByRole('button', { name: 'Restore as the draft' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore version 1?' });
    await dialog.getByRole('button', { name: 'Restore as the draft' }).click();
    await page.waitForURL(new RegExp(`#/flows/${flowId}$`));
    await page.locator('.react-flow__node[data-id="shape"]').waitFor();
    const draft = await s.call('GET', `/api/flows/${flowId}`);
    expect(draft.body.document.nodes[0].inputs.expression).toBe('"v1"');
    expect(draft.body.publishedVersion).toBe(2);
  }, 60_000);

  it('exports a flow as a file and imports it back as a new draft', async () => {
    const { page } = s;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Flows', exact: true }).click();
    await row('Invoice reminders').waitFor();
    const download = page.waitForEvent('download');
    await menu('Invoice reminders', 'Export as a file');
    const file = await download;
    const saved = await file.path();
    const exported = JSON.parse(fs.readFileSync(saved, 'utf8')) as { format: string; name: string; document: { nodes: unknown[] } };
    expect(exported).toMatchObject({ format: 'switchyard.flow', name: 'Invoice reminders', tags: ['billing', 'reminders'] });
    expect(file.suggestedFilename()).toBe('Invoice-reminders.switchyard.json');

    await (
      await s.call('DELETE', `/api/flows/${flowId}`)
    ).status;
    await page.reload();
    await page.getByLabel('Import a flow file').setInputFiles(saved);
    const notice = page.getByRole('status').filter({ hasText: 'Imported' });
    await notice.getByRole('link', { name: 'Invoice reminders' }).waitFor();
    await row('Invoice reminders').getByText('Draft').waitFor();
    const list = await s.call('GET', '/api/flows?q=invoice%20reminders');
    const back = list.body.flows.find((f: { name: string }) => f.name === 'Invoice reminders');
    expect((await s.call('GET', `/api/flows/${back.id}`)).body.document.nodes).toEqual(exported.document.nodes);
    await s.shot('02-imported');
  }, 60_000);

  it('deletes a flow after an in-app confirmation', async () => {
    const { page } = s;
    await menu('Welcome e-mail', 'Delete');
    const dialog = page.getByRole('dialog', { name: 'Delete “Welcome e-mail”?' });
    await dialog.getByText(/runs and versions stay readable/).waitFor();
    await s.shot('03-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete flow' }).click();
    await expect.poll(() => row('Welcome e-mail').count()).toBe(0);
    // Focus went back to where it was, not lost on the page's body.
    expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe('BODY');
  }, 60_000);
});
