import { describe, expect, it } from 'vitest';
import type { FlowDocument } from '#core/flow';
import { applyOperations, findNode } from '#core/operations';
import {
  bodyLayout,
  connectOperation,
  copyNodes,
  deleteOperations,
  duplicateOperations,
  freshId,
  layoutOperations,
  moveOperations,
  parentsOf,
  pasteOperations,
  renameReferences,
  withBodyPositions,
} from './edit-ops';

/** trigger → fetch → check (true → notify, false → stop); loop over items with a body: each → log. */
function sample(): FlowDocument {
  return {
    schemaVersion: 1,
    trigger: { type: 'manual' },
    nodes: [
      { id: 'fetch', type: 'action', action: 'http.request@1', inputs: { url: 'https://example.com' } },
      { id: 'check', type: 'condition', condition: 'nodes.fetch.status = 200' },
      { id: 'notify', type: 'action', action: 'http.request@1', inputs: { url: { $expr: 'nodes.fetch.body.url & nodes.check' } } },
      { id: 'stop', type: 'end' },
      {
        id: 'loop',
        type: 'forEach',
        items: 'nodes.fetch.body.items',
        concurrency: 1,
        body: {
          nodes: [
            { id: 'each', type: 'action', action: 'http.request@1', inputs: { url: { $expr: 'item.url' } } },
            { id: 'log', type: 'delay', duration: '1s' },
          ],
          edges: [
            { from: 'loop', to: 'each' },
            { from: 'each', to: 'log' },
          ],
        },
      },
    ],
    edges: [
      { from: 'trigger', to: 'fetch' },
      { from: 'fetch', to: 'check' },
      { from: 'check', to: 'notify', branch: 'true' },
      { from: 'check', to: 'stop', branch: 'false' },
      { from: 'notify', to: 'loop' },
    ],
    layout: {
      trigger: { x: 0, y: 0 },
      fetch: { x: 0, y: 120 },
      check: { x: 0, y: 240 },
      notify: { x: -150, y: 360 },
      stop: { x: 150, y: 360 },
      loop: { x: 0, y: 480 },
      each: { x: 40, y: 60 },
      log: { x: 40, y: 160 },
    },
  };
}

describe('connectOperation', () => {
  const parents = parentsOf(sample());

  it('connects top-level nodes, with the branch of the source handle', () => {
    expect(connectOperation(parents, { source: 'check', target: 'stop', sourceHandle: 'false' })).toEqual({
      op: { type: 'connect', edge: { from: 'check', to: 'stop', branch: 'false' } },
    });
    expect(connectOperation(parents, { source: 'trigger', target: 'fetch', sourceHandle: 'out' })).toEqual({
      op: { type: 'connect', edge: { from: 'trigger', to: 'fetch' } },
    });
    expect(connectOperation(parents, { source: 'fetch', target: 'check', sourceHandle: null })).toEqual({
      op: { type: 'connect', edge: { from: 'fetch', to: 'check' } },
    });
  });

  it('connects inside a forEach body with parentId, and the forEach to the start of its body', () => {
    expect(connectOperation(parents, { source: 'each', target: 'log', sourceHandle: 'out' })).toEqual({
      op: { type: 'connect', edge: { from: 'each', to: 'log' }, parentId: 'loop' },
    });
    expect(connectOperation(parents, { source: 'loop', target: 'log', sourceHandle: 'body' })).toEqual({
      op: { type: 'connect', edge: { from: 'loop', to: 'log' }, parentId: 'loop' },
    });
    // From the "done" handle into its own body: still the start of the body.
    expect(connectOperation(parents, { source: 'loop', target: 'each', sourceHandle: 'out' })).toMatchObject({ op: { parentId: 'loop' } });
  });

  it('refuses what cannot be an edge', () => {
    expect(connectOperation(parents, { source: 'fetch', target: 'trigger' })).toHaveProperty('error');
    expect(connectOperation(parents, { source: 'fetch', target: 'fetch' })).toHaveProperty('error');
    expect(connectOperation(parents, { source: 'fetch', target: 'each' })).toHaveProperty('error');
    expect(connectOperation(parents, { source: 'each', target: 'stop' })).toHaveProperty('error');
    expect(connectOperation(parents, { source: 'loop', target: 'stop', sourceHandle: 'body' })).toHaveProperty('error');
    expect(connectOperation(parents, { source: 'ghost', target: 'stop' })).toHaveProperty('error');
    expect(connectOperation(parents, { source: null, target: 'stop' })).toHaveProperty('error');
  });

  it('builds operations the document accepts', () => {
    const doc = sample();
    const r = connectOperation(parentsOf(doc), { source: 'stop', target: 'notify' });
    expect('op' in r).toBe(true);
    if ('op' in r) expect(applyOperations(doc, [r.op]).edges).toContainEqual({ from: 'stop', to: 'notify' });
  });
});

describe('deleteOperations', () => {
  it('removes nodes, never the trigger, and disconnects only the edges that survive them', () => {
    const doc = sample();
    const ops = deleteOperations(
      doc,
      ['trigger', 'stop'],
      [
        { edge: { from: 'check', to: 'stop', branch: 'false' }, parentId: null },
        { edge: { from: 'fetch', to: 'check' }, parentId: null },
        { edge: { from: 'fetch', to: 'check' }, parentId: null },
      ],
    );
    expect(ops).toEqual([
      { type: 'disconnect', edge: { from: 'fetch', to: 'check' } },
      { type: 'removeNode', nodeId: 'stop' },
    ]);
    const next = applyOperations(doc, ops);
    expect(findNode(next, 'stop')).toBeUndefined();
    expect(next.edges).not.toContainEqual({ from: 'fetch', to: 'check' });
  });

  it('removes a forEach with its body in one operation and disconnects inside bodies with parentId', () => {
    const doc = sample();
    expect(deleteOperations(doc, ['loop', 'each'], [{ edge: { from: 'each', to: 'log' }, parentId: 'loop' }])).toEqual([
      { type: 'removeNode', nodeId: 'loop' },
    ]);
    const ops = deleteOperations(doc, [], [{ edge: { from: 'each', to: 'log' }, parentId: 'loop' }]);
    expect(ops).toEqual([{ type: 'disconnect', edge: { from: 'each', to: 'log' }, parentId: 'loop' }]);
    expect(() => applyOperations(doc, ops)).not.toThrow();
  });
});

describe('moveOperations and layoutOperations', () => {
  it('rounds positions and skips what did not move', () => {
    const doc = sample();
    expect(
      moveOperations(doc, [
        { id: 'fetch', position: { x: 0.2, y: 119.8 } },
        { id: 'check', position: { x: 10.6, y: 240 } },
      ]),
    ).toEqual([{ type: 'moveNode', nodeId: 'check', position: { x: 11, y: 240 } }]);
  });

  it('lays out the top level and the bodies as moveNode operations', () => {
    const doc = sample();
    const ops = layoutOperations(doc);
    expect(ops.every((o) => o.type === 'moveNode')).toBe(true);
    const next = applyOperations(doc, ops);
    expect(layoutOperations(next)).toEqual([]);
    // A body is laid out in rows from its start.
    expect(next.layout.each).toEqual({ x: 40, y: 64 });
    expect(next.layout.log).toEqual({ x: 40, y: 164 });
    expect(next.layout.trigger!.y).toBeLessThan(next.layout.fetch!.y);
  });

  it('gives body nodes without a position a place below the group header (and nothing else)', () => {
    const doc = sample();
    expect(withBodyPositions(doc)).toBe(doc);
    const { each: _each, log: _log, ...rest } = doc.layout;
    const bare = { ...doc, layout: rest };
    const filled = withBodyPositions(bare);
    expect(filled.layout.each).toEqual({ x: 40, y: 64 });
    expect(filled.layout.log).toEqual({ x: 40, y: 164 });
    expect(filled.layout.fetch).toBe(doc.layout.fetch);
    expect(bodyLayout({ ...bare, layout: { ...rest, each: { x: 1, y: 2 } } }).each).toEqual({ x: 1, y: 2 });
  });
});

describe('clipboard', () => {
  it('freshId continues a numbered id', () => {
    const used = new Set(['send', 'send_2', 'x']);
    expect(freshId(used, 'send')).toBe('send_3');
    expect(freshId(used, 'send_2')).toBe('send_3');
    expect(freshId(used, 'other')).toBe('other');
    expect(freshId(used, 'my-step')).toBe('my_step');
  });

  it('renames references to copied nodes in expressions', () => {
    const rename = new Map([
      ['fetch', 'fetch_2'],
      ['a-b', 'a_b'],
    ]);
    expect(renameReferences('nodes.fetch.status = 200 and nodes.fetcher.x', rename)).toBe('nodes.fetch_2.status = 200 and nodes.fetcher.x');
    expect(renameReferences('nodes.`a-b`.x', rename)).toBe('nodes.`a_b`.x');
  });

  it('duplicates a node 40px down and right with a new id', () => {
    const doc = sample();
    const { ops, ids } = duplicateOperations(doc, ['fetch']);
    expect(ids).toEqual(['fetch_2']);
    expect(ops).toEqual([
      {
        type: 'addNode',
        node: { id: 'fetch_2', type: 'action', action: 'http.request@1', inputs: { url: 'https://example.com' } },
        position: { x: 40, y: 160 },
      },
    ]);
    expect(findNode(applyOperations(doc, ops), 'fetch_2')).toBeDefined();
  });

  it('copies the selected nodes with the edges between them and rewires them on paste', () => {
    const doc = sample();
    const clip = copyNodes(doc, ['trigger', 'fetch', 'check', 'notify'])!;
    expect(clip.nodes.map((n) => n.node.id)).toEqual(['fetch', 'check', 'notify']);
    expect(clip.edges.map((e) => e.edge)).toEqual([
      { from: 'fetch', to: 'check' },
      { from: 'check', to: 'notify', branch: 'true' },
    ]);
    const { ops, ids } = pasteOperations(doc, clip, { x: 100, y: 0 });
    expect(ids).toEqual(['fetch_2', 'check_2', 'notify_2']);
    const next = applyOperations(doc, ops);
    expect(next.edges).toContainEqual({ from: 'fetch_2', to: 'check_2' });
    expect(next.edges).toContainEqual({ from: 'check_2', to: 'notify_2', branch: 'true' });
    expect(findNode(next, 'check_2')).toMatchObject({ condition: 'nodes.fetch_2.status = 200' });
    // Every copied node named in an expression follows its copy.
    expect(findNode(next, 'notify_2')).toMatchObject({ inputs: { url: { $expr: 'nodes.fetch_2.body.url & nodes.check_2' } } });
    expect(next.layout.notify_2).toEqual({ x: -50, y: 360 });
    const alone = pasteOperations(doc, copyNodes(doc, ['notify'])!, { x: 0, y: 0 });
    expect(alone.ops[0]).toMatchObject({ node: { inputs: { url: { $expr: 'nodes.fetch.body.url & nodes.check' } } } });
    // Pasting twice gives fresh ids again.
    const again = pasteOperations(next, clip, { x: 200, y: 0 });
    expect(again.ids).toEqual(['fetch_3', 'check_3', 'notify_3']);
    expect(() => applyOperations(next, again.ops)).not.toThrow();
  });

  it('copies a forEach with its body (fresh ids inside, body edges and layout kept)', () => {
    const doc = sample();
    const { ops, ids } = duplicateOperations(doc, ['loop', 'each']);
    expect(ids).toEqual(['loop_2']);
    const next = applyOperations(doc, ops);
    const copy = findNode(next, 'loop_2');
    expect(copy).toMatchObject({
      type: 'forEach',
      items: 'nodes.fetch.body.items',
      body: {
        nodes: [{ id: 'each_2' }, { id: 'log_2' }],
        edges: [
          { from: 'loop_2', to: 'each_2' },
          { from: 'each_2', to: 'log_2' },
        ],
      },
    });
    expect(next.layout.each_2).toEqual({ x: 40, y: 60 });
    expect(next.layout.loop_2).toEqual({ x: 40, y: 520 });
  });

  it('pastes a body node back into its forEach, or at the top level when the forEach is gone', () => {
    const doc = sample();
    const clip = copyNodes(doc, ['each', 'log'])!;
    expect(clip.edges).toEqual([{ edge: { from: 'each', to: 'log' }, parentId: 'loop' }]);
    const inBody = pasteOperations(doc, clip, { x: 40, y: 40 });
    expect(inBody.ops[0]).toMatchObject({ type: 'addNode', parentId: 'loop' });
    const next = applyOperations(doc, inBody.ops);
    expect(findNode(next, 'loop')).toMatchObject({ body: { edges: expect.arrayContaining([{ from: 'each_2', to: 'log_2' }]) } });

    const withoutLoop = applyOperations(doc, [{ type: 'removeNode', nodeId: 'loop' }]);
    const top = pasteOperations(withoutLoop, clip, { x: 40, y: 40 });
    expect(top.ops[0]).not.toHaveProperty('parentId');
    expect(applyOperations(withoutLoop, top.ops).edges).toContainEqual({ from: 'each', to: 'log' });
  });

  it('copies nothing from an empty or trigger-only selection', () => {
    expect(copyNodes(sample(), ['trigger'])).toBeNull();
    expect(duplicateOperations(sample(), [])).toEqual({ ops: [], ids: [] });
  });
});
