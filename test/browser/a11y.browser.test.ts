import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserStack, type BrowserStack } from '../helpers/browser';
import { pollUntil } from '../helpers/processes';

const require = createRequire(import.meta.url);

/**
 * Every page of the editor in both themes: a screenshot of each (test-artifacts/screenshots/pages/), and axe-core's
 * WCAG 2.1 A and AA rules, injected into the page, finding nothing. Then a keyboard-only user builds trigger → action →
 * condition, connects them and publishes, without the mouse.
 */
describe('accessibility, in a browser', () => {
  let s: BrowserStack;
  let flowId: string;
  let runId: string;

  beforeAll(async () => {
    s = await startBrowserStack({ shots: 'pages', bypassCSP: true });
    const created = await s.call('POST', '/api/flows', {
      name: 'Order placed',
      document: {
        trigger: { type: 'event', event: 'order.placed' },
        nodes: [
          { id: 'shape', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'trigger.data' }, expression: 'data.total > 100' } },
          { id: 'big', type: 'condition', condition: 'nodes.shape.result = true' },
        ],
        edges: [
          { from: 'trigger', to: 'shape' },
          { from: 'shape', to: 'big' },
        ],
        layout: { trigger: { x: 0, y: 0 }, shape: { x: 0, y: 160 }, big: { x: 0, y: 320 } },
      },
    });
    flowId = created.body.id;
    expect((await s.call('POST', `/api/flows/${flowId}/publish`, {})).status).toBe(201);
    const sent = await s.call('POST', '/v1/events', { name: 'order.placed', data: { total: 120 } }, s.testKey);
    runId = sent.body.runs[0].runId;
    await pollUntil('the run to end', async () => ((await s.call('GET', `/api/runs/${runId}`)).body.status === 'completed' ? true : undefined), 30_000);
    await s.signIn();
  }, 150_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await s?.shot(`failed-${ctx.task.name.replace(/\W+/g, '-').slice(0, 60)}`).catch(() => undefined);
    expect(s?.problems.splice(0) ?? [], 'the page logged errors').toEqual([]);
  });

  afterAll(async () => {
    await s?.stop();
  }, 40_000);

  const pages = () => [
    { name: 'flows', hash: '#/flows', ready: 'h1:has-text("Flows")' },
    { name: 'flow-editor', hash: `#/flows/${flowId}`, ready: '.react-flow__node[data-id="shape"]' },
    { name: 'runs', hash: '#/runs', ready: 'h1:has-text("Runs")' },
    { name: 'run', hash: `#/runs/${runId}`, ready: '.run-page' },
    { name: 'catalog', hash: '#/catalog', ready: 'h1:has-text("Catalog")' },
    { name: 'integration', hash: '#/catalog/slack', ready: 'h1:has-text("Slack")' },
    { name: 'secrets', hash: '#/secrets', ready: 'h1:has-text("Secrets")' },
    { name: 'connections', hash: '#/connections', ready: 'h1:has-text("Connections")' },
    { name: 'webhooks', hash: '#/webhooks', ready: 'h1:has-text("Webhooks")' },
    { name: 'credits', hash: '#/credits', ready: 'h1:has-text("Credits")' },
    { name: 'settings', hash: '#/settings', ready: 'h1' },
    { name: 'members', hash: '#/members', ready: 'h1' },
    { name: 'api-keys', hash: '#/keys', ready: 'h1' },
    { name: 'audit', hash: '#/audit', ready: 'h1' },
  ];

  /** axe-core's WCAG 2.1 A/AA violations on the page as it is, one line per element. */
  async function violations(): Promise<string[]> {
    if (!(await s.page.evaluate(() => 'axe' in window))) await s.page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    const result = await s.page.evaluate(async () => {
      const axe = (
        window as unknown as {
          axe: {
            run(
              ctx: unknown,
              o: unknown,
            ): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[]; failureSummary: string }[] }[] }>;
          };
        }
      ).axe;
      return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    });
    return result.violations.flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.impact}): ${v.help} at ${n.target.join(' ')} — ${n.failureSummary.split('\n').slice(0, 2).join(' ')}`),
    );
  }

  for (const theme of ['light', 'dark'] as const) {
    it(`every page in the ${theme} theme: a screenshot, and no WCAG 2.1 A/AA violation`, async () => {
      const { page } = s;
      await page.emulateMedia({ colorScheme: theme });
      const found: string[] = [];
      for (const p of pages()) {
        await page.goto(`${s.base}/${p.hash}`);
        await page.locator(p.ready).first().waitFor();
        expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
        await page.waitForTimeout(300); // transitions and lazy panels settle
        await s.shot(`${theme}-${p.name}`);
        found.push(...(await violations()).map((v) => `${p.name}: ${v}`));
      }
      expect(found).toEqual([]);
    }, 120_000);
  }

  it('a keyboard-only user builds trigger → action → condition, connects them and publishes', async () => {
    const { page } = s;
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(`${s.base}/#/flows`);
    const name = page.getByLabel('New flow name');
    await name.focus();
    await page.keyboard.type('Keyboard only');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/flows\/flw_/);
    const id = page.url().split('#/flows/')[1]!;
    const search = page.getByRole('navigation', { name: 'Steps' }).getByLabel('Search steps');
    const panel = page.locator('aside.np');

    // The trigger: found in the palette, Enter adds it (replacing the manual one), and its event is typed in the panel.
    await search.focus();
    await page.keyboard.type('App event');
    await page.keyboard.press('Enter');
    await panel.getByRole('textbox', { name: 'Event name', exact: true }).focus();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('order.shipped');

    // The action: Enter adds it after the selected step (the trigger), connected.
    await search.focus();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('Transform data');
    await page.keyboard.press('Enter');
    await panel.locator('h2', { hasText: 'data_transform' }).waitFor();
    await panel.locator('[data-field="expression"]').locator('input, textarea').first().focus();
    await page.keyboard.type('"shipped"');

    // The condition, after the action.
    await search.focus();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('If');
    await page.keyboard.press('Enter');
    await panel.locator('h2', { hasText: 'if' }).waitFor();

    // Save with the shortcut, publish with the keyboard.
    await page.keyboard.press('ControlOrMeta+S');
    await page.locator('.sy-save-state', { hasText: /^Saved$/ }).waitFor();
    await page.locator('.sy-toolbar').getByRole('button', { name: 'Publish', exact: true }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Publish' });
    await dialog.getByLabel('Note (optional)').waitFor();
    await page.keyboard.type('built with the keyboard');
    await dialog.getByRole('button', { name: 'Publish', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Published' }).getByText('Published v1.').waitFor();
    await page.keyboard.press('Escape');

    const flow = (await s.call('GET', `/api/flows/${id}`)).body;
    expect(flow.publishedVersion).toBe(1);
    expect(flow.document.trigger).toEqual({ type: 'event', event: 'order.shipped' });
    expect(flow.document.nodes.map((n: { id: string; type: string }) => [n.id, n.type])).toEqual([
      ['data_transform', 'action'],
      ['if', 'condition'],
    ]);
    expect(flow.document.edges).toEqual([
      { from: 'trigger', to: 'data_transform' },
      { from: 'data_transform', to: 'if' },
    ]);
  }, 90_000);
});
