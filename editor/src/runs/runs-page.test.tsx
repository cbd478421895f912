// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../api/types';
import { RunsPage } from '../pages/runs-page';

const T0 = new Date(Date.now() - 60_000).toISOString();
const calls: { method: string; url: string; body?: unknown }[] = [];

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function summary(id: string, status: RunSummary['status']): RunSummary {
  return { id, flowId: 'flw_1', version: 2, workflowId: `w_${id}`, mode: 'live', status, createdAt: T0, endedAt: null };
}

beforeEach(() => {
  calls.length = 0;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      calls.push({ method, url, ...(init?.body ? { body: JSON.parse(String(init.body)) } : {}) });
      if (method === 'GET' && url.startsWith('/api/flows?'))
        return json({ flows: [{ id: 'flw_1', name: 'Order paid', publishedVersion: 2, trigger: 'event', event: 'order.paid', updatedAt: T0 }] });
      if (method === 'GET' && url.startsWith('/api/runs?')) {
        const status = new URLSearchParams(url.split('?')[1]).get('status');
        const runs = [summary('run_1', 'parked'), summary('run_2', 'parked'), summary('run_3', 'failed')];
        return json({ runs: status ? runs.filter((r) => r.status === status) : runs });
      }
      if (method === 'POST' && url === '/api/runs/bulk-retry')
        return json({
          matched: 3,
          retried: 2,
          failed: 1,
          results: [
            { runId: 'run_1', ok: true },
            { runId: 'run_2', ok: true },
            { runId: 'run_9', ok: false, error: 'Node "send" is running; only a parked node can be retried' },
          ],
        });
      return json({ error: { code: 'NOT_FOUND', message: `unexpected ${method} ${url}` } }, 404);
    }),
  );
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

function renderPage(flowId?: string) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <RunsPage {...(flowId ? { flowId } : {})} />
    </QueryClientProvider>,
  );
}

const filters = () => screen.getByRole('form', { name: 'Filter runs' });
const choose = (label: string, value: string) => fireEvent.change(within(filters()).getByLabelText(label), { target: { value } });

describe('RunsPage', () => {
  it('filters by the parked status', async () => {
    renderPage();
    await screen.findByRole('link', { name: 'run_3' });
    expect(within(filters()).getByRole('option', { name: 'parked' })).toBeTruthy();
    choose('Status', 'parked');
    await screen.findByRole('link', { name: 'run_1' });
    expect(screen.queryByRole('link', { name: 'run_3' })).toBeNull();
    expect(calls.some((c) => c.url.startsWith('/api/runs?') && c.url.includes('status=parked'))).toBe(true);
    expect(document.querySelectorAll('.runs-table .status.parked')).toHaveLength(2);
  });

  it('filters the runs a schedule started', async () => {
    renderPage();
    await screen.findByRole('link', { name: 'run_3' });
    choose('Started by', 'schedule');
    await waitFor(() => expect(calls.some((c) => c.url.startsWith('/api/runs?') && c.url.includes('trigger=schedule'))).toBe(true));
    expect(within(filters()).getByRole('button', { name: 'Clear filters' })).toBeTruthy();
  });

  it('offers "Retry all" only for parked or failed runs', async () => {
    renderPage();
    await screen.findByRole('link', { name: 'run_1' });
    expect(screen.queryByRole('button', { name: 'Retry all' })).toBeNull();
    choose('Status', 'failed');
    expect(screen.getByRole('button', { name: 'Retry all' })).toBeTruthy();
    choose('Status', 'running');
    expect(screen.queryByRole('button', { name: 'Retry all' })).toBeNull();
    // The bulk retry cannot filter by mode: with a mode chosen it is off, and says why.
    choose('Status', 'parked');
    choose('Mode', 'test');
    expect((screen.getByRole('button', { name: 'Retry all' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText(/cannot filter by mode/)).toBeTruthy();
  });

  it('"Retry all" asks first, posts the current filter and reports the outcome', async () => {
    renderPage('flw_1');
    await screen.findByRole('link', { name: 'run_1' });
    choose('Status', 'parked');
    choose('Started', 'hour');
    const before = Date.now();
    fireEvent.click(screen.getByRole('button', { name: 'Retry all' }));
    fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls.some((c) => c.method === 'POST')).toBe(false); // declined

    fireEvent.click(screen.getByRole('button', { name: 'Retry all' }));
    const asked = await screen.findByRole('dialog', { name: /Retry every parked run of Order paid started in the last hour/ });
    fireEvent.click(within(asked).getByRole('button', { name: 'Retry them' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.url).toBe('/api/runs/bulk-retry');
    const body = post.body as { status: string; flowId: string; from: string };
    expect(body).toEqual({ status: 'parked', flowId: 'flw_1', from: expect.any(String) });
    // The lower bound of "Last hour", as the list uses it.
    expect(Math.abs(Date.parse(body.from) - (before - 3_600_000))).toBeLessThan(5_000);
    expect(calls.some((c) => c.method === 'GET' && c.url.includes(`from=${encodeURIComponent(body.from)}`))).toBe(true);

    expect((await screen.findByRole('status')).textContent).toBe('Retried 2 of 3 (1 failed)');
    expect(screen.getByText(/only a parked node can be retried/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'run_9' })).toBeTruthy();

    // Another filter: the outcome belonged to the previous one.
    choose('Status', 'failed');
    expect(screen.queryByRole('status')).toBeNull();
  });
});
