// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebhookDelivery, WebhookEndpoint } from '../api/types';
import { WebhooksPage } from './webhooks-page';

const T0 = new Date(Date.now() - 60_000).toISOString();
const calls: { method: string; url: string; body?: unknown }[] = [];

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

const ENDPOINTS: WebhookEndpoint[] = [
  {
    id: 'whe_1',
    kind: 'trigger',
    flowId: 'flw_1',
    source: 'stripe',
    secrets: ['STRIPE_WEBHOOK_SECRET'],
    urls: { live: 'http://localhost/hooks/live_abc', test: 'http://localhost/hooks/test_abc' },
    createdAt: T0,
    disabledAt: null,
  },
  {
    id: 'whe_2',
    kind: 'inbox',
    flowId: null,
    source: 'github',
    secrets: ['GITHUB_WEBHOOK_SECRET'],
    urls: { live: 'http://localhost/hooks/live_gh', test: 'http://localhost/hooks/test_gh' },
    createdAt: T0,
    disabledAt: null,
  },
];

function delivery(id: string, patch: Partial<WebhookDelivery> = {}): WebhookDelivery {
  return {
    id,
    endpointId: 'whe_1',
    mode: 'live',
    receivedAt: T0,
    verified: true,
    status: 'delivered',
    error: null,
    eventId: 'evt_1',
    eventType: 'payment_intent.succeeded',
    duplicateOf: null,
    runId: 'run_1',
    waitId: null,
    latencyMs: 12.5,
    ...patch,
  };
}

const DELIVERIES = [
  delivery('whd_1'),
  delivery('whd_2', { status: 'duplicate', duplicateOf: 'whd_1', runId: null }),
  delivery('whd_3', { endpointId: 'whe_2', status: 'unmatched', eventType: 'issues.opened', runId: null, mode: 'test' }),
];

beforeEach(() => {
  calls.length = 0;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      calls.push({ method, url, ...(init?.body ? { body: JSON.parse(String(init.body)) } : {}) });
      if (method === 'GET' && url === '/api/webhooks/endpoints') return json({ endpoints: ENDPOINTS });
      if (method === 'GET' && url.startsWith('/api/flows?')) return json({ flows: [{ id: 'flw_1', name: 'Order paid' }] });
      if (method === 'GET' && url === '/api/catalog')
        return json({
          integrations: [],
          webhookSources: [
            { id: 'stripe', title: 'Stripe', integration: 'stripe', secretVariable: 'STRIPE_WEBHOOK_SECRET', whereToGet: 'Stripe dashboard → Webhooks.' },
            { id: 'github', title: 'GitHub', integration: 'github', secretVariable: 'GITHUB_WEBHOOK_SECRET', whereToGet: 'The webhook settings.' },
          ],
        });
      if (method === 'GET' && url === '/api/secrets') return json({ secrets: [] });
      if (method === 'GET' && url.startsWith('/api/webhooks/deliveries?')) {
        const q = new URLSearchParams(url.split('?')[1]);
        return json({
          deliveries: DELIVERIES.filter(
            (d) => (!q.get('status') || d.status === q.get('status')) && (!q.get('endpointId') || d.endpointId === q.get('endpointId')),
          ),
        });
      }
      if (method === 'GET' && url === '/api/webhooks/deliveries/whd_2')
        return json({
          ...DELIVERIES[1],
          headers: { 'content-type': 'application/json', 'user-agent': 'Stripe/1.0' },
          body: '{"id":"evt_1","type":"payment_intent.succeeded"}',
        });
      if (method === 'POST' && url === '/api/webhooks/deliveries/whd_2/replay')
        return json({ error: { code: 'FORBIDDEN', message: 'A test key cannot replay a live delivery: use the live key' } }, 403);
      if (method === 'POST' && url === '/api/webhooks/inboxes') return json({ ...ENDPOINTS[0], id: 'whe_3', kind: 'inbox', flowId: null }, 201);
      if (method === 'DELETE' && url === '/api/webhooks/endpoints/whe_2') return new Response(null, { status: 204 });
      return json({ error: { code: 'NOT_FOUND', message: `unexpected ${method} ${url}` } }, 404);
    }),
  );
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

function renderPage(deliveryId?: string) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <WebhooksPage {...(deliveryId ? { deliveryId } : {})} />
    </QueryClientProvider>,
  );
}

describe('WebhooksPage', () => {
  it('lists the endpoints with their URLs, creates an inbox and disables an endpoint', async () => {
    renderPage();
    expect(await screen.findByText('http://localhost/hooks/live_abc')).toBeTruthy();
    expect(screen.getByText('http://localhost/hooks/test_gh')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Order paid' }).getAttribute('href')).toBe('#/flows/flw_1');
    expect(screen.getAllByRole('button', { name: 'Copy the live URL' })).toHaveLength(2);

    await screen.findByRole('option', { name: 'GitHub (has an inbox)' });
    fireEvent.change(screen.getByRole('combobox', { name: 'Sender' }), { target: { value: 'stripe' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create inbox' }));
    await waitFor(() => expect(calls).toContainEqual({ method: 'POST', url: '/api/webhooks/inboxes', body: { source: 'stripe' } }));

    fireEvent.click(screen.getByRole('button', { name: 'Disable github inbox' }));
    fireEvent.click(within(await screen.findByRole('dialog', { name: /Disable the github inbox/ })).getByRole('button', { name: 'Disable' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.url === '/api/webhooks/endpoints/whe_2')).toBe(true));
  });

  it('filters the delivery log by status, including unmatched', async () => {
    renderPage();
    const table = await screen.findByRole('table', { name: 'Deliveries, newest first' });
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(4));
    fireEvent.change(screen.getByRole('combobox', { name: 'Status' }), { target: { value: 'unmatched' } });
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Deliveries, newest first' })).getAllByRole('row')).toHaveLength(2));
    expect(calls.some((c) => c.url.includes('status=unmatched'))).toBe(true);
    expect(screen.getByRole('link', { name: 'whd_3' }).getAttribute('href')).toBe('#/webhooks/deliveries/whd_3');
    expect(screen.getByText('issues.opened')).toBeTruthy();
  });

  it('shows a delivery (headers, body, dedupe) and the API error when a replay is refused', async () => {
    renderPage('whd_2');
    const detail = await screen.findByRole('complementary', { name: /Delivery whd_2/ });
    expect(await within(detail).findByText('user-agent')).toBeTruthy();
    expect(within(detail).getByText(/"type": "payment_intent.succeeded"/)).toBeTruthy();
    expect(within(detail).getByRole('link', { name: 'whd_1' }).getAttribute('href')).toBe('#/webhooks/deliveries/whd_1');
    expect(within(detail).getByText('✓ verified')).toBeTruthy();

    fireEvent.click(within(detail).getByRole('button', { name: 'Replay' }));
    expect((await within(detail).findByRole('alert')).textContent).toContain('A test key cannot replay a live delivery');
  });
});
