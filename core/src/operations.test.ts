import { describe, expect, it } from 'vitest';
import { FlowDocument, type FlowEdge, type FlowNode, type ForEachNode } from './flow';
import { applyOperation, applyOperations, findNode, OperationError, type FlowOperation } from './operations';

type UpdateNode = Extract<FlowOperation, { type: 'updateNode' }>;

/** Freezes a value and everything in it, so any mutation by an operation throws (ESM code is strict). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const fetchNode: FlowNode = { id: 'fetch', type: 'action', action: 'http.request@1', inputs: { url: 'https://api.example.com' } };
const okNode: FlowNode = { id: 'ok', type: 'condition', condition: 'nodes.fetch.status = 200' };
const loopNode: ForEachNode = {
  id: 'loop',
  type: 'forEach',
  items: 'nodes.fetch.body',
  concurrency: 1,
  body: {
    nodes: [
      { id: 'shape', type: 'action', action: 'data.transform@1', inputs: { data: { $expr: 'item' }, expression: 'data' } },
      { id: 'pause', type: 'delay', duration: '1s' },
    ],
    edges: [
      { from: 'loop', to: 'shape' },
      { from: 'shape', to: 'pause' },
    ],
  },
};

/** trigger → fetch → ok —true→ loop { shape → pause }, laid out; deep-frozen. */
function sampleDoc(): FlowDocument {
  return deepFreeze(
    FlowDocument.parse({
      trigger: { type: 'event', event: 'order.created' },
      nodes: [fetchNode, okNode, loopNode],
      edges: [
        { from: 'trigger', to: 'fetch' },
        { from: 'fetch', to: 'ok' },
        { from: 'ok', to: 'loop', branch: 'true' },
      ],
      layout: { fetch: { x: 0, y: 0 }, ok: { x: 0, y: 100 }, loop: { x: 0, y: 200 }, shape: { x: 20, y: 220 } },
    }),
  );
}

function bodyOf(doc: FlowDocument, id = 'loop'): ForEachNode['body'] {
  const node = findNode(doc, id);
  if (node?.type !== 'forEach') throw new Error(`${id} is not a forEach`);
  return node.body;
}

/** Runs the operation on a frozen document and checks the input is unchanged. */
function apply(doc: FlowDocument, op: FlowOperation): FlowDocument {
  const before = structuredClone(doc);
  const after = applyOperation(doc, op);
  expect(doc).toEqual(before);
  expect(after).not.toBe(doc);
  return after;
}

describe('applyOperation', () => {
  describe('addNode', () => {
    it('appends a node at the top level, with its position', () => {
      const doc = apply(sampleDoc(), { type: 'addNode', node: { id: 'done', type: 'end' }, position: { x: 5, y: 6 } });
      expect(doc.nodes.map((n) => n.id)).toEqual(['fetch', 'ok', 'loop', 'done']);
      expect(doc.layout.done).toEqual({ x: 5, y: 6 });
    });

    it('leaves the layout alone without a position', () => {
      const input = sampleDoc();
      const doc = apply(input, { type: 'addNode', node: { id: 'done', type: 'end' } });
      expect(doc.layout).toEqual(input.layout);
    });

    it('adds into a forEach body with parentId', () => {
      const doc = apply(sampleDoc(), { type: 'addNode', node: { id: 'inner', type: 'end' }, parentId: 'loop', position: { x: 1, y: 1 } });
      expect(bodyOf(doc).nodes.map((n) => n.id)).toEqual(['shape', 'pause', 'inner']);
      expect(doc.nodes.map((n) => n.id)).toEqual(['fetch', 'ok', 'loop']);
      expect(doc.layout.inner).toEqual({ x: 1, y: 1 });
    });

    it('refuses an id already used anywhere, including inside a body', () => {
      expect(() => applyOperation(sampleDoc(), { type: 'addNode', node: { id: 'fetch', type: 'end' } })).toThrow(OperationError);
      expect(() => applyOperation(sampleDoc(), { type: 'addNode', node: { id: 'shape', type: 'end' } })).toThrow(/already exists/);
      expect(() => applyOperation(sampleDoc(), { type: 'addNode', node: { id: 'ok', type: 'end' }, parentId: 'loop' })).toThrow(/already exists/);
    });

    it('refuses a parentId that is not a forEach, or does not exist', () => {
      expect(() => applyOperation(sampleDoc(), { type: 'addNode', node: { id: 'x', type: 'end' }, parentId: 'fetch' })).toThrow(/not a forEach/);
      expect(() => applyOperation(sampleDoc(), { type: 'addNode', node: { id: 'x', type: 'end' }, parentId: 'ghost' })).toThrow(/no node "ghost"/);
    });
  });

  describe('removeNode', () => {
    it('removes the node, every edge touching it and its layout', () => {
      const doc = apply(sampleDoc(), { type: 'removeNode', nodeId: 'ok' });
      expect(doc.nodes.map((n) => n.id)).toEqual(['fetch', 'loop']);
      expect(doc.edges).toEqual([{ from: 'trigger', to: 'fetch' }]);
      expect(doc.layout).not.toHaveProperty('ok');
      expect(Object.keys(doc.layout)).toEqual(['fetch', 'loop', 'shape']);
    });

    it('removes a node inside a forEach body, with its body edges and layout', () => {
      const doc = apply(sampleDoc(), { type: 'removeNode', nodeId: 'shape' });
      expect(bodyOf(doc)).toEqual({ nodes: [loopNode.body.nodes[1]], edges: [] });
      expect(doc.layout).not.toHaveProperty('shape');
      expect(doc.edges).toHaveLength(3);
    });

    it('removes a forEach with its whole body', () => {
      const doc = apply(sampleDoc(), { type: 'removeNode', nodeId: 'loop' });
      expect(doc.nodes.map((n) => n.id)).toEqual(['fetch', 'ok']);
      expect(findNode(doc, 'shape')).toBeUndefined();
      expect(doc.edges).toHaveLength(2);
    });

    // operations.ts drops only the forEach's own layout entry; its body nodes' entries are left behind.
    it('removes the layout of the body nodes of a removed forEach', () => {
      const doc = apply(sampleDoc(), { type: 'removeNode', nodeId: 'loop' });
      expect(doc.layout).not.toHaveProperty('shape');
    });

    it('refuses a node that does not exist', () => {
      expect(() => applyOperation(sampleDoc(), { type: 'removeNode', nodeId: 'ghost' })).toThrow(OperationError);
    });
  });

  describe('updateNode', () => {
    it('patches a node but never its id or type', () => {
      // The patch type only names the fields all node types share; a real patch carries type-specific ones too.
      const patch = { label: 'Is it OK?', condition: 'nodes.fetch.status < 300', id: 'other', type: 'end' } as unknown as UpdateNode['patch'];
      const doc = apply(sampleDoc(), { type: 'updateNode', nodeId: 'ok', patch });
      expect(findNode(doc, 'ok')).toEqual({ id: 'ok', type: 'condition', label: 'Is it OK?', condition: 'nodes.fetch.status < 300' });
      expect(findNode(doc, 'other')).toBeUndefined();
    });

    it('patches a node inside a forEach body', () => {
      const doc = apply(sampleDoc(), { type: 'updateNode', nodeId: 'pause', patch: { label: 'Breathe' } });
      expect(bodyOf(doc).nodes[1]).toEqual({ id: 'pause', type: 'delay', duration: '1s', label: 'Breathe' });
    });

    it('refuses a node that does not exist', () => {
      expect(() => applyOperation(sampleDoc(), { type: 'updateNode', nodeId: 'ghost', patch: { label: 'x' } })).toThrow(/no node "ghost"/);
    });
  });

  describe('updateInput and removeInput', () => {
    it('sets and replaces an input of an action', () => {
      let doc = apply(sampleDoc(), { type: 'updateInput', nodeId: 'fetch', input: 'method', value: 'POST' });
      doc = apply(deepFreeze(doc), { type: 'updateInput', nodeId: 'fetch', input: 'url', value: { $expr: 'trigger.url' } });
      expect(findNode(doc, 'fetch')).toMatchObject({ inputs: { url: { $expr: 'trigger.url' }, method: 'POST' } });
    });

    it('works inside a forEach body', () => {
      const doc = apply(sampleDoc(), { type: 'updateInput', nodeId: 'shape', input: 'expression', value: 'data.name' });
      expect(bodyOf(doc).nodes[0]).toMatchObject({ inputs: { data: { $expr: 'item' }, expression: 'data.name' } });
    });

    it('removes an input', () => {
      const doc = apply(sampleDoc(), { type: 'removeInput', nodeId: 'fetch', input: 'url' });
      expect(findNode(doc, 'fetch')).toMatchObject({ inputs: {} });
    });

    it('refuses nodes that are not actions, or do not exist', () => {
      expect(() => applyOperation(sampleDoc(), { type: 'updateInput', nodeId: 'ok', input: 'x', value: 1 })).toThrow(/condition node and has no inputs/);
      expect(() => applyOperation(sampleDoc(), { type: 'removeInput', nodeId: 'loop', input: 'x' })).toThrow(/forEach node and has no inputs/);
      expect(() => applyOperation(sampleDoc(), { type: 'updateInput', nodeId: 'ghost', input: 'x', value: 1 })).toThrow(OperationError);
    });
  });

  describe('connect and disconnect', () => {
    it('connects at the top level', () => {
      const doc = apply(sampleDoc(), { type: 'connect', edge: { from: 'ok', to: 'fetch', branch: 'false' } });
      expect(doc.edges.at(-1)).toEqual({ from: 'ok', to: 'fetch', branch: 'false' });
    });

    it('connects inside a forEach body', () => {
      const doc = apply(sampleDoc(), { type: 'connect', edge: { from: 'loop', to: 'pause' }, parentId: 'loop' });
      expect(bodyOf(doc).edges).toHaveLength(3);
      expect(doc.edges).toHaveLength(3);
    });

    it('refuses a duplicate edge (same from, to and branch), but accepts another branch', () => {
      expect(() => applyOperation(sampleDoc(), { type: 'connect', edge: { from: 'ok', to: 'loop', branch: 'true' } })).toThrow(/already exists/);
      expect(() => applyOperation(sampleDoc(), { type: 'connect', edge: { from: 'shape', to: 'pause' }, parentId: 'loop' })).toThrow(/already exists/);
      const doc = apply(sampleDoc(), { type: 'connect', edge: { from: 'ok', to: 'loop', branch: 'false' } });
      expect(doc.edges.filter((e) => e.from === 'ok')).toHaveLength(2);
    });

    it('refuses a parentId that is not a forEach', () => {
      expect(() => applyOperation(sampleDoc(), { type: 'connect', edge: { from: 'a', to: 'b' }, parentId: 'ok' })).toThrow(/not a forEach/);
    });

    it('disconnects exactly the matching edge', () => {
      const doc = apply(sampleDoc(), { type: 'disconnect', edge: { from: 'fetch', to: 'ok' } });
      expect(doc.edges).toEqual([
        { from: 'trigger', to: 'fetch' },
        { from: 'ok', to: 'loop', branch: 'true' },
      ]);
      const inner = apply(sampleDoc(), { type: 'disconnect', edge: { from: 'loop', to: 'shape' }, parentId: 'loop' });
      expect(bodyOf(inner).edges).toEqual([{ from: 'shape', to: 'pause' }]);
    });

    it('refuses to disconnect an edge that is not there (the branch must match too)', () => {
      expect(() => applyOperation(sampleDoc(), { type: 'disconnect', edge: { from: 'ok', to: 'loop' } })).toThrow(/no edge ok → loop/);
      expect(() => applyOperation(sampleDoc(), { type: 'disconnect', edge: { from: 'ok', to: 'loop', branch: 'false' } })).toThrow(OperationError);
      expect(() => applyOperation(sampleDoc(), { type: 'disconnect', edge: { from: 'shape', to: 'pause' } })).toThrow(OperationError);
    });
  });

  describe('moveNode and setTrigger', () => {
    it('moves a node, also one inside a body', () => {
      const doc = apply(sampleDoc(), { type: 'moveNode', nodeId: 'fetch', position: { x: 9, y: 9 } });
      expect(doc.layout.fetch).toEqual({ x: 9, y: 9 });
      expect(apply(sampleDoc(), { type: 'moveNode', nodeId: 'pause', position: { x: 1, y: 2 } }).layout.pause).toEqual({ x: 1, y: 2 });
    });

    it('refuses to move a node that does not exist', () => {
      expect(() => applyOperation(sampleDoc(), { type: 'moveNode', nodeId: 'ghost', position: { x: 0, y: 0 } })).toThrow(OperationError);
    });

    it('replaces the trigger', () => {
      const input = sampleDoc();
      const doc = apply(input, { type: 'setTrigger', trigger: { type: 'schedule', cron: '0 * * * *', timezone: 'Europe/Paris' } });
      expect(doc.trigger).toEqual({ type: 'schedule', cron: '0 * * * *', timezone: 'Europe/Paris' });
      expect(doc.nodes).toBe(input.nodes);
    });
  });

  it('keeps the result a valid FlowDocument', () => {
    const doc = applyOperations(sampleDoc(), [
      { type: 'addNode', node: { id: 'done', type: 'end', output: { $expr: 'nodes.loop' } }, position: { x: 0, y: 300 } },
      { type: 'connect', edge: { from: 'loop', to: 'done' } },
      { type: 'updateNode', nodeId: 'loop', patch: { label: 'Each item' } },
    ]);
    expect(FlowDocument.parse(doc)).toEqual(doc);
  });
});

describe('applyOperations', () => {
  it('applies operations in order (later ones see earlier ones)', () => {
    const doc = applyOperations(sampleDoc(), [
      { type: 'addNode', node: { id: 'wait', type: 'delay', duration: '5s' } },
      { type: 'connect', edge: { from: 'ok', to: 'wait', branch: 'false' } },
      { type: 'updateNode', nodeId: 'wait', patch: { label: 'first' } },
      { type: 'updateNode', nodeId: 'wait', patch: { label: 'second' } },
      { type: 'moveNode', nodeId: 'wait', position: { x: 3, y: 4 } },
    ]);
    expect(findNode(doc, 'wait')).toEqual({ id: 'wait', type: 'delay', duration: '5s', label: 'second' });
    expect(doc.edges.at(-1)).toEqual({ from: 'ok', to: 'wait', branch: 'false' });
    expect(doc.layout.wait).toEqual({ x: 3, y: 4 });
  });

  it('throws on the first impossible operation, leaving the input as it was', () => {
    const input = sampleDoc();
    const before = structuredClone(input);
    const ops: FlowOperation[] = [
      { type: 'addNode', node: { id: 'wait', type: 'delay', duration: '5s' } },
      { type: 'removeNode', nodeId: 'wait' },
      { type: 'connect', edge: { from: 'ok', to: 'wait' } },
      { type: 'removeNode', nodeId: 'wait' },
    ];
    expect(() => applyOperations(input, ops)).toThrow(new OperationError('There is no node "wait"'));
    expect(input).toEqual(before);
  });

  it('returns the same document for no operations', () => {
    const input = sampleDoc();
    expect(applyOperations(input, [])).toBe(input);
  });
});

/** A small seeded PRNG (mulberry32), so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random sequence of valid addNode/connect operations (some into forEach bodies) and the ids it adds, in order. */
function randomBuild(seed: number): { ops: FlowOperation[]; added: string[] } {
  const rnd = random(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  // The graphs: the top level (start `trigger`) and each forEach body (start: the forEach's id).
  const graphs: { parentId?: string; start: string; ids: string[]; edges: Set<string> }[] = [{ start: 'trigger', ids: [], edges: new Set() }];
  const ops: FlowOperation[] = [];
  const added: string[] = [];
  const steps = 5 + Math.floor(rnd() * 30);
  for (let i = 0; i < steps; i++) {
    const graph = pick(graphs);
    const parent = graph.parentId === undefined ? {} : { parentId: graph.parentId };
    if (graph.ids.length > 0 && rnd() < 0.4) {
      const edge: FlowEdge = { from: pick([graph.start, ...graph.ids]), to: pick(graph.ids), ...(rnd() < 0.3 ? { branch: 'true' } : {}) };
      const key = `${edge.from}->${edge.to}:${edge.branch ?? ''}`;
      if (graph.edges.has(key)) continue;
      graph.edges.add(key);
      ops.push({ type: 'connect', edge, ...parent });
      continue;
    }
    const id = `n${i}`;
    const node: FlowNode =
      rnd() < 0.25 ? { id, type: 'forEach', items: 'trigger.list', concurrency: 1, body: { nodes: [], edges: [] } } : { id, type: 'delay', duration: '1s' };
    ops.push({ type: 'addNode', node, ...parent, ...(rnd() < 0.5 ? { position: { x: i, y: i } } : {}) });
    graph.ids.push(id);
    added.push(id);
    if (node.type === 'forEach') graphs.push({ parentId: id, start: id, ids: [], edges: new Set() });
  }
  return { ops, added };
}

describe('property: build up, then tear down', () => {
  const empty = deepFreeze(FlowDocument.parse({ trigger: { type: 'manual' }, nodes: [], edges: [] }));

  it.each(Array.from({ length: 50 }, (_, seed) => seed))('seed %i: removing every added node, newest first, leaves an empty document', (seed) => {
    const { ops, added } = randomBuild(seed);
    const built = applyOperations(empty, ops);
    for (const id of added) expect(findNode(built, id)).toBeDefined();
    expect(FlowDocument.safeParse(built).success).toBe(true);

    const removals: FlowOperation[] = [...added].reverse().map((nodeId) => ({ type: 'removeNode', nodeId }));
    const torn = applyOperations(deepFreeze(built), removals);
    expect(torn).toEqual(empty);
  });
});
