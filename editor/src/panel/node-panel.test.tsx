// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { catalog } from '#catalog';
import type { FlowDocument } from '#core/flow';
import { findNode } from '#core/operations';
import { useEditor } from '../store/editor-store';
import { NodePanel } from './node-panel';

const DOC: FlowDocument = {
  schemaVersion: 1,
  trigger: { type: 'event', event: 'user.signed_up' },
  nodes: [
    { id: 'fetch', type: 'action', action: 'http.request@1', inputs: { url: 'https://api.example.com' } },
    { id: 'route', type: 'switch', value: 'nodes.fetch.body.plan', cases: ['free', 'pro'] },
    { id: 'wait', type: 'delay', duration: '5m' },
    { id: 'check', type: 'condition', condition: 'nodes.fetch.status = 200' },
    { id: 'done', type: 'end', output: { ok: true } },
  ],
  edges: [
    { from: 'trigger', to: 'fetch' },
    { from: 'fetch', to: 'route' },
    { from: 'route', to: 'wait', branch: 'free' },
    { from: 'route', to: 'check', branch: 'pro' },
    { from: 'route', to: 'done', branch: 'default' },
    { from: 'wait', to: 'done' },
    { from: 'check', to: 'done', branch: 'true' },
  ],
  layout: {},
};

const API: Record<string, unknown> = {
  '/api/catalog': {
    integrations: [],
    webhookSources: [
      {
        id: 'stripe',
        title: 'Stripe',
        integration: 'stripe',
        secretVariable: 'STRIPE_WEBHOOK_SECRET',
        whereToGet: 'Stripe dashboard',
        examples: [
          { type: 'payment_intent.succeeded', title: 'A payment succeeded', payload: { type: 'payment_intent.succeeded', data: { object: { amount: 2000 } } } },
        ],
      },
    ],
  },
  '/api/secrets': { secrets: [{ name: 'API_TOKEN', live: { last4: 'abcd' }, test: null, updatedAt: '' }] },
  '/api/catalog/http': {
    key: 'http',
    setup: [],
    setupStatus: [
      {
        name: 'HTTP_PROXY_URL',
        description: 'A proxy',
        whereToGet: 'Ask your admin at https://example.com',
        required: false,
        secret: false,
        live: false,
        test: false,
      },
    ],
  },
};

beforeEach(() => {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string) => new Response(JSON.stringify(API[path] ?? {}), { status: 200, headers: { 'content-type': 'application/json' } })),
  );
  useEditor.getState().load({ id: 'flw_1', name: 'Test', document: DOC }, catalog.actions);
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function show(nodeId: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <NodePanel nodeId={nodeId} />
    </QueryClientProvider>,
  );
}

const doc = () => useEditor.getState().doc!;

describe('NodePanel', () => {
  it('edits an action node through its generated form, with label, setup and retries', async () => {
    show('fetch');
    expect(screen.getByRole('heading', { level: 2 }).textContent).toContain('fetch');
    fireEvent.change(screen.getByRole('textbox', { name: 'Label' }), { target: { value: 'Look up' } });
    expect(findNode(doc(), 'fetch')!.label).toBe('Look up');

    fireEvent.change(screen.getByRole('textbox', { name: 'URL' }), { target: { value: 'https://other.example.com' } });
    expect(findNode(doc(), 'fetch')).toMatchObject({ inputs: { url: 'https://other.example.com' } });
    fireEvent.change(screen.getByRole('textbox', { name: 'URL' }), { target: { value: '' } });
    expect(findNode(doc(), 'fetch')).toMatchObject({ inputs: {} });
    // The missing required input is a problem, shown at the field and in the header.
    expect(screen.getAllByText(/needs the input "url"/).length).toBeGreaterThanOrEqual(2);

    // Secret names come from the workspace's secrets.
    fireEvent.change(screen.getByRole('combobox', { name: 'Auth type' }), { target: { value: '0' } });
    const secret = (await screen.findByRole('option', { name: /API_TOKEN/ })).closest('select')!;
    expect(within(secret).getByRole('option', { name: 'New secret…' })).toBeTruthy();
    fireEvent.change(secret, { target: { value: 'API_TOKEN' } });
    expect(findNode(doc(), 'fetch')).toMatchObject({ inputs: { auth: { type: 'bearer', secret: 'API_TOKEN' } } });
    fireEvent.change(secret, { target: { value: '__new__' } });
    expect(screen.getByLabelText('Live value').getAttribute('type')).toBe('password');

    expect(await screen.findByText('HTTP_PROXY_URL')).toBeTruthy();
    expect(screen.getByText('missing')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'https://example.com' })).toBeTruthy();

    const attempts = screen.getByRole('textbox', { name: 'Maximum attempts' });
    expect(attempts.getAttribute('placeholder')).toBe('5');
    expect(screen.getByRole('textbox', { name: 'Timeout of one attempt' }).getAttribute('placeholder')).toBe('60s');
    fireEvent.change(attempts, { target: { value: '3' } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Initial interval' }), { target: { value: '2s' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'When all attempts fail' }), { target: { value: 'branch' } });
    expect(findNode(doc(), 'fetch')).toMatchObject({ retry: { maximumAttempts: 3, initialInterval: '2s' }, onError: 'branch' });
  });

  it('renames a switch case and its edge in one step, adds and removes cases', () => {
    show('route');
    const undoDepth = useEditor.getState().past.length;
    const pro = screen.getByRole('textbox', { name: 'Case 2' });
    fireEvent.change(pro, { target: { value: 'premium' } });
    expect(findNode(doc(), 'route')).toMatchObject({ cases: ['free', 'pro'] });
    fireEvent.blur(pro);
    expect(findNode(doc(), 'route')).toMatchObject({ cases: ['free', 'premium'] });
    expect(doc().edges).toContainEqual({ from: 'route', to: 'check', branch: 'premium' });
    expect(doc().edges.some((e) => e.branch === 'pro')).toBe(false);
    expect(useEditor.getState().past.length).toBe(undoDepth + 1);

    fireEvent.change(pro, { target: { value: 'free' } });
    expect(screen.getByText('Another case has this value')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Add case' }));
    expect(findNode(doc(), 'route')).toMatchObject({ cases: ['free', 'premium', 'case3'] });
    fireEvent.click(screen.getByRole('button', { name: 'Remove case free' }));
    expect(findNode(doc(), 'route')).toMatchObject({ cases: ['premium', 'case3'] });
    expect(doc().edges.some((e) => e.branch === 'free')).toBe(false);
  });

  it('edits the trigger', () => {
    show('trigger');
    fireEvent.change(screen.getByRole('textbox', { name: 'Event name' }), { target: { value: 'order.paid' } });
    expect(doc().trigger).toEqual({ type: 'event', event: 'order.paid' });
    fireEvent.change(screen.getByRole('combobox', { name: 'Starts on' }), { target: { value: 'schedule' } });
    expect(doc().trigger).toEqual({ type: 'schedule', cron: '0 9 * * *' });
    expect(screen.getByText('At 09:00')).toBeTruthy(); // cronstrue's reading
    expect(screen.getByRole('list', { name: 'Next runs' }).querySelectorAll('li')).toHaveLength(5);
    fireEvent.change(screen.getByRole('combobox', { name: 'Time zone' }), { target: { value: 'Europe/Berlin' } });
    expect(doc().trigger).toEqual({ type: 'schedule', cron: '0 9 * * *', timezone: 'Europe/Berlin' });
    expect(screen.getByText('Next runs (Europe/Berlin)')).toBeTruthy();
    fireEvent.change(screen.getByRole('combobox', { name: 'If the previous run is still going' }), { target: { value: 'bufferOne' } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Catch-up window' }), { target: { value: '10m' } });
    expect(doc().trigger).toMatchObject({ overlap: 'bufferOne', catchupWindow: '10m' });
    fireEvent.click(screen.getByRole('radio', { name: 'Every interval' }));
    expect(doc().trigger).toMatchObject({ type: 'schedule', interval: { every: '15m' }, timezone: 'Europe/Berlin', overlap: 'bufferOne' });
    expect(doc().trigger).not.toHaveProperty('cron');
    fireEvent.change(screen.getByRole('textbox', { name: 'Offset' }), { target: { value: '2m' } });
    expect(doc().trigger).toMatchObject({ interval: { every: '15m', offset: '2m' } });
    fireEvent.click(screen.getByRole('radio', { name: 'On calendar specs' }));
    expect(doc().trigger).toMatchObject({ calendars: [{ hour: 9 }] });
    const specs = screen.getByRole('textbox', { name: 'Calendar specs' });
    fireEvent.change(specs, { target: { value: '[{ "hour": 25 }]' } });
    expect(screen.getByText(/0.hour/)).toBeTruthy();
    expect(doc().trigger).toMatchObject({ calendars: [{ hour: 9 }] });
    fireEvent.change(specs, { target: { value: '[{ "hour": 8, "dayOfWeek": "MONDAY" }]' } });
    expect(doc().trigger).toMatchObject({ calendars: [{ hour: 8, dayOfWeek: 'MONDAY' }] });
    fireEvent.click(screen.getByRole('radio', { name: 'On a cron expression' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Cron' }), { target: { value: '0 9 *' } });
    expect(screen.getByText(/a cron has 5/)).toBeTruthy();
    fireEvent.change(screen.getByRole('combobox', { name: 'Starts on' }), { target: { value: 'event' } });
    expect(doc().trigger).toEqual({ type: 'event', event: 'order.paid' });
  });

  it('validates a delay and the end output before committing', () => {
    show('wait');
    const duration = screen.getByRole('textbox', { name: 'Duration' });
    fireEvent.change(duration, { target: { value: '10 minutes' } });
    expect(screen.getByText(/'30s', '5m', '1h' or '1d'/)).toBeTruthy();
    expect(findNode(doc(), 'wait')).toMatchObject({ duration: '5m' });
    fireEvent.change(duration, { target: { value: '1h' } });
    expect(findNode(doc(), 'wait')).toMatchObject({ duration: '1h' });
    cleanup();

    show('done');
    const output = screen.getByRole('textbox', { name: 'Output' });
    fireEvent.change(output, { target: { value: '{"id": ' } });
    expect(findNode(doc(), 'done')).toMatchObject({ output: { ok: true } });
    fireEvent.change(output, { target: { value: '{"id": {"$expr": "nodes.fetch.body.id"}}' } });
    expect(findNode(doc(), 'done')).toMatchObject({ output: { id: { $expr: 'nodes.fetch.body.id' } } });
  });

  it('edits a condition with suggestions from upstream nodes', () => {
    show('check');
    const input = screen.getByRole('combobox', { name: 'Condition' });
    fireEvent.change(input, { target: { value: 'nodes.f', selectionStart: 7, selectionEnd: 7 } });
    expect(screen.getByRole('option', { name: /nodes\.fetch\.status/ })).toBeTruthy();
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(findNode(doc(), 'check')).toMatchObject({ condition: 'nodes.fetch.status' });
  });

  it('disables everything when read-only', async () => {
    useEditor.getState().load({ id: 'flw_1', name: 'Test', document: DOC }, catalog.actions, true);
    show('fetch');
    await waitFor(() => expect(screen.getByText('HTTP_PROXY_URL')).toBeTruthy());
    const controls = [...document.querySelectorAll('input, select, textarea, button')] as HTMLInputElement[];
    expect(controls.length).toBeGreaterThan(10);
    expect(controls.filter((c) => !c.disabled && !c.readOnly).map((c) => c.outerHTML)).toEqual([]);
  });

  it('edits a forEach and offers item and index inside its body', () => {
    const loopDoc: FlowDocument = {
      ...DOC,
      nodes: [
        ...DOC.nodes,
        {
          id: 'loop',
          type: 'forEach',
          items: 'nodes.fetch.body.items',
          concurrency: 1,
          body: { nodes: [{ id: 'each', type: 'action', action: 'data.transform@1', inputs: { expression: 'data' } }], edges: [{ from: 'loop', to: 'each' }] },
        },
      ],
      edges: [...DOC.edges, { from: 'fetch', to: 'loop' }],
    };
    useEditor.getState().load({ id: 'flw_1', name: 'Test', document: loopDoc }, catalog.actions);
    show('loop');
    const concurrency = screen.getByRole('textbox', { name: 'Concurrency' });
    fireEvent.change(concurrency, { target: { value: '500' } });
    expect(screen.getByText('At most 100')).toBeTruthy();
    fireEvent.change(concurrency, { target: { value: '4' } });
    expect(findNode(doc(), 'loop')).toMatchObject({ concurrency: 4 });
    fireEvent.change(screen.getByRole('combobox', { name: 'Items' }), { target: { value: 'nodes.fetch.body' } });
    expect(findNode(doc(), 'loop')).toMatchObject({ items: 'nodes.fetch.body' });
    cleanup();

    show('each');
    fireEvent.click(screen.getByRole('button', { name: 'fx: use an expression for Data' }));
    const data = screen.getByRole('combobox', { name: 'Data' });
    fireEvent.keyDown(data, { key: ' ', ctrlKey: true });
    const paths = screen.getAllByRole('option').map((o) => o.querySelector('.expr-path')?.textContent);
    expect(paths).toEqual(expect.arrayContaining(['item', 'index', 'nodes.fetch.status']));
    expect(paths).not.toContain('nodes.loop');
  });

  it('labels every control of every kind of node', () => {
    for (const id of ['trigger', 'fetch', 'route', 'wait', 'check', 'done']) {
      show(id);
      for (const el of document.querySelectorAll('input, select, textarea, button')) {
        const named =
          (el as HTMLInputElement).labels?.length ||
          el.getAttribute('aria-label') ||
          el.getAttribute('aria-labelledby') ||
          (el.tagName === 'BUTTON' && el.textContent?.trim());
        expect(named, `${id}: ${el.outerHTML}`).toBeTruthy();
      }
      cleanup();
    }
  });

  it("pins a webhook source's example event as the trigger's sample data, and previews expressions against it", async () => {
    useEditor.getState().apply([{ type: 'setTrigger', trigger: { type: 'webhook', source: 'stripe' } }]);
    show('trigger');
    fireEvent.click(await screen.findByRole('button', { name: 'Use this example' }));
    expect(doc().pinned?.trigger).toEqual({ type: 'payment_intent.succeeded', data: { object: { amount: 2000 } } });
    cleanup();
    // A later step's expression shows its value against the pinned sample.
    useEditor
      .getState()
      .apply([{ type: 'updateInput', nodeId: 'fetch', input: 'url', value: { $expr: '"https://api.example.com/" & trigger.data.data.object.amount' } }]);
    show('fetch');
    await screen.findByText('"https://api.example.com/2000"');
  });
});
