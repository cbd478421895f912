import {
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  ConnectionLineType,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  type DefaultEdgeOptions,
  type EdgeChange,
  type FitViewOptions,
  type IsValidConnection,
  type NodeChange,
  type OnBeforeDelete,
  type OnConnect,
  type OnNodeDrag,
  type SelectionDragHandler,
  useReactFlow,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useMemo, useRef, useState, type DragEvent } from 'react';
import type { NodeRunState } from '#core/run';
import { toCanvas } from '../graph/canvas-model';
import { PALETTE_MIME, type PaletteItem } from '../graph/palette';
import { useResolvedTheme } from '../components/theme';
import { useEditor } from '../store/editor-store';
import { useCanvasCommands } from './commands';
import { connectOperation, deleteOperations, moveOperations, parentsOf, withBodyPositions, type EdgeRef } from './edit-ops';
import { kindColour } from './icons';
import { nodeTypes } from './nodes';
import { reconcileEdges, reconcileNodes, withSelection, type SyEdge, type SyNode } from './reconcile';
import { showToast } from './toast';

// Module constants: React Flow compares these by identity.
const MULTI_SELECT_KEYS = ['Shift', 'Meta', 'Control'];
const DELETE_KEYS = ['Backspace', 'Delete'];
const FIT_VIEW: FitViewOptions = { padding: 0.2, maxZoom: 1 };
const EDGE_OPTIONS: DefaultEdgeOptions = {
  type: 'smoothstep',
  markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
  labelBgPadding: [6, 3],
  labelBgBorderRadius: 4,
};
const MINIMAP_STYLE = { width: 168, height: 112 };
const miniMapColour = (n: SyNode) => kindColour(n.data.kind, n.data.integration);

/** Keeps the non-structural changes (selection, measurement, drag positions); removals go through the store. */
const LOCAL_CHANGES = new Set(['position', 'dimensions', 'select']);

/**
 * The flow canvas. The document in the store is the truth; React Flow's node array is local state
 * derived from it, updated with `applyNodeChanges` while dragging and committed as `moveNode`
 * operations on drag stop. Every edit is an operation applied through the store.
 */
export function FlowCanvas({ runNodes }: { runNodes?: NodeRunState[] }) {
  const theme = useResolvedTheme();
  const proposal = useEditor((s) => s.proposal);
  const edited = useEditor((s) => s.doc);
  // While the assistant proposes a change, the canvas shows the proposal, its new and changed steps marked.
  const doc = proposal?.doc ?? edited;
  const actions = useEditor((s) => s.actions);
  const problems = useEditor((s) => s.problems);
  const selection = useEditor((s) => s.selection);
  // A proposal on show is not edited in place: accept it (then edit) or reject it.
  const readOnly = useEditor((s) => s.readOnly || s.proposal !== null);
  const commands = useCanvasCommands();
  const commit = commands.run;
  const { screenToFlowPosition } = useReactFlow<SyNode, SyEdge>();

  const model = useMemo(
    () =>
      doc
        ? toCanvas(withBodyPositions(doc), { actions, problems, ...(runNodes ? { runNodes } : {}), ...(proposal ? { marks: proposal.marks } : {}) })
        : { nodes: [], edges: [] },
    [doc, actions, problems, runNodes, proposal],
  );
  const [nodes, setNodes] = useState<SyNode[]>(() => reconcileNodes(model.nodes, [], new Set(selection)));
  const [edges, setEdges] = useState<SyEdge[]>(() => reconcileEdges(model.edges, []));
  // Derive the local arrays when the document or the selection changes (during render, not in an effect).
  const [synced, setSynced] = useState({ model, selection });
  if (synced.model !== model || synced.selection !== selection) {
    setSynced({ model, selection });
    if (synced.model !== model) {
      setNodes((prev) => reconcileNodes(model.nodes, prev, new Set(selection)));
      setEdges((prev) => reconcileEdges(model.edges, prev));
    } else {
      setNodes((prev) => withSelection(prev, new Set(selection)));
    }
  }

  // A mouse drag is committed on drag stop; a move without a drag (arrow keys on selected nodes) at once.
  const dragging = useRef(false);
  const onNodesChange = useCallback(
    (changes: NodeChange<SyNode>[]) => {
      const local = changes.filter((c) => LOCAL_CHANGES.has(c.type));
      if (local.length > 0) setNodes((prev) => applyNodeChanges(local, prev));
      const settled = local.flatMap((c) => (c.type === 'position' && c.dragging === false && c.position ? [{ id: c.id, position: c.position }] : []));
      if (settled.length > 0) {
        if (dragging.current) dragging.current = false;
        else {
          const current = useEditor.getState().doc;
          if (current) commit(moveOperations(current, settled));
        }
      }
      if (local.some((c) => c.type === 'select')) {
        const { selection: current, select } = useEditor.getState();
        const next = new Set(current);
        for (const c of local) {
          if (c.type !== 'select') continue;
          if (c.selected) next.add(c.id);
          else next.delete(c.id);
        }
        if (next.size !== current.length || current.some((id) => !next.has(id))) select([...next]);
      }
    },
    [commit],
  );

  const onEdgesChange = useCallback((changes: EdgeChange<SyEdge>[]) => {
    const local = changes.filter((c) => c.type === 'select');
    if (local.length > 0) setEdges((prev) => applyEdgeChanges(local, prev));
  }, []);

  const onBeforeDelete = useCallback<OnBeforeDelete<SyNode, SyEdge>>(
    async ({ nodes: gone, edges: goneEdges }) => {
      const { doc: current, selection: sel, select } = useEditor.getState();
      if (!current) return false;
      const refs: EdgeRef[] = goneEdges.flatMap((e) => (e.data ? [{ edge: edgeOf(e), parentId: e.data.parentId }] : []));
      const ops = deleteOperations(
        current,
        gone.map((n) => n.id),
        refs,
      );
      if (commands.run(ops)) {
        const removed = new Set(gone.map((n) => n.id));
        select(sel.filter((id) => !removed.has(id)));
      }
      // The document drives the canvas: React Flow must not remove anything itself.
      return false;
    },
    [commands],
  );

  const onConnect = useCallback<OnConnect>(
    (c) => {
      const current = useEditor.getState().doc;
      if (!current) return;
      const result = connectOperation(parentsOf(current), c);
      if ('error' in result) showToast(result.error);
      else commands.run([result.op]);
    },
    [commands],
  );

  const parents = useMemo(() => (doc ? parentsOf(doc) : new Map<string, string | undefined>()), [doc]);
  const isValidConnection = useCallback<IsValidConnection<SyEdge>>((c) => 'op' in connectOperation(parents, c), [parents]);

  const onDragStart = useCallback(() => {
    dragging.current = true;
  }, []);
  const onNodeDragStop = useCallback<OnNodeDrag<SyNode>>(
    (_event, _node, dragged) => {
      dragging.current = false;
      const current = useEditor.getState().doc;
      if (current) commit(moveOperations(current, dragged));
    },
    [commit],
  );
  const onSelectionDragStop = useCallback<SelectionDragHandler<SyNode>>(
    (_event, dragged) => {
      dragging.current = false;
      const current = useEditor.getState().doc;
      if (current) commit(moveOperations(current, dragged));
    },
    [commit],
  );

  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(PALETTE_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  }, []);

  const { addItem } = commands;
  const onDrop = useCallback(
    (e: DragEvent) => {
      const raw = e.dataTransfer.getData(PALETTE_MIME);
      if (!raw) return;
      e.preventDefault();
      const item = parsePaletteItem(raw);
      if (!item) return;
      addItem(item, screenToFlowPosition({ x: e.clientX, y: e.clientY }));
    },
    [addItem, screenToFlowPosition],
  );

  return (
    <div className="sy-canvas" data-testid="flow-canvas">
      <ReactFlow<SyNode, SyEdge>
        colorMode={theme}
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onBeforeDelete={onBeforeDelete}
        onConnect={onConnect}
        isValidConnection={isValidConnection}
        onNodeDragStart={onDragStart}
        onNodeDragStop={onNodeDragStop}
        onSelectionDragStart={onDragStart}
        onSelectionDragStop={onSelectionDragStop}
        onDragOver={onDragOver}
        onDrop={onDrop}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        edgesReconnectable={false}
        elementsSelectable
        deleteKeyCode={readOnly ? null : DELETE_KEYS}
        multiSelectionKeyCode={MULTI_SELECT_KEYS}
        selectionKeyCode="Shift"
        defaultEdgeOptions={EDGE_OPTIONS}
        connectionLineType={ConnectionLineType.SmoothStep}
        fitView
        fitViewOptions={FIT_VIEW}
        minZoom={0.1}
        maxZoom={2}
        aria-label={readOnly ? 'Flow canvas (read-only)' : 'Flow canvas'}
      >
        <Background gap={20} size={1} color="#d3d8e0" />
        <Controls showInteractive={false} />
        <MiniMap<SyNode> pannable zoomable nodeColor={miniMapColour} nodeStrokeWidth={2} ariaLabel="Overview of the flow" style={MINIMAP_STYLE} />
      </ReactFlow>
    </div>
  );
}

function edgeOf(e: SyEdge): EdgeRef['edge'] {
  return e.data?.branch ? { from: e.source, to: e.target, branch: e.data.branch } : { from: e.source, to: e.target };
}

function parsePaletteItem(raw: string): PaletteItem | null {
  try {
    const item = JSON.parse(raw) as PaletteItem;
    if (item && typeof item === 'object' && ['trigger', 'logic', 'action'].includes(item.kind)) return item;
  } catch {
    // not ours
  }
  return null;
}
