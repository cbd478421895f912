// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FlowSnapshot } from '#core/flow';
import type { RunDetail } from '../api/types';
import { RunPage } from '../pages/run-page';

// React Flow measures the DOM; jsdom does not lay anything out.
beforeAll(() => {
  class ResizeObserverStub {
    constructor(private readonly cb: ResizeObserverCallback) {}
    observe(target: Element) {
      this.cb([{ target, contentRect: { width: 800, height: 500 } } as unknown as ResizeObserverEntry], this as unknown as ResizeObserver);
    }
    unobserve() {}
    disconnect() {}
  }
  globalThis.ResizeObserver = ResizeObserverStub as unknown as typeof ResizeObserver;
  class DOMMatrixReadOnlyStub {
    m22: number;
    constructor(transform?: string) {
      const scale = transform?.match(/scale\(([1-9.])\)/)?.[1];
      this.m22 = scale !== undefined ? Number(scale) : 1;
    }
  }
  (globalThis as unknown as { DOMMatrixReadOnly: unknown }).DOMMatrixReadOnly = DOMMatrixReadOnlyStub;
  Object.defineProperties(HTMLElement.prototype, {
    offsetHeight: { get: () => 70, configurable: true },
    offsetWidth: { get: () => 220, configurable: true },
  });
});

const snapshot: FlowSnapshot = {
  schemaVersion: 1,
  trigger: { type: 'manual' },
  nodes: [
    {
      id: 'loop',
      type: 'forEach',
      items: 'trigger.data.users',
      concurrency: 1,
      body: {
        nodes: [{ id: 'greet', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'item' }, expression: '"Hi " & data.name' } }],
        edges: [{ from: 'loop', to: 'greet' }],
      },
    },
    { id: 'summary', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'nodes.loop' }, expression: '$count(data)' } },
  ],
  edges: [
    { from: 'trigger', to: 'loop' },
    { from: 'loop', to: 'summary' },
  ],
} as FlowSnapshot;

const T0 = '2025-05-01T10:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

function failedRun(): RunDetail {
  return {
    id: 'run_42',
    flowId: 'flw_1',
    version: 2,
    workflowId: 'manual:flw_1:abc',
    mode: 'test',
    status: 'failed',
    trigger: { type: 'manual', id: 'abc', data: { users: [{ name: 'Ada' }, { name: 'Bob' }] } },
    createdAt: T0,
    startedAt: T0,
    endedAt: at(2400),
    error: { message: 'Expression failed: data.nam is undefined', type: 'NonRetryable', nodeId: 'loop[1].greet' },
    nodes: [
      { key: 'loop', nodeId: 'loop', type: 'forEach', status: 'failed', attempts: 0, startedAt: at(10), endedAt: at(2400) },
      {
        key: 'loop[0].greet',
        nodeId: 'greet',
        type: 'action',
        status: 'succeeded',
        attempts: 1,
        simulated: true,
        input: { data: { name: 'Ada' }, expression: '"Hi " & data.name' },
        output: { result: 'Hi Ada' },
        startedAt: at(20),
        endedAt: at(250),
      },
      {
        key: 'loop[1].greet',
        nodeId: 'greet',
        type: 'action',
        status: 'failed',
        attempts: 3,
        input: { data: { name: 'Bob' }, expression: '"Hi " & data.nam' },
        error: { message: 'Expression failed: data.nam is undefined', type: 'NonRetryable' },
        startedAt: at(300),
        endedAt: at(2390),
      },
    ],
  };
}

let run: RunDetail;
const calls: { method: string; url: string; body?: unknown }[] = [];

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

beforeEach(() => {
  run = failedRun();
  calls.length = 0;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      calls.push({ method, url, ...(init?.body ? { body: JSON.parse(String(init.body)) } : {}) });
      if (method === 'GET' && url === '/api/runs/run_42') return json(run);
      if (method === 'GET' && url.startsWith('/api/flows?'))
        return json({ flows: [{ id: 'flw_1', name: 'Greet users', publishedVersion: 2, trigger: 'manual', event: null, updatedAt: T0 }] });
      if (method === 'GET' && url === '/api/catalog/actions')
        return json({
          actions: [
            { ref: 'data.transform@1', integration: 'data', title: 'Transform data', description: '', inputSchema: {}, outputSchema: {}, sideEffects: false },
          ],
        });
      if (method === 'GET' && url === '/api/flows/flw_1/versions/2') return json({ version: 2, note: null, publishedAt: T0, snapshot });
      if (method === 'POST' && url === '/api/flows/flw_1/runs') return json({ runId: 'run_43', workflowId: 'w', version: 2 }, 201);
      if (method === 'POST' && url === '/api/runs/run_42/cancel') return json({ runId: 'run_42', status: 'cancelling' }, 202);
      return json({ error: { code: 'NOT_FOUND', message: `unexpected ${method} ${url}` } }, 404);
    }),
  );
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  window.location.hash = '';
});

function renderPage() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <RunPage runId="run_42" />
    </QueryClientProvider>,
  );
}

const panel = () => screen.getByRole('complementary');

describe('RunPage', () => {
  it('shows a failed test run with its failing node selected, its error, attempts and input', async () => {
    renderPage();
    await screen.findByRole('heading', { level: 1, name: 'Greet users v2' });
    expect(screen.getByText('TEST')).toBeTruthy();
    expect(screen.getAllByRole('alert').some((a) => a.textContent?.includes('The run failed at loop[1].greet: Expression failed'))).toBe(true);
    expect(screen.queryByRole('button', { name: /cancel run/i })).toBeNull();

    // The failing node is selected by default: its panel shows the failing iteration.
    const details = await waitFor(() => panel());
    expect(within(details).getByRole('heading', { name: 'Transform data' })).toBeTruthy();
    expect(within(details).getByText('loop[1].greet')).toBeTruthy();
    expect(within(details).getAllByText('Expression failed: data.nam is undefined').length).toBeGreaterThan(0);
    expect(within(details).getByText('NonRetryable')).toBeTruthy();
    expect(within(details).getByText('3')).toBeTruthy(); // attempts
    expect(within(details).getByText('2.1 s')).toBeTruthy(); // duration 300 → 2390 ms
    expect(within(details).getByText(/"name": "Bob"/)).toBeTruthy(); // input, pretty JSON
    expect(
      within(details)
        .getByRole('button', { name: /iteration 1/ })
        .getAttribute('aria-pressed'),
    ).toBe('true');

    // The other iteration of the same node: output and the simulated tag.
    fireEvent.click(within(details).getByRole('button', { name: /iteration 0/ }));
    expect(within(panel()).getByText(/"result": "Hi Ada"/)).toBeTruthy();
    expect(within(panel()).getByText('simulated')).toBeTruthy();
  });

  it('lists every step and shows a forEach with its iterations', async () => {
    renderPage();
    const steps = await screen.findByRole('region', { name: 'Steps' });
    expect(within(steps).getAllByRole('row')).toHaveLength(4); // header + 3 entries
    fireEvent.click(screen.getByRole('button', { name: 'Show details of loop' }));
    const details = panel();
    expect(within(details).getByRole('heading', { name: 'For each' })).toBeTruthy();
    const iterations = within(details).getByRole('region', { name: 'Iterations' });
    expect(within(iterations).getByRole('button', { name: 'loop[0].greet' })).toBeTruthy();
    expect(within(iterations).getByRole('button', { name: 'loop[1].greet' })).toBeTruthy();
    fireEvent.click(within(iterations).getByRole('button', { name: 'loop[0].greet' }));
    expect(within(panel()).getByText(/"result": "Hi Ada"/)).toBeTruthy();
    // Closing the panel keeps it closed.
    fireEvent.click(within(panel()).getByRole('button', { name: 'Close node details' }));
    expect(screen.queryByRole('complementary')).toBeNull();
  });

  it('draws the graph of the version with each node state', async () => {
    const { container } = renderPage();
    await waitFor(() => expect(container.querySelectorAll('.rg-node').length).toBe(3)); // trigger, greet, summary
    expect(container.querySelector('.rg-group.rg-failed')).toBeTruthy(); // the forEach
    expect(screen.getByLabelText('Transform data, Action, failed')).toBeTruthy(); // greet: its iterations combined
    expect(container.querySelectorAll('.rg-node.rg-waiting').length).toBe(1); // summary never ran
    expect(screen.getByText('not run')).toBeTruthy();
  });

  it('runs again with the same input, version and mode, and opens the new run', async () => {
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: 'Run again' }));
    await waitFor(() => expect(window.location.hash).toBe('#/runs/run_43'));
    expect(calls.find((c) => c.method === 'POST')).toEqual({
      method: 'POST',
      url: '/api/flows/flw_1/runs',
      body: { input: { users: [{ name: 'Ada' }, { name: 'Bob' }] }, mode: 'test', version: 2 },
    });
  });

  it('offers Cancel while the run is running, after a confirmation', async () => {
    run = {
      ...failedRun(),
      status: 'running',
      endedAt: null,
      nodes: [{ key: 'loop', nodeId: 'loop', type: 'forEach', status: 'running', attempts: 0, startedAt: at(10) }],
    };
    delete run.error;
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel run' }));
    fireEvent.click(within(await screen.findByRole('dialog', { name: /Cancel run run_42/ })).getByRole('button', { name: 'Cancel the run' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url === '/api/runs/run_42/cancel')).toBe(true));
    expect(screen.queryByRole('complementary')).toBeNull(); // nothing failed: no node selected
  });

  it('says when a running run is stuck, with the failure of its workflow task', async () => {
    run = {
      ...failedRun(),
      status: 'running',
      endedAt: null,
      stuck: { message: 'Temporal retries its workflow task (attempt 3), which fails with: boom', attempts: 3 },
    };
    delete run.error;
    renderPage();
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('This run is stuck: Temporal retries its workflow task (attempt 3), which fails with: boom');
  });
});
