import { describe, expect, it } from 'vitest';
import { diffFlows } from './flow-diff';
import type { FlowSnapshot } from './flow';

const base: FlowSnapshot = {
  schemaVersion: 1,
  trigger: { type: 'event', event: 'user.signed_up' },
  nodes: [
    { id: 'fetch', type: 'action', action: 'http.request@1', inputs: { url: 'https://a.example', method: 'GET' } },
    { id: 'check', type: 'condition', condition: 'nodes.fetch.status = 200' },
    {
      id: 'each',
      type: 'forEach',
      items: 'trigger.data.items',
      body: {
        nodes: [{ id: 'inner', type: 'action', action: 'http.request@1', inputs: { url: 'https://b.example' } }],
        edges: [{ from: 'each', to: 'inner' }],
      },
    },
  ],
  edges: [
    { from: 'trigger', to: 'fetch' },
    { from: 'fetch', to: 'check' },
    { from: 'check', to: 'each', branch: 'true' },
  ],
} as FlowSnapshot;

describe('diffFlows', () => {
  it('a first publish: every node and edge is added', () => {
    const d = diffFlows(undefined, base);
    expect(d.nodes.map((n) => [n.nodeId, n.change])).toEqual([
      ['fetch', 'added'],
      ['check', 'added'],
      ['each', 'added'],
      ['inner', 'added'],
    ]);
    expect(d.edges.added).toContain('check → each [true]');
    expect(d.same).toBe(false);
  });

  it('the same flow, keys in another order, is the same', () => {
    const copy = JSON.parse(JSON.stringify(base)) as FlowSnapshot;
    const fetch = copy.nodes[0] as { inputs: Record<string, unknown> };
    fetch.inputs = { method: 'GET', url: 'https://a.example' };
    expect(diffFlows(base, copy)).toEqual({ trigger: [], nodes: [], edges: { added: [], removed: [] }, same: true });
  });

  it('names inputs one by one, other settings by name, forEach bodies included, and removed nodes and edges', () => {
    const next = JSON.parse(JSON.stringify(base)) as FlowSnapshot & { nodes: Record<string, unknown>[] };
    (next.nodes[0]!.inputs as Record<string, unknown>).url = { $expr: 'trigger.data.url' };
    next.nodes[0]!.timeout = '30s';
    ((next.nodes[2]!.body as { nodes: { inputs: Record<string, unknown> }[] }).nodes[0]!.inputs as Record<string, unknown>).body = { a: 1 };
    next.nodes.splice(1, 1);
    next.edges = [
      { from: 'trigger', to: 'fetch' },
      { from: 'fetch', to: 'each' },
    ];
    (next.trigger as Record<string, unknown>).event = 'user.created';
    const d = diffFlows(base, next);
    expect(d.trigger).toEqual(['event']);
    expect(d.nodes).toEqual([
      { nodeId: 'fetch', change: 'changed', fields: ['inputs.url', 'timeout'] },
      { nodeId: 'inner', change: 'changed', fields: ['inputs.body'] },
      { nodeId: 'check', change: 'removed' },
    ]);
    expect(d.edges).toEqual({ added: ['fetch → each'], removed: ['fetch → check', 'check → each [true]'] });
  });
});
