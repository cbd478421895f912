import { beforeEach, describe, expect, it } from 'vitest';
import { catalog } from '#catalog';
import { FlowDocument } from '#core/flow';
import { useEditor } from './editor-store';

const doc = FlowDocument.parse({
  trigger: { type: 'manual' },
  nodes: [{ id: 'fetch', type: 'action', action: 'http.request@1', inputs: { url: 'https://example.com' } }],
  edges: [{ from: 'trigger', to: 'fetch' }],
});

describe('editor store', () => {
  beforeEach(() => useEditor.getState().load({ id: 'flw_1', name: 'F', document: doc }, catalog.actions));

  it('applies operations, validates, and undoes and redoes them', () => {
    const { apply } = useEditor.getState();
    expect(apply([{ type: 'addNode', node: { id: 'wait', type: 'delay', duration: '1s' } }])).toBeUndefined();
    expect(useEditor.getState().problems.map((p) => p.code)).toEqual(['UNREACHABLE_NODE']);
    expect(useEditor.getState().dirty).toBe(true);
    useEditor.getState().undo();
    expect(useEditor.getState().doc!.nodes).toHaveLength(1);
    expect(useEditor.getState().problems).toEqual([]);
    useEditor.getState().redo();
    expect(useEditor.getState().doc!.nodes).toHaveLength(2);
  });

  it('returns the message of an impossible operation and changes nothing', () => {
    const before = useEditor.getState().doc;
    expect(useEditor.getState().apply([{ type: 'removeNode', nodeId: 'nope' }])).toMatch(/no node "nope"/);
    expect(useEditor.getState().doc).toBe(before);
  });

  it('typing into one field makes one undo step', () => {
    const { apply } = useEditor.getState();
    for (const url of ['https://a', 'https://ab', 'https://abc']) apply([{ type: 'updateInput', nodeId: 'fetch', input: 'url', value: url }]);
    expect(useEditor.getState().past).toHaveLength(1);
    useEditor.getState().undo();
    expect((useEditor.getState().doc!.nodes[0] as unknown as { inputs: { url: string } }).inputs.url).toBe('https://example.com');
  });

  it('refuses edits when read-only', () => {
    useEditor.getState().load({ id: 'flw_1', name: 'F', document: doc }, catalog.actions, true);
    useEditor.getState().apply([{ type: 'moveNode', nodeId: 'fetch', position: { x: 1, y: 1 } }]);
    expect(useEditor.getState().doc).toBe(doc);
  });

  it("shows the assistant's proposal without changing the draft; accepting it is one undo step, rejecting drops it", () => {
    const before = useEditor.getState().doc!;
    const proposed = FlowDocument.parse({
      trigger: { type: 'event', event: 'user.signed_up' },
      nodes: [...before.nodes, { id: 'post_message', type: 'action', action: 'slack.post-message@1', inputs: { channel: '#sales', text: 'hi' } }],
      edges: [...before.edges, { from: 'fetch', to: 'post_message' }],
    });
    useEditor.getState().propose(proposed, { added: ['post_message'], changed: ['trigger'], removed: [] });
    expect(useEditor.getState().doc).toBe(before);
    expect(useEditor.getState().proposal!.marks).toEqual({ post_message: 'added', trigger: 'changed' });
    // The step already placed keeps its place; the new one gets one.
    expect(useEditor.getState().proposal!.doc.layout.post_message).toBeDefined();

    useEditor.getState().rejectProposal();
    expect(useEditor.getState().proposal).toBeNull();
    expect(useEditor.getState().doc).toBe(before);

    useEditor.getState().propose(proposed, { added: ['post_message'], changed: ['trigger'], removed: [] });
    useEditor.getState().acceptProposal();
    expect(useEditor.getState().doc!.nodes.map((n) => n.id)).toEqual(['fetch', 'post_message']);
    expect(useEditor.getState().doc!.trigger).toEqual({ type: 'event', event: 'user.signed_up' });
    expect(useEditor.getState().dirty).toBe(true);
    useEditor.getState().undo();
    expect(useEditor.getState().doc).toBe(before);
  });
});
