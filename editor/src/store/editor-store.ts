import { create } from 'zustand';
import type { ActionInfo } from '#core/catalog-sdk';
import type { FlowDocument } from '#core/flow';
import { applyOperations, type FlowOperation } from '#core/operations';
import { validateFlow, type FlowProblem } from '#core/validate';
import { autoLayout } from '../graph/layout';

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
  /** A change the assistant proposes: shown on the canvas, marked, until it is accepted (one undo step) or rejected. */
  proposal: Proposal | null;
  /** Unsaved changes since load or the last save (undoing back to the saved document clears it). */
  dirty: boolean;
  /** The document and name as last loaded or saved: what `dirty` compares against. */
  saved: { doc: FlowDocument | null; name: string };
  /** Outputs of "Test this step" by node id (this session only): upstream data for later tests and expression previews. */
  testOutputs: Record<string, unknown>;
  setTestOutput(nodeId: string, output: unknown): void;
  readOnly: boolean;
  load(flow: { id: string; name: string; document: FlowDocument }, actions: ActionInfo[], readOnly?: boolean): void;
  /** Applies operations as one undo step; returns the error message if an operation is impossible. */
  apply(ops: FlowOperation[]): string | undefined;
  undo(): void;
  redo(): void;
  select(ids: string[]): void;
  rename(name: string): void;
  markSaved(): void;
  propose(doc: FlowDocument, changes: { added: string[]; changed: string[]; removed: string[] }): void;
  acceptProposal(): void;
  rejectProposal(): void;
}

/** Unsaved: the document or the name differ from what was last loaded or saved (by reference: documents are immutable). */
function isDirty(state: { saved: EditorState['saved']; name: string }, doc: FlowDocument): boolean {
  return doc !== state.saved.doc || state.name !== state.saved.name;
}

export interface Proposal {
  doc: FlowDocument;
  marks: Record<string, 'added' | 'changed'>;
  removed: string[];
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
  proposal: null,
  dirty: false,
  saved: { doc: null, name: '' },
  testOutputs: {},
  setTestOutput(nodeId, output) {
    set({ testOutputs: { ...get().testOutputs, [nodeId]: output } });
  },
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
      proposal: null,
      dirty: false,
      saved: { doc: flow.document, name: flow.name },
      testOutputs: {},
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
    set({
      doc: previous,
      past: past.slice(0, -1),
      future: [doc, ...future],
      dirty: isDirty(get(), previous),
      problems: validateFlow(previous, index(actions)),
    });
  },
  redo() {
    lastEdit = { key: undefined, at: 0 };
    const { past, doc, future, actions } = get();
    const next = future[0];
    if (!next || !doc) return;
    set({ doc: next, past: [...past, doc], future: future.slice(1), dirty: isDirty(get(), next), problems: validateFlow(next, index(actions)) });
  },
  select(ids) {
    set({ selection: ids });
  },
  rename(name) {
    const { saved, doc } = get();
    set({ name, dirty: doc !== saved.doc || name !== saved.name });
  },
  markSaved() {
    set({ dirty: false, saved: { doc: get().doc, name: get().name } });
  },
  propose(doc, changes) {
    const marks: Proposal['marks'] = {};
    for (const id of changes.changed) marks[id] = 'changed';
    for (const id of changes.added) marks[id] = 'added';
    const current = get().doc;
    // Drafted from scratch (no flow sent), the answer's changes do not know the trigger on the canvas.
    if (current && JSON.stringify(current.trigger) !== JSON.stringify(doc.trigger)) marks.trigger = 'changed';
    // The steps already on the canvas keep their places; new ones are laid out around them.
    const layout = {
      ...autoLayout(doc),
      ...Object.fromEntries(Object.entries(current?.layout ?? {}).filter(([id]) => !(id in marks) || marks[id] === 'changed')),
    };
    set({ proposal: { doc: { ...doc, layout }, marks, removed: changes.removed } });
  },
  acceptProposal() {
    lastEdit = { key: undefined, at: 0 };
    const { proposal, doc, past, actions, readOnly } = get();
    if (!proposal || !doc || readOnly) return;
    set({
      doc: proposal.doc,
      past: [...past.slice(-HISTORY_LIMIT + 1), doc],
      future: [],
      dirty: true,
      proposal: null,
      problems: validateFlow(proposal.doc, index(actions)),
    });
  },
  rejectProposal() {
    set({ proposal: null });
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
