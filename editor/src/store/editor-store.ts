import { create } from 'zustand';
import type { ActionInfo } from '../../../core/src/catalog-sdk';
import type { FlowDocument } from '../../../core/src/flow';
import { applyOperations, type FlowOperation } from '../../../core/src/operations';
import { validateFlow, type FlowProblem } from '../../../core/src/validate';

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
      set({
        doc: next,
        past: [...past.slice(-HISTORY_LIMIT + 1), doc],
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
    const { past, doc, future, actions } = get();
    const previous = past.at(-1);
    if (!previous || !doc) return;
    set({ doc: previous, past: past.slice(0, -1), future: [doc, ...future], dirty: true, problems: validateFlow(previous, index(actions)) });
  },
  redo() {
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
