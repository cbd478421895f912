import { describe, expect, it } from 'vitest';
import { catalog } from '#catalog';
import { evaluateExpression } from '#core/expressions';
import { FlowDocument } from '#core/flow';
import { expressionSuggestions, upstreamOf } from './suggestions';

const doc = FlowDocument.parse({
  trigger: { type: 'event', event: 'x' },
  nodes: [
    { id: 'my-fetch', type: 'action', action: 'http.request@1', inputs: { url: 'https://example.com' } },
    { id: 'check', type: 'condition', condition: 'true' },
    {
      id: 'loop',
      type: 'forEach',
      items: 'trigger.data.items',
      body: { nodes: [{ id: 'inner', type: 'action', action: 'data.transform@1', inputs: { expression: '1' } }], edges: [{ from: 'loop', to: 'inner' }] },
    },
    { id: 'sibling', type: 'action', action: 'data.transform@1', inputs: { expression: '1' } },
  ],
  edges: [
    { from: 'trigger', to: 'my-fetch' },
    { from: 'my-fetch', to: 'check' },
    { from: 'check', to: 'loop', branch: 'true' },
    { from: 'trigger', to: 'sibling' },
  ],
});

describe('expression suggestions', () => {
  it('offers the trigger and the outputs of upstream nodes by their schemas', () => {
    const paths = expressionSuggestions(doc, 'check', catalog.actions).map((s) => s.path);
    expect(paths).toEqual(expect.arrayContaining(['trigger.data', 'nodes.`my-fetch`', 'nodes.`my-fetch`.status', 'nodes.`my-fetch`.body']));
    expect(paths.some((p) => p.startsWith('nodes.sibling'))).toBe(false);
  });

  it('quotes ids that are not identifiers so the suggestion is a valid expression', async () => {
    const scope = { trigger: {}, nodes: { 'my-fetch': { status: 200 } } };
    expect(await evaluateExpression('nodes.`my-fetch`.status', scope)).toBe(200);
  });

  it('inside a forEach body: what runs before the loop, plus item and index, not the loop itself', () => {
    expect(upstreamOf(doc, 'inner').sort()).toEqual(['check', 'my-fetch']);
    const paths = expressionSuggestions(doc, 'inner', catalog.actions).map((s) => s.path);
    expect(paths).toEqual(expect.arrayContaining(['item', 'index', 'nodes.check.result']));
    expect(paths.some((p) => p.startsWith('nodes.loop'))).toBe(false);
  });
});
