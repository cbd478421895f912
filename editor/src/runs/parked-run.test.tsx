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
    m22 = 1;
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
      items: 'trigger.data.orders',
      concurrency: 1,
      body: {
        nodes: [{ id: 'fetch', type: 'action', action: 'http.request@1', inputs: { method: 'GET', url: { $expr: '"https://shop.test/orders/" & item' } } }],
        edges: [{ from: 'loop', to: 'fetch' }],
      },
    },
    { id: 'notify', type: 'action', action: 'http.request@1', inputs: { method: 'POST', url: 'https://hooks.test/done' } },
  ],
  edges: [
    { from: 'trigger', to: 'loop' },
    { from: 'loop', to: 'notify' },
  ],
} as FlowSnapshot;

const T0 = '2025-05-01T10:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();
const PARKED_INPUT = { method: 'GET', url: 'https://shop.test/orders/ord_missing' };

function parkedRun(): RunDetail {
  return {
    id: 'run_7',
    flowId: 'flw_1',
    version: 3,
    workflowId: 'event:flw_1:evt_1',
    mode: 'live',
    status: 'parked',
    trigger: { type: 'event', name: 'order.paid', id: 'evt_1', data: { orders: ['ord_1', 'ord_missing'] } },
    createdAt: T0,
    startedAt: T0,
    endedAt: null,
    nodes: [
      { key: 'loop', nodeId: 'loop', type: 'forEach', status: 'running', attempts: 0, startedAt: at(10) },
      {
        key: 'loop[0].fetch',
        nodeId: 'fetch',
        type: 'action',
        status: 'succeeded',
        attempts: 1,
        input: { method: 'GET', url: 'https://shop.test/orders/ord_1' },
        output: { status: 200 },
        startedAt: at(20),
        endedAt: at(120),
      },
      {
        key: 'loop[1].fetch',
        nodeId: 'fetch',
        type: 'action',
        status: 'parked',
        attempts: 3,
        input: PARKED_INPUT,
        error: { message: 'The server answered 400: Order ord_missing does not exist', type: 'NonRetryable', status: 400 },
        decisions: [{ action: 'retry', at: at(900) }],
        startedAt: at(1000),
        endedAt: at(1500),
      },
    ],
  };
}

function failedRun(): RunDetail {
  const r = parkedRun();
  return {
    ...r,
    status: 'failed',
    endedAt: at(2000),
    error: { message: 'The server answered 500', type: 'Retryable', nodeId: 'notify' },
    nodes: [
      { ...r.nodes[0]!, status: 'succeeded', endedAt: at(1200) },
      r.nodes[1]!,
      {
        key: 'notify',
        nodeId: 'notify',
        type: 'action',
        status: 'failed',
        attempts: 5,
        input: { method: 'POST', url: 'https://hooks.test/done' },
        error: { message: 'The server answered 500', type: 'Retryable', status: 500 },
        startedAt: at(1300),
        endedAt: at(2000),
      },
    ],
  };
}

let run: RunDetail;
/** What the next POST answers (status, body), when a test wants a refusal. */
let postAnswer: { status: number; body: unknown } | undefined;
/** Whether a decision changes the run at once (else the workflow still reports the node parked for a while). */
let decisionsApply = true;
const calls: { method: string; url: string; body?: unknown }[] = [];

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

beforeEach(() => {
  run = parkedRun();
  postAnswer = undefined;
  decisionsApply = true;
  calls.length = 0;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      calls.push({ method, url, ...(init?.body ? { body: JSON.parse(String(init.body)) } : {}) });
      if (method === 'GET' && url === '/api/runs/run_7') return json(run);
      if (method === 'GET' && url.startsWith('/api/flows?'))
        return json({ flows: [{ id: 'flw_1', name: 'Fetch orders', publishedVersion: 3, trigger: 'event', event: 'order.paid', updatedAt: T0 }] });
      if (method === 'GET' && url === '/api/catalog/actions')
        return json({
          actions: [
            { ref: 'http.request@1', integration: 'http', title: 'HTTP request', description: '', inputSchema: {}, outputSchema: {}, sideEffects: true },
          ],
        });
      if (method === 'GET' && url === '/api/flows/flw_1/versions/3') return json({ version: 3, note: null, publishedAt: T0, snapshot });
      if (method === 'POST' && postAnswer) return json(postAnswer.body, postAnswer.status);
      const decision = url.match(/^\/api\/runs\/run_7\/nodes\/([^/]+)\/(retry|skip|abort)$/);
      if (method === 'POST' && decision) {
        // The workflow takes the decision: the node leaves `parked`.
        const key = decodeURIComponent(decision[1]!);
        const action = decision[2]!;
        if (!decisionsApply) return json({ runId: 'run_7', nodeKey: key, action, accepted: true });
        run = {
          ...run,
          status: action === 'abort' ? 'failed' : 'running',
          nodes: run.nodes.map((n) =>
            n.key === key
              ? {
                  ...n,
                  status: action === 'skip' ? 'succeeded' : action === 'abort' ? 'failed' : 'running',
                  decisions: [...(n.decisions ?? []), { action: action as 'retry', at: at(5000) }],
                }
              : n,
          ),
        };
        return json({ runId: 'run_7', nodeKey: key, action, accepted: true });
      }
      if (method === 'POST' && url === '/api/runs/run_7/reset') {
        run = { ...run, status: 'running', endedAt: null, nodes: run.nodes.map((n) => (n.key === 'notify' ? { ...n, status: 'running' } : n)) };
        delete run.error;
        return json({ runId: 'run_7', status: 'running', resetToEventId: 42 });
      }
      return json({ error: { code: 'NOT_FOUND', message: `unexpected ${method} ${url}` } }, 404);
    }),
  );
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  window.location.hash = '';
});

function renderPage() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <RunPage runId="run_7" />
    </QueryClientProvider>,
  );
}

const panel = () => screen.getByRole('complementary');
const posts = () => calls.filter((c) => c.method === 'POST');
const runGets = () => calls.filter((c) => c.method === 'GET' && c.url === '/api/runs/run_7').length;

describe('RunPage with a parked node', () => {
  it('lists the parked node in a banner, selects it, and offers Retry, Skip with output and Abort run', async () => {
    const { container } = renderPage();
    const banner = await screen.findByRole('region', { name: /A step is parked — waiting for you/ });
    expect(within(banner).getByText('loop[1].fetch')).toBeTruthy();
    expect(within(banner).getByText(/Order ord_missing does not exist/)).toBeTruthy();
    expect(within(banner).getByRole('button', { name: 'Review' })).toBeTruthy();
    expect(container.querySelector('.run-title .status.parked')?.textContent).toBe('parked');

    // The parked entry is selected by default: its error, its decisions so far, and the three actions.
    const details = await waitFor(() => panel());
    expect(within(details).getByRole('heading', { name: 'HTTP request' })).toBeTruthy();
    expect(within(details).getByText('The server answered 400: Order ord_missing does not exist')).toBeTruthy();
    expect(
      within(details)
        .getByRole('button', { name: /iteration 1/ })
        .getAttribute('aria-pressed'),
    ).toBe('true');
    expect(within(details).getByRole('button', { name: 'Retry' })).toBeTruthy();
    expect(within(details).getByRole('button', { name: 'Skip with output' })).toBeTruthy();
    expect(within(details).getByRole('button', { name: 'Abort run' })).toBeTruthy();
    const history = within(details).getByRole('region', { name: 'Decisions' });
    expect(within(history).getByText('Retried')).toBeTruthy();
    expect(within(history).getByText(new Date(at(900)).toLocaleString())).toBeTruthy();

    // The graph: the parked node in amber, waiting for you.
    await waitFor(() => expect(container.querySelector('.rg-node.rg-parked')).toBeTruthy());
    expect(screen.getByLabelText('HTTP request, Action, parked — waiting for you')).toBeTruthy();

    // Closing the panel, then "Review" selects the node again.
    fireEvent.click(within(details).getByRole('button', { name: 'Close node details' }));
    expect(screen.queryByRole('complementary')).toBeNull();
    fireEvent.click(within(banner).getByRole('button', { name: 'Review' }));
    expect(within(panel()).getByRole('button', { name: 'Retry' })).toBeTruthy();
  });

  it('Retry with edited input: checks the JSON, then posts it to the node and polls the run', async () => {
    renderPage();
    const details = await waitFor(() => panel());
    fireEvent.click(within(details).getByRole('checkbox', { name: 'Edit the input before retrying' }));
    const textarea = within(details).getByRole('textbox', { name: 'Input (JSON)' }) as HTMLTextAreaElement;
    expect(JSON.parse(textarea.value)).toEqual(PARKED_INPUT); // prefilled with the node's input

    fireEvent.change(textarea, { target: { value: '{ "method": "GET", "url": ' } });
    fireEvent.click(within(details).getByRole('button', { name: 'Retry' }));
    expect(
      within(details)
        .getByText(/not valid JSON/)
        .getAttribute('role'),
    ).toBe('alert');
    expect(textarea.getAttribute('aria-invalid')).toBe('true');
    expect(posts()).toHaveLength(0);

    fireEvent.change(textarea, { target: { value: '{ "method": "GET", "url": "https://shop.test/orders/ord_2" }' } });
    fireEvent.click(within(details).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(posts()).toHaveLength(1));
    expect(posts()[0]).toEqual({
      method: 'POST',
      url: '/api/runs/run_7/nodes/loop%5B1%5D.fetch/retry',
      body: { input: { method: 'GET', url: 'https://shop.test/orders/ord_2' } },
    });
    // The run is refreshed: the node runs again, the panel stays on it, and the actions are gone.
    await waitFor(() => expect(within(panel()).queryByRole('button', { name: 'Retry' })).toBeNull());
    expect(within(panel()).getAllByText('running').length).toBeGreaterThan(0);
    expect(screen.queryByRole('region', { name: /parked/ })).toBeNull();
  });

  it('Retry without editing sends no input', async () => {
    renderPage();
    fireEvent.click(within(await waitFor(() => panel())).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(posts()).toHaveLength(1));
    expect(posts()[0]).toEqual({ method: 'POST', url: '/api/runs/run_7/nodes/loop%5B1%5D.fetch/retry', body: {} });
  });

  it('Skip with output posts the JSON output (null by default)', async () => {
    renderPage();
    const details = await waitFor(() => panel());
    const output = within(details).getByRole('textbox', { name: 'Output later steps read (JSON)' }) as HTMLTextAreaElement;
    expect(output.value).toBe('null');
    fireEvent.change(output, { target: { value: '{ "status": 404, "body": null }' } });
    fireEvent.click(within(details).getByRole('button', { name: 'Skip with output' }));
    await waitFor(() => expect(posts()).toHaveLength(1));
    expect(posts()[0]).toEqual({ method: 'POST', url: '/api/runs/run_7/nodes/loop%5B1%5D.fetch/skip', body: { output: { status: 404, body: null } } });
  });

  it('Abort run asks first, then posts the reason', async () => {
    renderPage();
    const details = await waitFor(() => panel());
    fireEvent.change(within(details).getByRole('textbox', { name: 'Reason (optional)' }), { target: { value: 'Order was deleted' } });
    fireEvent.click(within(details).getByRole('button', { name: 'Abort run' }));
    // An in-app confirmation, declined first.
    const asked = await screen.findByRole('dialog', { name: /Abort run run_7/ });
    fireEvent.click(within(asked).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(posts()).toHaveLength(0); // declined
    fireEvent.click(within(details).getByRole('button', { name: 'Abort run' }));
    const again = await screen.findByRole('dialog', { name: /Abort run run_7/ });
    expect(again.textContent).toContain('Order was deleted');
    fireEvent.click(within(again).getByRole('button', { name: 'Abort the run' }));
    await waitFor(() => expect(posts()).toHaveLength(1));
    expect(posts()[0]).toEqual({ method: 'POST', url: '/api/runs/run_7/nodes/loop%5B1%5D.fetch/abort', body: { reason: 'Order was deleted' } });
  });

  it('shows the API refusal (409: not parked) in an error box', async () => {
    postAnswer = {
      status: 409,
      body: { error: { code: 'CONFLICT', message: 'Node "loop[1].fetch" is running; only a parked node can be retried, skipped or aborted' } },
    };
    renderPage();
    const details = await waitFor(() => panel());
    fireEvent.click(within(details).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(within(details).getByText(/only a parked node can be retried/)).toBeTruthy());
    expect(
      within(details)
        .getByText(/only a parked node can be retried/)
        .closest('.error-box'),
    ).toBeTruthy();
    expect((within(details).getByRole('button', { name: 'Retry' }) as HTMLButtonElement).disabled).toBe(false); // can try again
  });

  it('keeps the actions off once a decision is sent, and offers them again when the retried node parks again', async () => {
    decisionsApply = false;
    renderPage();
    fireEvent.click(within(await waitFor(() => panel())).getByRole('button', { name: 'Retry' }));
    expect((await within(panel()).findByRole('status')).textContent).toBe('Retry sent: the step runs again.');
    // The workflow still reports the node parked until it acts on the decision: no second decision meanwhile.
    await waitFor(() => expect(runGets()).toBeGreaterThan(2));
    expect((within(panel()).getByRole('button', { name: 'Retry' }) as HTMLButtonElement).disabled).toBe(true);
    expect((within(panel()).getByRole('button', { name: 'Skip with output' }) as HTMLButtonElement).disabled).toBe(true);

    // The retry ran and failed again: the node is parked anew, with one more decision in its history.
    run = {
      ...run,
      nodes: run.nodes.map((n) =>
        n.key === 'loop[1].fetch'
          ? { ...n, attempts: 6, startedAt: at(6000), endedAt: at(7000), decisions: [...n.decisions!, { action: 'retry', at: at(5000) }] }
          : n,
      ),
    };
    await waitFor(() => expect((within(panel()).getByRole('button', { name: 'Retry' }) as HTMLButtonElement).disabled).toBe(false), { timeout: 3000 });
    expect(within(panel()).queryByRole('status')).toBeNull();
    expect(within(within(panel()).getByRole('region', { name: 'Decisions' })).getAllByText('Retried')).toHaveLength(2);
  });

  it('keeps polling while the run is parked', async () => {
    renderPage();
    await screen.findByRole('region', { name: /parked/ });
    const before = runGets();
    await waitFor(() => expect(runGets()).toBeGreaterThan(before), { timeout: 3000 });
  });
});

describe('RunPage with a failed run', () => {
  it('offers "Retry from failed step": confirms what re-runs, posts /reset, then polls the running run', async () => {
    run = failedRun();
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: 'Retry from failed step' }));
    const asked = await screen.findByRole('dialog', { name: /Retry run run_7 from its failed step/ });
    expect(asked.textContent).toContain('The failed step runs again, and so does anything that was scheduled after it');
    expect(asked.textContent).toContain('Steps that completed keep their results');
    fireEvent.click(within(asked).getByRole('button', { name: 'Retry from the failed step' }));
    await waitFor(() => expect(posts()).toEqual([{ method: 'POST', url: '/api/runs/run_7/reset' }]));

    // The run is running again: the button goes, and the page polls again.
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Retry from failed step' })).toBeNull());
    expect(document.querySelector('.run-title .status')?.textContent).toBe('running');
    const before = runGets();
    await waitFor(() => expect(runGets()).toBeGreaterThan(before), { timeout: 3000 });
  });

  it('shows why a reset was refused', async () => {
    run = failedRun();
    postAnswer = { status: 409, body: { error: { code: 'CONFLICT', message: 'Run "run_7" did not fail in an action, so there is no step to retry from' } } };
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: 'Retry from failed step' }));
    fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Retry from the failed step' }));
    expect(await screen.findByText(/no step to retry from/)).toBeTruthy();
  });

  it('does not offer it for a parked run', async () => {
    renderPage();
    await screen.findByRole('region', { name: /parked/ });
    expect(screen.queryByRole('button', { name: 'Retry from failed step' })).toBeNull();
  });
});
