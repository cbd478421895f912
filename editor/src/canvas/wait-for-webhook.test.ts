import { describe, expect, it } from 'vitest';
import { catalog } from '#catalog';
import type { FlowDocument } from '#core/flow';
import { applyOperations, findNode } from '#core/operations';
import { validateFlow } from '#core/validate';
import { toCanvas, triggerSubtitle } from '../graph/canvas-model';
import { newNode, paletteGroups } from '../graph/palette';
import { expressionSuggestions } from '../graph/suggestions';
import { connectOperation, duplicateOperations, parentsOf } from './edit-ops';

/** trigger → create_order, and nothing else yet: the wait node is added by the tests. */
function base(): FlowDocument {
  return {
    schemaVersion: 1,
    trigger: { type: 'manual' },
    nodes: [{ id: 'create_order', type: 'action', action: 'http.request@1', inputs: { url: 'https://shop.example.com/orders', method: 'POST' } }],
    edges: [{ from: 'trigger', to: 'create_order' }],
    layout: {},
  };
}

const index = { getAction: (ref: string) => catalog.actions.find((a) => a.ref === ref) };

describe('the Wait for webhook node in the editor', () => {
  it('is in the palette and creates a valid node with its defaults', () => {
    const logic = paletteGroups(catalog.actions).find((g) => g.title === 'Logic')!;
    const item = logic.items.find((i) => i.kind === 'logic' && i.nodeType === 'waitForWebhook');
    expect(item).toMatchObject({ title: 'Wait for webhook' });
    expect(paletteGroups(catalog.actions, 'webhook').flatMap((g) => g.items.map((i) => i.title))).toEqual(
      expect.arrayContaining(['Wait for webhook', 'Webhook']),
    );

    const node = newNode(base(), item as Extract<typeof item, { kind: 'logic' }>, catalog.actions);
    expect(node).toEqual({ id: 'wait_for_webhook', type: 'waitForWebhook', source: 'stripe', event: 'payment_intent.succeeded', timeout: '1d' });
    const doc = applyOperations(base(), [
      { type: 'addNode', node, position: { x: 0, y: 200 } },
      { type: 'connect', edge: { from: 'create_order', to: node.id } },
    ]);
    expect(validateFlow(doc, index)).toEqual([]);
  });

  it('draws two outputs, received (unlabelled) and timeout, and connects the timeout branch', () => {
    let doc = applyOperations(base(), [
      { type: 'addNode', node: { id: 'paid', type: 'waitForWebhook', source: 'stripe', event: 'payment_intent.succeeded', timeout: '2h' } },
      { type: 'addNode', node: { id: 'ship', type: 'end' } },
      { type: 'addNode', node: { id: 'cancel', type: 'end' } },
      { type: 'connect', edge: { from: 'create_order', to: 'paid' } },
    ]);
    const parents = parentsOf(doc);
    const received = connectOperation(parents, { source: 'paid', target: 'ship', sourceHandle: 'out' });
    const timeout = connectOperation(parents, { source: 'paid', target: 'cancel', sourceHandle: 'timeout' });
    expect(received).toEqual({ op: { type: 'connect', edge: { from: 'paid', to: 'ship' } } });
    expect(timeout).toEqual({ op: { type: 'connect', edge: { from: 'paid', to: 'cancel', branch: 'timeout' } } });
    doc = applyOperations(doc, ['op' in received ? received.op : [], 'op' in timeout ? timeout.op : []].flat());
    expect(validateFlow(doc, index)).toEqual([]);

    const { nodes, edges } = toCanvas(doc, { actions: catalog.actions });
    const paid = nodes.find((n) => n.id === 'paid')!;
    expect(paid.type).toBe('waitForWebhook');
    expect(paid.data).toMatchObject({ kind: 'waitForWebhook', title: 'Wait for webhook', outputs: [null, 'timeout'] });
    expect(paid.data.subtitle).toContain('payment_intent.succeeded');
    expect(edges.find((e) => e.target === 'cancel')).toMatchObject({ sourceHandle: 'timeout', label: 'timeout', data: { branch: 'timeout' } });
    expect(edges.find((e) => e.target === 'ship')).toMatchObject({ sourceHandle: 'out', data: { branch: null } });

    // Any other branch name is a problem the validator names.
    const wrong = applyOperations(doc, [{ type: 'connect', edge: { from: 'paid', to: 'ship', branch: 'error' } }]);
    expect(validateFlow(wrong, index).length).toBeGreaterThan(0);
  });

  it('offers the node output to later steps, and a duplicate renames the references in its match', () => {
    const doc = applyOperations(base(), [
      {
        type: 'addNode',
        node: {
          id: 'paid',
          type: 'waitForWebhook',
          source: 'stripe',
          event: 'payment_intent.succeeded',
          timeout: '1d',
          match: { field: 'data.object.metadata.order_id', equals: { $expr: 'nodes.create_order.body.id' } },
        },
      },
      { type: 'addNode', node: { id: 'done', type: 'end' } },
      { type: 'connect', edge: { from: 'create_order', to: 'paid' } },
      { type: 'connect', edge: { from: 'paid', to: 'done' } },
    ]);
    expect(validateFlow(doc, index)).toEqual([]);
    expect(expressionSuggestions(doc, 'done', catalog.actions).map((s) => s.path)).toEqual(
      expect.arrayContaining(['nodes.paid.received', 'nodes.paid.eventType', 'nodes.paid.event']),
    );

    const { ops, ids } = duplicateOperations(doc, ['create_order', 'paid']);
    const copied = findNode(applyOperations(doc, ops), ids[1]!);
    expect(copied).toMatchObject({ id: 'paid_2', match: { field: 'data.object.metadata.order_id', equals: { $expr: 'nodes.create_order_2.body.id' } } });
  });

  it('describes a webhook trigger on the canvas', () => {
    expect(triggerSubtitle({ type: 'webhook', source: 'github', events: ['issues.opened', 'push'] })).toBe('github webhook · issues.opened, push');
    expect(triggerSubtitle({ type: 'webhook', source: 'stripe' })).toBe('stripe webhook');
  });
});
