import { describe, expect, it } from 'vitest';
import { catalog } from '#catalog';
import type { FlowSnapshot } from '#core/flow';
import { estimateFlow } from './credits.service';

const http = (id: string) => ({ id, type: 'action', action: 'http.request@1', inputs: { url: 'https://x.example' } });

describe('estimateFlow', () => {
  it('multiplies nested loops by their item counts', () => {
    const snapshot = {
      schemaVersion: 1,
      trigger: { type: 'manual' },
      nodes: [
        {
          id: 'outer',
          type: 'forEach',
          items: 'trigger.data.a',
          body: { nodes: [{ id: 'inner', type: 'forEach', items: 'item.b', body: { nodes: [http('call')], edges: [] } }], edges: [] },
        },
        http('after'),
      ],
      edges: [],
    } as unknown as FlowSnapshot;
    expect(
      estimateFlow(
        snapshot,
        catalog,
        new Map([
          ['outer', 3],
          ['inner', 4],
        ]),
      ).credits,
    ).toBe(13);
    expect(estimateFlow(snapshot, catalog).credits).toBe(2);
  });

  it('ends on a draft whose ids repeat so that loops would nest in each other (found by fuzzing: it looped forever)', () => {
    const snapshot = {
      schemaVersion: 1,
      trigger: { type: 'manual' },
      nodes: [
        {
          id: 'a',
          type: 'forEach',
          items: 'trigger.data.a',
          body: { nodes: [{ id: 'b', type: 'forEach', items: 'item', body: { nodes: [http('a'), http('b')], edges: [] } }], edges: [] },
        },
      ],
      edges: [],
    } as unknown as FlowSnapshot;
    expect(
      estimateFlow(
        snapshot,
        catalog,
        new Map([
          ['a', 2],
          ['b', 2],
        ]),
      ).credits,
    ).toBeGreaterThan(0);
  });
});
