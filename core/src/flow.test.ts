import { describe, expect, it } from 'vitest';
import { allowedBranches, durationMs, FlowDocument, NodeId, SCHEMA_VERSION, toSnapshot, walkNodes, type FlowNode } from './flow';

const base = { trigger: { type: 'manual' }, edges: [] };

/** The paths of the issues a document parse reports. */
function issuePaths(input: unknown): (string | number)[][] {
  const result = FlowDocument.safeParse(input);
  expect(result.success).toBe(false);
  return result.error!.issues.map((i) => i.path as (string | number)[]);
}

describe('FlowDocument', () => {
  it('fills defaults: schemaVersion, layout, inputs and concurrency', () => {
    const doc = FlowDocument.parse({
      ...base,
      nodes: [
        { id: 'fetch', type: 'action', action: 'http.request@1' },
        { id: 'loop', type: 'forEach', items: 'trigger.list', body: { nodes: [], edges: [] } },
      ],
    });
    expect(doc.schemaVersion).toBe(SCHEMA_VERSION);
    expect(doc.layout).toEqual({});
    expect(doc.nodes[0]).toMatchObject({ inputs: {} });
    expect(doc.nodes[1]).toMatchObject({ concurrency: 1 });
  });

  it('reports errors at the JSON path of the bad field', () => {
    expect(issuePaths({ ...base, nodes: [{ id: 'a', type: 'action', action: 'HTTP request' }] })).toEqual([['nodes', 0, 'action']]);
    expect(
      issuePaths({
        ...base,
        nodes: [
          { id: 'ok', type: 'end' },
          { id: 'a', type: 'delay', duration: 'soon' },
        ],
      }),
    ).toEqual([['nodes', 1, 'duration']]);
    expect(issuePaths({ ...base, nodes: [{ id: 'a', type: 'condition', condition: '' }] })).toEqual([['nodes', 0, 'condition']]);
    expect(issuePaths({ ...base, nodes: [{ id: 'a', type: 'switch', value: 'x', cases: [] }] })).toEqual([['nodes', 0, 'cases']]);
  });

  it('reports errors inside forEach bodies with the full path', () => {
    const body = { nodes: [{ id: 'inner', type: 'action', action: 'nope' }], edges: [] };
    expect(issuePaths({ ...base, nodes: [{ id: 'loop', type: 'forEach', items: 'x', body }] })).toEqual([['nodes', 0, 'body', 'nodes', 0, 'action']]);
  });

  it('reports trigger, edge and layout errors at their paths', () => {
    const paths = issuePaths({ trigger: { type: 'event', event: 'has spaces' }, nodes: [], edges: [{ from: '', to: 'a' }], layout: { a: { x: 1 } } });
    expect(paths).toEqual([
      ['trigger', 'event'],
      ['edges', 0, 'from'],
      ['layout', 'a', 'y'],
    ]);
  });

  it('refuses unknown keys (objects are strict)', () => {
    const result = FlowDocument.safeParse({ ...base, nodes: [{ id: 'a', type: 'end', colour: 'red' }] });
    expect(result.success).toBe(false);
    expect(FlowDocument.safeParse({ ...base, nodes: [], extra: true }).success).toBe(false);
  });

  it('refuses an unknown node type and a wrong schema version', () => {
    expect(issuePaths({ ...base, nodes: [{ id: 'a', type: 'teleport' }] })).toEqual([['nodes', 0]]);
    expect(issuePaths({ ...base, nodes: [], schemaVersion: 2 })).toEqual([['schemaVersion']]);
  });
});

describe('NodeId', () => {
  it.each(['fetch', '_private', 'step-2', 'A_b-9', 'x'.repeat(64)])('accepts %s', (id) => {
    expect(NodeId.safeParse(id).success).toBe(true);
  });

  it.each(['', '2fast', '-dash', 'has space', 'dot.ted', 'nodes/x', 'é', 'x'.repeat(65)])('rejects %j', (id) => {
    expect(NodeId.safeParse(id).success).toBe(false);
  });

  it('rejects the reserved id "trigger", with a message saying so', () => {
    const result = NodeId.safeParse('trigger');
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toMatch(/reserved/);
    expect(issuePaths({ ...base, nodes: [{ id: 'trigger', type: 'end' }] })).toEqual([['nodes', 0, 'id']]);
  });
});

describe('durationMs', () => {
  it.each([
    ['250ms', 250],
    ['5s', 5_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1.5s', 1_500],
    ['0.5m', 30_000],
    ['3 s', 3_000],
    [1234, 1234],
    [0, 0],
  ] as const)('%j is %d ms', (input, ms) => {
    expect(durationMs(input)).toBe(ms);
  });

  it('throws on something that is not a duration', () => {
    expect(() => durationMs('5 minutes')).toThrow(/Not a duration/);
    expect(() => durationMs('s')).toThrow(/Not a duration/);
  });
});

describe('toSnapshot', () => {
  it('strips the layout and keeps the semantics', () => {
    const doc = FlowDocument.parse({
      ...base,
      nodes: [{ id: 'done', type: 'end' }],
      edges: [{ from: 'trigger', to: 'done' }],
      layout: { done: { x: 1, y: 2 } },
    });
    const snapshot = toSnapshot(doc);
    expect(snapshot).not.toHaveProperty('layout');
    expect(snapshot).toEqual({ schemaVersion: 1, trigger: { type: 'manual' }, nodes: doc.nodes, edges: doc.edges });
    expect(doc.layout).toEqual({ done: { x: 1, y: 2 } });
  });
});

describe('walkNodes and allowedBranches', () => {
  it('walks nested forEach bodies with their parent', () => {
    const doc = FlowDocument.parse({
      ...base,
      nodes: [
        {
          id: 'outer',
          type: 'forEach',
          items: 'x',
          body: { nodes: [{ id: 'inner', type: 'forEach', items: 'item', body: { nodes: [{ id: 'leaf', type: 'end' }], edges: [] } }], edges: [] },
        },
        { id: 'after', type: 'end' },
      ],
    });
    expect([...walkNodes(doc)].map(({ node, parent }) => [node.id, parent?.id])).toEqual([
      ['outer', undefined],
      ['inner', 'outer'],
      ['leaf', 'inner'],
      ['after', undefined],
    ]);
  });

  it('lists the branches each node type takes', () => {
    const node = (n: object) => n as FlowNode;
    expect(allowedBranches(node({ id: 'c', type: 'condition', condition: 'x' }))).toEqual(['true', 'false']);
    expect(allowedBranches(node({ id: 's', type: 'switch', value: 'x', cases: ['a', 'b'] }))).toEqual(['a', 'b', 'default']);
    expect(allowedBranches(node({ id: 'a', type: 'action', action: 'http.request@1', inputs: {} }))).toEqual([undefined]);
    expect(allowedBranches(node({ id: 'a', type: 'action', action: 'http.request@1', inputs: {}, onError: 'branch' }))).toEqual([undefined, 'error']);
    expect(allowedBranches(node({ id: 'e', type: 'end' }))).toEqual([]);
    expect(allowedBranches(node({ id: 'd', type: 'delay', duration: '1s' }))).toEqual([undefined]);
  });
});
