/**
 * The benchmark page: the real editor canvas (FlowCanvas, its node components and the editor store)
 * with a generated flow of `?n=` canvas nodes, full window. It records when all n nodes are in the DOM
 * and when all are measured and shown (`window.__firstRender`, ms since navigation start; `script` is
 * when this module started, after the bundle was loaded and evaluated).
 */
import { ReactFlowProvider } from '@xyflow/react';
import { createRoot } from 'react-dom/client';
import { FlowCanvas } from '../../editor/src/canvas/flow-canvas';
import { useEditor } from '../../editor/src/store/editor-store';
import '../../editor/src/styles.css';
import { BENCH_ACTIONS, generateFlow } from './generate';

declare global {
  interface Window {
    __firstRender?: { script: number; inDom: number; visible: number };
  }
}

const script = performance.now();
const n = Math.max(1, Number(new URLSearchParams(window.location.search).get('n') ?? 50));
useEditor.getState().load({ id: 'flw_bench', name: `Bench ${n}`, document: generateFlow(n) }, BENCH_ACTIONS);

const root = document.getElementById('root')!;
const nodes = root.getElementsByClassName('react-flow__node') as HTMLCollectionOf<HTMLElement>;
let inDom: number | undefined;
// The moment the last node is inserted (a mutation callback runs right after the commit, before paint).
const observer = new MutationObserver(() => {
  if (inDom === undefined && nodes.length >= n) {
    inDom = performance.now();
    observer.disconnect();
  }
});
observer.observe(root, { childList: true, subtree: true });
// React Flow shows a node once it has measured it: wait for the frame where none is hidden.
const waitVisible = () => {
  if (inDom !== undefined && [...nodes].every((el) => el.style.visibility !== 'hidden')) {
    window.__firstRender = { script, inDom, visible: performance.now() };
    return;
  }
  requestAnimationFrame(waitVisible);
};
requestAnimationFrame(waitVisible);

createRoot(root).render(
  <ReactFlowProvider>
    <div className="sy-canvas-wrap" style={{ position: 'fixed', inset: 0 }}>
      <FlowCanvas />
    </div>
  </ReactFlowProvider>,
);
