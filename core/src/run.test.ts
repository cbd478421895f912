import { describe, expect, it } from 'vitest';
import { pageOfRunState, type NodeRunState, type RunState, type RunStatePage } from './run';

const node = (key: string, output: unknown): NodeRunState => ({ key, nodeId: key, type: 'action', status: 'succeeded', attempts: 1, input: { x: 1 }, output });

function stateOf(count: number, outputChars: number, output?: unknown): RunState {
  const nodes = Object.fromEntries(Array.from({ length: count }, (_, i) => [`n${i}`, node(`n${i}`, 'x'.repeat(outputChars))]));
  return { status: 'completed', mode: 'test', nodes, startedAt: '2026-01-01T00:00:00.000Z', ...(output !== undefined ? { output } : {}) };
}

/** Reads every page the way the run detail does. */
function allPages(state: RunState, budget: number): RunStatePage[] {
  const pages = [pageOfRunState(state, 0, budget)];
  while (pages.at(-1)!.nextNodes !== undefined) pages.push(pageOfRunState(state, pages.at(-1)!.nextNodes, budget));
  return pages;
}

describe('pageOfRunState', () => {
  it('gives a small state back whole, in one page, with nothing added', () => {
    const state = stateOf(3, 10, { done: true });
    expect(pageOfRunState(state)).toEqual(state);
  });

  it('splits a large state into pages that each fit the budget and together hold every node once, in order', () => {
    const state = stateOf(1000, 3000, { big: 'y'.repeat(10) });
    const pages = allPages(state, 64 * 1024);
    expect(pages.length).toBeGreaterThan(40);
    for (const page of pages) expect(JSON.stringify(page).length).toBeLessThanOrEqual(64 * 1024);
    expect(pages.flatMap((p) => Object.keys(p.nodes))).toEqual(Object.keys(state.nodes));
    expect(pages[0]!.output).toEqual({ big: 'y'.repeat(10) });
    expect(pages.slice(1).every((p) => p.output === undefined && p.status === 'completed')).toBe(true);
  });

  it('leaves out an output or a node data that would take over half a page, and says so', () => {
    const state = stateOf(2, 10, 'z'.repeat(40_000));
    state.nodes.n1!.output = 'w'.repeat(40_000);
    const page = pageOfRunState(state, 0, 64 * 1024);
    expect(page.outputOmitted).toBe(true);
    expect(page.output).toBeUndefined();
    expect(page.nodes.n0).toEqual(state.nodes.n0);
    expect(page.nodes.n1).toEqual({ key: 'n1', nodeId: 'n1', type: 'action', status: 'succeeded', attempts: 1, dataOmitted: true });
    expect(page.nextNodes).toBeUndefined();
  });

  it('answers a page past the last node with the summary and no nodes', () => {
    const page = pageOfRunState(stateOf(2, 10), 5);
    expect(page.nodes).toEqual({});
    expect(page.nextNodes).toBeUndefined();
  });
});
