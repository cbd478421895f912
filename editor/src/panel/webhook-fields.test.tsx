// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { catalog } from '#catalog';
import type { FlowDocument } from '#core/flow';
import { findNode } from '#core/operations';
import { useEditor } from '../store/editor-store';
import { NodePanel } from './node-panel';
import { parseEventList } from './webhook-fields';

const DOC: FlowDocument = {
  schemaVersion: 1,
  trigger: { type: 'manual' },
  nodes: [
    { id: 'create_order', type: 'action', action: 'http.request@1', inputs: { url: 'https://shop.example.com' } },
    { id: 'paid', type: 'waitForWebhook', source: 'stripe', event: 'payment_intent.succeeded', timeout: '1d' },
  ],
  edges: [
    { from: 'trigger', to: 'create_order' },
    { from: 'create_order', to: 'paid' },
  ],
  layout: {},
};

const API: Record<string, unknown> = {
  '/api/secrets': { secrets: [{ name: 'STRIPE_WEBHOOK_SECRET', live: { last4: 'abcd' }, test: null, updatedAt: '' }] },
  '/api/catalog': {
    integrations: [],
    webhookSources: [
      { id: 'stripe', title: 'Stripe', integration: 'stripe', secretVariable: 'STRIPE_WEBHOOK_SECRET', whereToGet: 'Stripe dashboard → Webhooks.' },
      { id: 'github', title: 'GitHub', integration: 'github', secretVariable: 'GITHUB_WEBHOOK_SECRET', whereToGet: 'The webhook settings.' },
      { id: 'hmac', title: 'HMAC', integration: 'webhooks', secretVariable: 'WEBHOOK_HMAC_SECRET', whereToGet: 'Your sender.' },
    ],
  },
  '/api/webhooks/endpoints': {
    endpoints: [
      {
        id: 'whe_1',
        kind: 'trigger',
        flowId: 'flw_1',
        source: 'stripe',
        secrets: ['STRIPE_WEBHOOK_SECRET'],
        urls: { live: 'http://localhost/hooks/live_abc', test: 'http://localhost/hooks/test_abc' },
        createdAt: '',
        disabledAt: null,
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

describe('webhook fields of the node panel', () => {
  it('edits a Wait for webhook node: source, event, match with an expression, timeout', async () => {
    show('paid');
    expect(screen.getByRole('heading', { level: 2 }).textContent).toContain('Wait for webhook');
    await screen.findByRole('option', { name: 'GitHub' });
    fireEvent.change(screen.getByRole('combobox', { name: 'Sender' }), { target: { value: 'github' } });
    fireEvent.change(screen.getByRole('textbox', { name: /Event type/ }), { target: { value: 'issues.opened' } });
    expect(findNode(doc(), 'paid')).toMatchObject({ source: 'github', event: 'issues.opened' });

    fireEvent.change(screen.getByRole('textbox', { name: 'Payload field' }), { target: { value: 'issue.number' } });
    expect(screen.getByText('Enter the value it must equal')).toBeTruthy();
    fireEvent.change(screen.getByRole('combobox', { name: 'Equals' }), { target: { value: 'nodes.create_order.body.number' } });
    expect(findNode(doc(), 'paid')).toMatchObject({ match: { field: 'issue.number', equals: { $expr: 'nodes.create_order.body.number' } } });
    expect(useEditor.getState().problems).toEqual([]);

    fireEvent.change(screen.getByRole('textbox', { name: /Timeout/ }), { target: { value: '2h' } });
    expect(findNode(doc(), 'paid')).toMatchObject({ timeout: '2h' });

    // Emptying both parts removes the match.
    fireEvent.change(screen.getByRole('textbox', { name: 'Payload field' }), { target: { value: '' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Equals' }), { target: { value: '' } });
    expect(findNode(doc(), 'paid')).toMatchObject({ match: undefined });
    expect(JSON.stringify(findNode(doc(), 'paid'))).not.toContain('match');
  });

  it('sets a webhook trigger (sender, secrets, header, events) and shows its published URLs', async () => {
    show('trigger');
    fireEvent.change(screen.getByRole('combobox', { name: 'Starts on' }), { target: { value: 'webhook' } });
    expect(doc().trigger).toEqual({ type: 'webhook', source: 'stripe' });
    expect(await screen.findByText('http://localhost/hooks/live_abc')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Copy the test URL' })).toBeTruthy();
    expect(await screen.findByText(/STRIPE_WEBHOOK_SECRET/, { selector: 'code' })).toBeTruthy();

    const secret = (await screen.findByRole('option', { name: /STRIPE_WEBHOOK_SECRET \(live\)/ })).closest('select')!;
    fireEvent.change(secret, { target: { value: 'STRIPE_WEBHOOK_SECRET' } });
    expect(doc().trigger).toEqual({ type: 'webhook', source: 'stripe', secrets: ['STRIPE_WEBHOOK_SECRET'] });

    fireEvent.change(screen.getByRole('textbox', { name: 'Only these event types' }), { target: { value: 'checkout.session.completed, charge.refunded' } });
    expect(doc().trigger).toMatchObject({ events: ['checkout.session.completed', 'charge.refunded'] });

    fireEvent.change(screen.getByRole('combobox', { name: 'Sender' }), { target: { value: 'hmac' } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Signature header' }), { target: { value: 'x-hub-sig' } });
    expect(doc().trigger).toMatchObject({ type: 'webhook', source: 'hmac', header: 'x-hub-sig' });
    expect(useEditor.getState().problems).toEqual([]);

    fireEvent.change(screen.getByRole('combobox', { name: 'Starts on' }), { target: { value: 'manual' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Starts on' }), { target: { value: 'webhook' } });
    expect(doc().trigger).toMatchObject({ source: 'hmac', header: 'x-hub-sig' });
  });

  it('parses an event list', () => {
    expect(parseEventList(' a.b, c  d ,')).toEqual(['a.b', 'c', 'd']);
    expect(parseEventList(' , ')).toBeUndefined();
  });
});
