import { useReactFlow, useStoreApi } from '@xyflow/react';
import { useEffect, useMemo } from 'react';
import { allowedBranches, TRIGGER_ID, type FlowDocument, type FlowEdge } from '#core/flow';
import type { FlowOperation } from '#core/operations';
import { newNode, type PaletteItem } from '../graph/palette';
import { useEditor } from '../store/editor-store';
import { focusFieldSoon } from './problems';
import { BODY_TOP, copyNodes, duplicateOperations, layoutOperations, pasteOperations, type Clipboard, type Point } from './edit-ops';
import { NODE_H, NODE_W, type SyEdge, type SyNode } from './reconcile';
import { showToast } from './toast';

/** Copied steps live for the session of the page (and survive moving to another flow). */
let clipboard: { clip: Clipboard; pastes: number } | null = null;

export interface CanvasCommands {
  /** Applies operations as one undo step; an impossible one shows its message in the toast. */
  run(ops: FlowOperation[]): boolean;
  /** Adds a palette item with its top-left near `point` (flow coordinates); inside a forEach group it joins the body. */
  addItem(item: PaletteItem, point: Point): void;
  /** Adds a palette item at the centre of the visible canvas (keyboard). */
  addItemAtCentre(item: PaletteItem): void;
  copy(): void;
  paste(): void;
  /** Selects the trigger and every top-level step. */
  selectAll(): void;
  duplicate(): void;
  undo(): void;
  redo(): void;
  autoLayout(): void;
  fit(): void;
  /** Selects a node and centres the view on it. */
  focusNode(id: string): void;
  /** Selects a step and focuses one of its fields (`inputs.channel`) in the side panel: where a problem is fixed. */
  focusField(id: string, field?: string): void;
}

const state = () => useEditor.getState();

/** Where the pointer last was over the canvas (screen coordinates), for pasting there; null once it leaves. */
let pointer: { x: number; y: number } | null = null;
if (typeof window !== 'undefined') {
  window.addEventListener('pointermove', (e) => {
    const over = e.target instanceof Element && e.target.closest('.react-flow__pane, .react-flow__node') !== null;
    pointer = over ? { x: e.clientX, y: e.clientY } : null;
  });
}

/**
 * The edge that connects a new step after `from`: the first branch of `from` that has no edge yet (`true` before
 * `false`, a switch's cases in order), or its plain exit. None when every branch is taken.
 */
export function nextEdge(doc: FlowDocument, from: string, to: string): FlowEdge | undefined {
  const node = from === TRIGGER_ID ? undefined : doc.nodes.find((n) => n.id === from);
  if (from !== TRIGGER_ID && !node) return undefined;
  const branches = node ? allowedBranches(node).filter((b) => b !== 'error') : [undefined];
  const used = new Set(doc.edges.filter((e) => e.from === from).map((e) => e.branch));
  if (branches.includes(undefined)) return { from, to };
  const free = branches.find((b) => !used.has(b));
  return free === undefined ? undefined : { from, to, branch: free };
}

/** Editing commands shared by the canvas, the palette, the toolbar and the keyboard (inside a ReactFlowProvider). */
export function useCanvasCommands(): CanvasCommands {
  const rf = useReactFlow<SyNode, SyEdge>();
  const storeApi = useStoreApi<SyNode, SyEdge>();
  return useMemo<CanvasCommands>(() => {
    const focusNode = (id: string) => {
      state().select([id]);
      const n = rf.getInternalNode(id);
      if (!n) return;
      const { x, y } = n.internals.positionAbsolute;
      const w = n.measured.width ?? NODE_W;
      const h = n.measured.height ?? NODE_H;
      void rf.setCenter(x + w / 2, y + h / 2, { zoom: Math.max(rf.getZoom(), 0.9), duration: 300 });
    };
    const run = (ops: FlowOperation[]): boolean => {
      if (ops.length === 0) return true;
      const error = state().apply(ops);
      if (error) showToast(error);
      return !error;
    };

    /** The innermost forEach group under a point (children come after their parents in the node array). */
    const groupAt = (p: Point): { id: string; x: number; y: number } | undefined => {
      let found: { id: string; x: number; y: number } | undefined;
      for (const n of rf.getNodes()) {
        if (n.type !== 'forEach') continue;
        const internal = rf.getInternalNode(n.id);
        if (!internal) continue;
        const { x, y } = internal.internals.positionAbsolute;
        const w = internal.measured.width ?? Number(n.style?.width ?? 0);
        const h = internal.measured.height ?? Number(n.style?.height ?? 0);
        if (p.x >= x && p.x <= x + w && p.y >= y && p.y <= y + h) found = { id: n.id, x, y };
      }
      return found;
    };

    const addItem = (item: PaletteItem, point: Point, connectFrom?: string) => {
      const { doc, actions, readOnly } = state();
      if (!doc || readOnly) return;
      if (item.kind === 'trigger') {
        if (run([{ type: 'setTrigger', trigger: item.trigger }])) {
          state().select([TRIGGER_ID]);
          showToast(`The flow now starts with: ${item.title}`, 'info');
        }
        return;
      }
      const node = newNode(doc, item, actions);
      const group = groupAt(point);
      const op: Extract<FlowOperation, { type: 'addNode' }> = group
        ? {
            type: 'addNode',
            node,
            parentId: group.id,
            position: { x: Math.round(Math.max(12, point.x - group.x - NODE_W / 2)), y: Math.round(Math.max(BODY_TOP, point.y - group.y - NODE_H / 2)) },
          }
        : { type: 'addNode', node, position: { x: Math.round(point.x - NODE_W / 2), y: Math.round(point.y - NODE_H / 2) } };
      // Added from the keyboard while one step is selected: connected after it, in the same undo step.
      const edge = connectFrom && !group ? nextEdge(doc, connectFrom, node.id) : undefined;
      if (run(edge ? [op, { type: 'connect', edge }] : [op])) state().select([node.id]);
    };

    const centre = (): Point => {
      const dom = storeApi.getState().domNode;
      const rect = dom?.getBoundingClientRect();
      if (!rect) return { x: 0, y: 0 };
      return rf.screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 });
    };

    const paste = (clip: Clipboard, offset: number) => pasteAt(clip, { x: offset, y: offset });
    const pasteAt = (clip: Clipboard, offset: Point) => {
      const doc = state().doc;
      if (!doc || state().readOnly) return false;
      const { ops, ids } = pasteOperations(doc, clip, offset);
      if (ops.length > 0 && run(ops)) {
        state().select(ids);
        return true;
      }
      return false;
    };

    return {
      run,
      addItem,
      addItemAtCentre(item) {
        // With one top-level step selected, the new one goes under it and is connected after it (keyboard users can
        // build a flow without dragging a handle).
        const { selection, doc } = state();
        const from = selection.length === 1 && item.kind !== 'trigger' ? selection[0] : undefined;
        const anchor = from !== undefined && doc && (from === TRIGGER_ID || doc.nodes.some((n) => n.id === from)) ? rf.getInternalNode(from) : undefined;
        // Keyboard additions land in the middle of the view (or under the selected step), moved down until they overlap nothing.
        const c = anchor
          ? {
              x: anchor.internals.positionAbsolute.x + (anchor.measured.width ?? NODE_W) / 2,
              y: anchor.internals.positionAbsolute.y + (anchor.measured.height ?? NODE_H) + 60 + NODE_H / 2,
            }
          : centre();
        const rects = rf
          .getNodes()
          .filter((n) => !n.parentId)
          .map((n) => {
            const internal = rf.getInternalNode(n.id);
            return { x: n.position.x, y: n.position.y, w: internal?.measured.width ?? NODE_W, h: internal?.measured.height ?? NODE_H };
          });
        const overlaps = (p: Point) =>
          rects.some(
            (r) => p.x - NODE_W / 2 < r.x + r.w + 20 && p.x + NODE_W / 2 > r.x - 20 && p.y - NODE_H / 2 < r.y + r.h + 20 && p.y + NODE_H / 2 > r.y - 20,
          );
        let p = c;
        for (let i = 0; i < 50 && overlaps(p); i++) p = { x: c.x, y: p.y + 40 };
        addItem(item, p, anchor ? from : undefined);
        if (anchor) setTimeout(() => focusNode(state().selection[0] ?? from!), 50);
      },
      copy() {
        const { doc, selection } = state();
        const clip = doc && copyNodes(doc, selection);
        if (!clip) return;
        clipboard = { clip, pastes: 0 };
        showToast(`Copied ${clip.nodes.length} step${clip.nodes.length === 1 ? '' : 's'}`, 'info');
      },
      paste() {
        if (!clipboard) return;
        clipboard.pastes += 1;
        // At the pointer when it is over the canvas (the copied steps' top-left corner lands there); else offset.
        const tops = clipboard.clip.nodes.flatMap((n) => (n.position && !n.parentId ? [n.position] : []));
        if (pointer && tops.length > 0) {
          const at = rf.screenToFlowPosition(pointer);
          const min = { x: Math.min(...tops.map((p) => p.x)), y: Math.min(...tops.map((p) => p.y)) };
          pasteAt(clipboard.clip, { x: Math.round(at.x - min.x), y: Math.round(at.y - min.y) });
        } else paste(clipboard.clip, 40 * clipboard.pastes);
      },
      selectAll() {
        const { doc } = state();
        if (doc) state().select([TRIGGER_ID, ...doc.nodes.map((n) => n.id)]);
      },
      duplicate() {
        const { doc, selection, readOnly } = state();
        if (!doc || readOnly) return;
        const { ops, ids } = duplicateOperations(doc, selection);
        if (ops.length === 0) {
          showToast('Select a step to duplicate', 'info');
          return;
        }
        if (run(ops)) state().select(ids);
      },
      undo: () => state().undo(),
      redo: () => state().redo(),
      autoLayout() {
        const doc = state().doc;
        if (!doc || state().readOnly) return;
        const ops = layoutOperations(doc);
        if (ops.length === 0) {
          showToast('The flow is already laid out', 'info');
          return;
        }
        if (run(ops)) setTimeout(() => void rf.fitView({ padding: 0.2, duration: 300, maxZoom: 1 }), 50);
      },
      fit: () => void rf.fitView({ padding: 0.2, duration: 300, maxZoom: 1 }),
      focusNode,
      focusField(id, field) {
        focusNode(id);
        focusFieldSoon(field);
      },
    };
  }, [rf, storeApi]);
}

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) || target.closest('dialog[open], [role="dialog"]') !== null;
}

/**
 * Keyboard: Ctrl/Cmd+S saves (everywhere); while focus is not in a text field: Ctrl/Cmd+Z undo,
 * Ctrl/Cmd+Shift+Z and Ctrl+Y redo, Ctrl/Cmd+D duplicate, Ctrl/Cmd+C / V copy and paste (at the pointer), Ctrl/Cmd+A
 * select all.
 * (Delete/Backspace are React Flow's `deleteKeyCode`.)
 */
export function useEditorShortcuts(commands: CanvasCommands, save: () => void, readOnly: boolean): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.defaultPrevented) return;
      const key = e.key.toLowerCase();
      if (key === 's') {
        e.preventDefault();
        if (!readOnly) save();
        return;
      }
      if (readOnly || isEditable(e.target)) return;
      if (key === 'z') {
        e.preventDefault();
        if (e.shiftKey) commands.redo();
        else commands.undo();
      } else if (key === 'y' && !e.shiftKey) {
        e.preventDefault();
        commands.redo();
      } else if (key === 'd' && !e.shiftKey) {
        e.preventDefault();
        commands.duplicate();
      } else if (key === 'c' && !e.shiftKey) {
        // Leave ordinary text copying alone.
        if (window.getSelection()?.toString()) return;
        if (state().selection.length === 0) return;
        e.preventDefault();
        commands.copy();
      } else if (key === 'v' && !e.shiftKey) {
        e.preventDefault();
        commands.paste();
      } else if (key === 'a' && !e.shiftKey) {
        e.preventDefault();
        commands.selectAll();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [commands, save, readOnly]);
}
