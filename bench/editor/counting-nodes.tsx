/**
 * Stands in for editor/src/canvas/nodes.tsx in the benchmark build only (see vite.config.ts): the same
 * exports, with every node type wrapped so that each render of a node component is recorded. The
 * production module is not changed.
 *
 * A node type that is `memo(View)` is replaced by `memo(Counted, sameCompare)` where Counted records
 * the render and renders View: it renders exactly when the real component would. `slot` counts the
 * renders React Flow asks for (its NodeWrapper re-rendering), before memo decides.
 */
import type { NodeProps } from '@xyflow/react';
import { createElement, memo, type ComponentType } from 'react';
import { nodeTypes as realNodeTypes } from '../../editor/src/canvas/nodes';
import type { SyNode } from '../../editor/src/canvas/reconcile';

export * from '../../editor/src/canvas/nodes';

type Props = NodeProps<SyNode>;

export interface RenderLog {
  /** Node ids, one per render of a node component. */
  renders: string[];
  /** Node ids, one per render React Flow asked for (before memo). */
  slots: string[];
  /** Whether each node type is memoized, by type. */
  memo: Record<string, boolean>;
}

declare global {
  interface Window {
    __renders: RenderLog;
  }
}

window.__renders = { renders: [], slots: [], memo: {} };

const MEMO = Symbol.for('react.memo');

interface MemoComponent {
  $$typeof: symbol;
  type: ComponentType<Props>;
  compare: ((a: Props, b: Props) => boolean) | null;
}

function counted(type: string, component: ComponentType<Props>): ComponentType<Props> {
  const m = component as unknown as MemoComponent;
  const isMemo = m.$$typeof === MEMO;
  window.__renders.memo[type] = isMemo;
  const view: ComponentType<Props> = isMemo ? m.type : component;
  const Counted = (props: Props) => {
    window.__renders.renders.push(props.id);
    return createElement(view, props);
  };
  const inner = isMemo ? memo(Counted, m.compare ?? undefined) : Counted;
  return function Slot(props: Props) {
    window.__renders.slots.push(props.id);
    return createElement(inner, props);
  };
}

export const nodeTypes = Object.fromEntries(
  Object.entries(realNodeTypes).map(([type, component]) => [type, counted(type, component as ComponentType<Props>)]),
) as unknown as typeof realNodeTypes;
