// @vitest-environment jsdom
import { act, cleanup, render } from '@testing-library/react';
import { ReactFlowProvider, type NodeProps } from '@xyflow/react';
import type { ComponentType } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FlowDocument } from '#core/flow';
import { useEditor } from '../store/editor-store';

/**
 * The drag benchmark: on a 500-node flow, one pointer move re-renders at most 3 node components, and
 * the move is committed as one `moveNode` step on drag stop. Node components are counted by wrapping
 * them (same `memo` semantics) in the module React Flow gets its `nodeTypes` from.
 */
const renders = vi.hoisted(() => new Map<string, number>());
vi.mock('./nodes', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./nodes')>();
  const { createElement, memo } = await import('react');
  const counted = (Inner: ComponentType<NodeProps>) =>
    memo(function Counted(props: NodeProps) {
      renders.set(props.id, (renders.get(props.id) ?? 0) + 1);
      return createElement(Inner, props);
    });
  const nodeTypes = Object.fromEntries(Object.entries(actual.nodeTypes).map(([k, v]) => [k, counted(v as unknown as ComponentType<NodeProps>)]));
  return { ...actual, nodeTypes };
});

const { FlowCanvas } = await import('./flow-canvas');

/** A mouse event whose `view` is the window (d3-drag listens on `event.view`; jsdom refuses it as an init member). */
function mouse(target: EventTarget, type: string, clientX: number, clientY: number) {
  const event = new MouseEvent(type, { bubbles: true, cancelable: true, clientX, clientY, button: 0 });
  Object.defineProperty(event, 'view', { value: window });
  act(() => void target.dispatchEvent(event));
}

const total = () => [...renders.values()].reduce((a, b) => a + b, 0);
const logged: string[] = [];
const spies: { mockRestore(): void }[] = [];

beforeAll(() => {
  class ResizeObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  class DOMMatrixReadOnly {
    m22: number;
    constructor(transform?: string) {
      const scale = transform?.match(/scale\(([\d.]+)\)/)?.[1];
      this.m22 = scale ? Number(scale) : 1;
    }
  }
  Object.assign(globalThis, { ResizeObserver, DOMMatrixReadOnly });
  // jsdom lays nothing out: give nodes the card size and the canvas a viewport.
  Object.defineProperties(HTMLElement.prototype, {
    offsetWidth: {
      configurable: true,
      get(this: HTMLElement) {
        return this.classList.contains('react-flow__node') ? 220 : 1200;
      },
    },
    offsetHeight: {
      configurable: true,
      get(this: HTMLElement) {
        return this.classList.contains('react-flow__node') ? 72 : 800;
      },
    },
  });
  for (const level of ['warn', 'error'] as const) {
    spies.push(vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' '))));
  }
});
afterAll(() => spies.forEach((s) => s.mockRestore()));
afterEach(cleanup);

function bigFlow(n: number): FlowDocument {
  const nodes = Array.from({ length: n }, (_, i) => ({ id: `s${i}`, type: 'delay' as const, duration: '1s' }));
  return {
    schemaVersion: 1,
    trigger: { type: 'manual' },
    nodes,
    edges: [{ from: 'trigger', to: 's0' }, ...nodes.slice(1).map((node, i) => ({ from: `s${i}`, to: node.id }))],
    layout: { trigger: { x: 0, y: -120 }, ...Object.fromEntries(nodes.map((node, i) => [node.id, { x: (i % 25) * 260, y: Math.floor(i / 25) * 120 }])) },
  };
}

describe('FlowCanvas', () => {
  it('re-renders only the dragged node while dragging on a 500-node flow, and commits one moveNode on drop', async () => {
    useEditor.getState().load({ id: 'flw_big', name: 'Big', document: bigFlow(500) }, []);
    const { container } = render(
      <ReactFlowProvider>
        <FlowCanvas />
      </ReactFlowProvider>,
    );
    await act(async () => {
      await new Promise((r) => setTimeout(r, 50));
    });
    expect(container.querySelectorAll('.react-flow__node')).toHaveLength(501);
    expect(container.querySelectorAll('.sy-node')).toHaveLength(501);

    const node = container.querySelector<HTMLElement>('.react-flow__node[data-id="s260"]')!;
    const before = useEditor.getState().doc!.layout.s260!;
    mouse(node, 'mousedown', 300, 300);
    const perMove: number[] = [];
    for (let i = 1; i <= 10; i++) {
      const start = total();
      mouse(window, 'mousemove', 300 + i * 10, 300 + i * 5);
      perMove.push(total() - start);
    }
    const beforeDrop = total();
    mouse(window, 'mouseup', 400, 350);
    const onDrop = total() - beforeDrop;

    // The first move starts the drag (and selects the node); every later move re-renders the dragged node only.
    expect(Math.max(...perMove)).toBeLessThanOrEqual(3);
    expect(perMove.slice(2).every((n) => n === 1)).toBe(true);
    expect(onDrop).toBeLessThanOrEqual(3);

    const state = useEditor.getState();
    const after = state.doc!.layout.s260!;
    expect(after.x).toBeGreaterThan(before.x);
    expect(after.y).toBeGreaterThan(before.y);
    expect(state.past).toHaveLength(1);
    expect(state.selection).toEqual(['s260']);
    expect(logged).toEqual([]);
  }, 60_000);

  it('shows problems as accessible text and, in the run view, each node status with its attempts', async () => {
    const doc = bigFlow(3);
    useEditor.getState().load({ id: 'flw_small', name: 'Small', document: { ...doc, edges: doc.edges.slice(0, 2) } }, []);
    const runNodes = [
      { key: 's0', nodeId: 's0', type: 'delay', status: 'succeeded' as const, attempts: 1 },
      { key: 's1', nodeId: 's1', type: 'delay', status: 'failed' as const, attempts: 3, error: { type: 'Timeout', message: 'took too long' } },
    ];
    const { container } = render(
      <ReactFlowProvider>
        <FlowCanvas runNodes={runNodes} />
      </ReactFlowProvider>,
    );
    await act(async () => {
      await new Promise((r) => setTimeout(r, 20));
    });
    const failed = container.querySelector('.react-flow__node[data-id="s1"] .sy-node')!;
    expect(failed.className).toContain('sy-status-failed');
    expect(failed.textContent).toContain('failed');
    expect(failed.textContent).toContain('3 attempts');
    expect(container.querySelector('.react-flow__node[data-id="s2"] .sy-node')!.className).toContain('sy-status-waiting');
    // s2 is not connected: its problem marker names the problem.
    // (React Flow keeps unmeasured nodes hidden in jsdom, so the label is read from the attribute.)
    const marker = container.querySelector('.react-flow__node[data-id="s2"] [role="img"]')!;
    expect(marker.getAttribute('aria-label')).toMatch(/^1 problem: Node "s2" cannot be reached/);
    expect(marker.getAttribute('title')).toMatch(/cannot be reached/);
    expect(logged).toEqual([]);
  });
});
