import { create } from 'zustand';
import type { ActionInfo } from '#core/catalog-sdk';
import type { FlowDocument } from '#core/flow';
import { applyOperations, type FlowOperation } from '#core/operations';
import { validateFlow, type FlowProblem } from '#core/validate';

/**
 * The flow being edited. Every change is a list of typed operations applied by the same pure function
 * the server uses; undo/redo keeps whole documents (they are small and immutable, so this is cheap).
 */
export interface EditorState {
  flowId: string | null;
  name: string;
  doc: FlowDocument | null;
  actions: ActionInfo[];
  problems: FlowProblem[];
  past: FlowDocument[];
  future: FlowDocument[];
  selection: string[];
  /** Unsaved changes since load or the last save. */
  dirty: boolean;
  readOnly: boolean;
  load(flow: { id: string; name: string; document: FlowDocument }, actions: ActionInfo[], readOnly?: boolean): void;
  /** Applies operations as one undo step; returns the error message if an operation is impossible. */
  apply(ops: FlowOperation[]): string | undefined;
  undo(): void;
  redo(): void;
  select(ids: string[]): void;
  rename(name: string): void;
  markSaved(): void;
}

const HISTORY_LIMIT = 200;
const COALESCE_MS = 1500;
let lastEdit: { key: string | undefined; at: number } = { key: undefined, at: 0 };

/** Edits of the same field of the same node, in a row, share an undo step. */
function coalesceKey(ops: FlowOperation[]): string | undefined {
  if (ops.length !== 1) return undefined;
  const op = ops[0]!;
  if (op.type === 'updateInput') return `input:${op.nodeId}:${op.input}`;
  if (op.type === 'updateNode') return `node:${op.nodeId}:${Object.keys(op.patch).sort().join(',')}`;
  return undefined;
}

export const useEditor = create<EditorState>((set, get) => ({
  flowId: null,
  name: '',
  doc: null,
  actions: [],
  problems: [],
  past: [],
  future: [],
  selection: [],
  dirty: false,
  readOnly: false,
  load(flow, actions, readOnly = false) {
    lastEdit = { key: undefined, at: 0 };
    set({
      flowId: flow.id,
      name: flow.name,
      doc: flow.document,
      actions,
      problems: validateFlow(flow.document, index(actions)),
      past: [],
      future: [],
      selection: [],
      dirty: false,
      readOnly,
    });
  },
  apply(ops) {
    const { doc, readOnly, past, actions } = get();
    if (!doc || readOnly || ops.length === 0) return undefined;
    try {
      const next = applyOperations(doc, ops);
      // Typing into one field is one undo step, not one per keystroke.
      const key = coalesceKey(ops);
      const now = Date.now();
      const merge = key !== undefined && key === lastEdit.key && now - lastEdit.at < COALESCE_MS && past.length > 0;
      lastEdit = { key, at: now };
      set({
        doc: next,
        past: merge ? past : [...past.slice(-HISTORY_LIMIT + 1), doc],
        future: [],
        dirty: true,
        problems: onlyLayout(ops) ? get().problems : validateFlow(next, index(actions)),
      });
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  },
  undo() {
    lastEdit = { key: undefined, at: 0 };
    const { past, doc, future, actions } = get();
    const previous = past.at(-1);
    if (!previous || !doc) return;
    set({ doc: previous, past: past.slice(0, -1), future: [doc, ...future], dirty: true, problems: validateFlow(previous, index(actions)) });
  },
  redo() {
    lastEdit = { key: undefined, at: 0 };
    const { past, doc, future, actions } = get();
    const next = future[0];
    if (!next || !doc) return;
    set({ doc: next, past: [...past, doc], future: future.slice(1), dirty: true, problems: validateFlow(next, index(actions)) });
  },
  select(ids) {
    set({ selection: ids });
  },
  rename(name) {
    set({ name, dirty: true });
  },
  markSaved() {
    set({ dirty: false });
  },
}));

function index(actions: ActionInfo[]) {
  const byRef = new Map(actions.map((a) => [a.ref, a]));
  return { getAction: (ref: string) => byRef.get(ref) };
}

/** Moving nodes cannot change validity: skip re-validation while dragging. */
function onlyLayout(ops: FlowOperation[]): boolean {
  return ops.every((op) => op.type === 'moveNode');
}
