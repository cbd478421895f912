import { useResolvedTheme } from '../components/theme';
import { Background, Controls, Handle, Position, ReactFlow, type Edge, type Node, type NodeChange, type NodeProps, type NodeTypes } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { memo, useCallback, useMemo } from 'react';
import type { FlowSnapshot } from '#core/flow';
import type { ActionInfo, NodeRunState } from '../api/types';
import { OUT_HANDLE, toCanvas, type CanvasKind, type CanvasNodeData, type CanvasStatus } from '../graph/canvas-model';
import { autoLayout } from '../graph/layout';
import { combinedStatus, entriesByNode, KIND_LABEL } from './run-model';

/** What a node of the run graph carries on top of the canvas model. */
export interface RunNodeData extends CanvasNodeData {
  /** The run is over: a node that never ran shows "not run" instead of "waiting". */
  finished: boolean;
  /** How many times the node ran (forEach bodies run once per item). */
  runs: number;
}

type RunFlowNode = Node<RunNodeData>;

/** What a parked node says in the graph: it waits for a decision (retry, skip or abort) in its details panel. */
export const PARKED_LABEL = 'parked — waiting for you';

export function statusLabel(status: CanvasStatus | undefined, finished: boolean): string {
  if (!status || status === 'waiting') return finished ? 'not run' : 'waiting';
  if (status === 'parked') return PARKED_LABEL;
  if (status === 'waitingForCredits') return 'waiting for credits';
  if (status === 'waitingForReconnect') return 'waiting for reconnect';
  if (status === 'waitingForEvent') return 'waiting for webhook';
  return status;
}

function NodeTags({ data }: { data: RunNodeData }) {
  return (
    <span className="rg-tags">
      {data.runs > 1 && <span className="rg-tag">×{data.runs}</span>}
      {data.attempts !== undefined && data.attempts > 1 && (
        <span className="rg-tag" title={`${data.attempts} attempts`}>
          {data.attempts} attempts
        </span>
      )}
      {data.simulated && (
        <span className="rg-tag rg-simulated" title="The output came from the integration's sandbox">
          simulated
        </span>
      )}
    </span>
  );
}

function OutputHandles({ outputs }: { outputs: (string | null)[] }) {
  return (
    <>
      {outputs.map((out, i) => (
        <Handle
          key={out ?? OUT_HANDLE}
          id={out ?? OUT_HANDLE}
          type="source"
          position={Position.Bottom}
          isConnectable={false}
          style={{ left: `${((i + 1) / (outputs.length + 1)) * 100}%` }}
        />
      ))}
    </>
  );
}

/** One node of the read-only run graph: kind, status, title, subtitle, attempts, simulated. */
export const RunNodeView = memo(function RunNodeView({ data, selected }: NodeProps<RunFlowNode>) {
  const status = data.status ?? 'waiting';
  const label = statusLabel(status, data.finished);
  return (
    <div
      className={`rg-node rg-${status}${selected ? ' rg-selected' : ''}`}
      title={data.error ? `${data.title}: ${data.error}` : data.title}
      aria-label={`${data.title}, ${KIND_LABEL[data.kind] ?? data.kind}, ${label}`}
    >
      {data.kind !== 'trigger' && <Handle type="target" position={Position.Top} isConnectable={false} />}
      <div className="rg-head">
        <span className="rg-kind">{KIND_LABEL[data.kind] ?? data.kind}</span>
        <NodeTags data={data} />
        <span className={`status ${status}`}>{label}</span>
      </div>
      <div className="rg-title">{data.title}</div>
      <div className="rg-sub">{data.error ? <span className="rg-error">{data.error}</span> : data.subtitle}</div>
      <OutputHandles outputs={data.outputs} />
    </div>
  );
});

/** A forEach: a frame holding its body, with its own status in the header. */
export const RunGroupView = memo(function RunGroupView({ data, selected }: NodeProps<RunFlowNode>) {
  const status = data.status ?? 'waiting';
  const label = statusLabel(status, data.finished);
  return (
    <div className={`rg-group rg-${status}${selected ? ' rg-selected' : ''}`} aria-label={`${data.title}, For each, ${label}`}>
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <div className="rg-head">
        <span className="rg-kind">For each</span>
        {data.title !== 'For each' && <span className="rg-group-title">{data.title}</span>}
        <NodeTags data={data} />
        <span className={`status ${status}`}>{label}</span>
      </div>
      <div className="rg-sub">{data.error ? <span className="rg-error">{data.error}</span> : data.subtitle}</div>
      <OutputHandles outputs={data.outputs} />
    </div>
  );
});

export const runNodeTypes = {
  trigger: RunNodeView,
  action: RunNodeView,
  code: RunNodeView,
  condition: RunNodeView,
  switch: RunNodeView,
  delay: RunNodeView,
  waitForWebhook: RunNodeView,
  end: RunNodeView,
  respond: RunNodeView,
  forEach: RunGroupView,
} satisfies NodeTypes & Record<CanvasKind, unknown>;

/** The canvas nodes and edges of a run: the version's graph with each node's state. Exported for tests. */
export function runCanvas(
  snapshot: FlowSnapshot,
  actions: ActionInfo[],
  runNodes: NodeRunState[],
  finished: boolean,
  selectedId: string | null,
): { nodes: RunFlowNode[]; edges: Edge[] } {
  const doc = { ...snapshot, layout: {} };
  const canvas = toCanvas({ ...doc, layout: autoLayout(doc) }, { actions, runNodes });
  const byNode = entriesByNode(runNodes);
  const nodes: RunFlowNode[] = canvas.nodes.map((n) => {
    const entries = byNode.get(n.id) ?? [];
    // Nodes inside a forEach body run once per item (keys `loop[2].node`): show them combined.
    const inBody = n.parentId !== undefined;
    const status = inBody ? combinedStatus(entries) : n.data.status;
    const failed = inBody ? (entries.find((e) => e.status === 'parked') ?? entries.find((e) => e.status === 'failed')) : undefined;
    const attempts = inBody ? Math.max(0, ...entries.map((e) => e.attempts)) : n.data.attempts;
    const data: RunNodeData = {
      ...n.data,
      ...(status ? { status } : {}),
      ...(attempts !== undefined ? { attempts } : {}),
      ...(failed?.error ? { error: failed.error.message } : {}),
      ...(inBody && entries.some((e) => e.simulated) ? { simulated: true } : {}),
      finished,
      runs: entries.length,
    };
    return {
      id: n.id,
      type: n.type,
      position: n.position,
      data,
      selected: n.id === selectedId,
      draggable: false,
      connectable: false,
      ...(n.parentId ? { parentId: n.parentId, extent: n.extent } : {}),
      ...(n.style ? { style: n.style } : {}),
      ...(n.type === 'forEach' ? { zIndex: -1 } : {}),
    };
  });
  const statusOf = new Map(nodes.map((n) => [n.id, n.data.status]));
  // The edge from a forEach to the first node of its body is implied by the frame: leave it out.
  const edges: Edge[] = canvas.edges
    .filter((e) => !(e.data.parentId !== null && e.source === e.data.parentId))
    .map((e) => {
      const reached = ['running', 'succeeded', 'failed', 'parked'].includes(statusOf.get(e.target) ?? '');
      return {
        id: e.id,
        source: e.source,
        target: e.target,
        sourceHandle: e.sourceHandle,
        ...(e.label ? { label: e.label } : {}),
        ...(e.animated ? { animated: true } : {}),
        className: reached ? 'rg-edge-reached' : 'rg-edge-idle',
        selectable: false,
        focusable: false,
      };
    });
  return { nodes, edges };
}

/**
 * The graph of a run's version, read-only, with each node's live state. Clicking a node (or pressing
 * Enter on it) selects it.
 */
export function RunGraph({
  snapshot,
  actions,
  runNodes,
  finished,
  selectedId,
  onSelect,
}: {
  snapshot: FlowSnapshot;
  actions: ActionInfo[];
  runNodes: NodeRunState[];
  finished: boolean;
  selectedId: string | null;
  onSelect: (nodeId: string) => void;
}) {
  const theme = useResolvedTheme();
  const { nodes, edges } = useMemo(() => runCanvas(snapshot, actions, runNodes, finished, selectedId), [snapshot, actions, runNodes, finished, selectedId]);
  // As tall as the graph needs (at zoom 1), within bounds.
  const height = useMemo(() => {
    const bottom = Math.max(0, ...nodes.filter((n) => !n.parentId).map((n) => n.position.y + (typeof n.style?.height === 'number' ? n.style.height : 70)));
    const top = Math.min(0, ...nodes.filter((n) => !n.parentId).map((n) => n.position.y));
    return Math.min(620, Math.max(240, bottom - top + 90));
  }, [nodes]);
  const onNodesChange = useCallback(
    (changes: NodeChange<RunFlowNode>[]) => {
      const picked = changes.find((c) => c.type === 'select' && c.selected);
      if (picked && picked.type === 'select') onSelect(picked.id);
    },
    [onSelect],
  );
  return (
    <div className="run-graph" role="group" aria-label="Run graph" style={{ height }}>
      <ReactFlow<RunFlowNode>
        colorMode={theme}
        nodes={nodes}
        edges={edges}
        nodeTypes={runNodeTypes}
        onNodesChange={onNodesChange}
        onNodeClick={(_, node) => onSelect(node.id)}
        nodesDraggable={false}
        nodesConnectable={false}
        edgesFocusable={false}
        elementsSelectable
        zoomOnScroll={false}
        preventScrolling={false}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1 }}
        minZoom={0.2}
      >
        <Background gap={20} size={1} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
