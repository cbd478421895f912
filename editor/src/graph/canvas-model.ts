/**
 * Flow document ⇄ canvas model. Pure: no React import, so it is tested without a DOM and shared by the
 * editor and the read-only run view. Node `data` is plain JSON (no callbacks), as the house style asks.
 */
import { shownStatus } from '#core/run';
import type { ActionInfo } from '#core/catalog-sdk';
import { allowedBranches, TRIGGER_ID, walkNodes, type FlowDocument, type FlowNode, type FlowTrigger } from '#core/flow';
import type { NodeRunState } from '#core/run';
import type { FlowProblem } from '#core/validate';

export type CanvasKind = FlowNode['type'] | 'trigger';

/** What a node status is in the run view; `waiting` = not reached yet. */
export type CanvasStatus = NodeRunState['status'] | 'waiting';

export interface CanvasNodeData {
  [key: string]: unknown;
  kind: CanvasKind;
  title: string;
  subtitle: string;
  /** Integration key of an action (for its icon and colour). */
  integration?: string;
  /** Output handles: `[null]` for one unlabelled output, or the branch names. */
  outputs: (string | null)[];
  problems: string[];
  status?: CanvasStatus;
  attempts?: number;
  error?: string;
  simulated?: boolean;
  /** A proposal from the assistant: this step is new or changed in it. */
  mark?: 'added' | 'changed';
}

export interface CanvasNode {
  id: string;
  type: CanvasKind;
  position: { x: number; y: number };
  data: CanvasNodeData;
  parentId?: string;
  extent?: 'parent';
  style?: { width: number; height: number };
}

export interface CanvasEdge {
  id: string;
  source: string;
  target: string;
  sourceHandle: string;
  label?: string;
  animated?: boolean;
  data: { branch: string | null; parentId: string | null };
}

export const OUT_HANDLE = 'out';

export function edgeId(from: string, to: string, branch?: string | null): string {
  return `${from}->${to}:${branch ?? ''}`;
}

export function triggerSubtitle(trigger: FlowTrigger): string {
  switch (trigger.type) {
    case 'event':
      return `event ${trigger.event}`;
    case 'schedule':
      return trigger.cron !== undefined ? `cron ${trigger.cron}` : trigger.interval ? `every ${trigger.interval.every}` : 'calendar specs';
    case 'manual':
      return 'started by hand';
    case 'invoke':
      return `POST /v1/flows/…/invoke${trigger.public ? ' · public' : ''}`;
    case 'webhook':
      return `${trigger.source} webhook${trigger.events?.length ? ` · ${trigger.events.join(', ')}` : ''}`;
  }
}

function describe(node: FlowNode, actions: Map<string, ActionInfo>): { title: string; subtitle: string; integration?: string } {
  switch (node.type) {
    case 'action': {
      const info = actions.get(node.action);
      return { title: node.label ?? info?.title ?? node.action, subtitle: node.action, integration: node.action.split('.')[0]! };
    }
    case 'code':
      return { title: node.label ?? 'Code', subtitle: `${node.language}${node.secrets.length ? ` · ${node.secrets.join(', ')}` : ''}` };
    case 'condition':
      return { title: node.label ?? 'If', subtitle: node.condition };
    case 'switch':
      return { title: node.label ?? 'Switch', subtitle: node.value };
    case 'delay':
      return { title: node.label ?? 'Delay', subtitle: String(node.duration) };
    case 'waitForWebhook':
      return { title: node.label ?? 'Wait for webhook', subtitle: `${node.source} ${node.event} · timeout ${node.timeout}` };
    case 'forEach':
      return { title: node.label ?? 'For each', subtitle: node.items };
    case 'end':
      return { title: node.label ?? 'End', subtitle: 'finish the run' };
    case 'respond':
      return { title: node.label ?? 'Respond', subtitle: 'answer the invoke, go on' };
  }
}

const GROUP_PADDING = 40;
const NODE_W = 220;
const NODE_H = 70;

export interface CanvasOptions {
  actions: ActionInfo[];
  problems?: FlowProblem[];
  /** Run view: node states by node id (top-level) or key. */
  runNodes?: NodeRunState[];
  /** The assistant's proposal: steps it adds or changes (`trigger` when it changes the trigger). */
  marks?: Record<string, 'added' | 'changed'>;
}

/** Builds the canvas nodes and edges of a document (the trigger is a node with id `trigger`). */
export function toCanvas(doc: FlowDocument, o: CanvasOptions): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  const actions = new Map(o.actions.map((a) => [a.ref, a]));
  const problemsByNode = new Map<string, string[]>();
  for (const p of o.problems ?? []) if (p.nodeId) problemsByNode.set(p.nodeId, [...(problemsByNode.get(p.nodeId) ?? []), p.message]);
  const runByNode = new Map<string, NodeRunState>();
  for (const r of o.runNodes ?? []) if (r.key === r.nodeId) runByNode.set(r.nodeId, r);

  const nodes: CanvasNode[] = [
    {
      id: TRIGGER_ID,
      type: 'trigger',
      position: doc.layout[TRIGGER_ID] ?? { x: 0, y: 0 },
      data: {
        kind: 'trigger',
        title: 'Trigger',
        subtitle: triggerSubtitle(doc.trigger),
        outputs: [null],
        problems: [],
        ...(o.runNodes ? { status: 'succeeded' as const } : {}),
        ...(o.marks?.[TRIGGER_ID] ? { mark: o.marks[TRIGGER_ID] } : {}),
      },
    },
  ];
  const edges: CanvasEdge[] = [];
  let fallbackY = 120;
  for (const { node, graph, parent } of walkNodes(doc)) {
    const d = describe(node, actions);
    const run = runByNode.get(node.id);
    const runInfo = o.runNodes
      ? {
          status: (run ? shownStatus(run) : 'waiting') as CanvasStatus,
          ...(run ? { attempts: run.attempts } : {}),
          ...(run?.error ? { error: run.error.message } : {}),
          ...(run?.simulated ? { simulated: true } : {}),
        }
      : {};
    const position =
      doc.layout[node.id] ??
      (parent ? { x: GROUP_PADDING, y: GROUP_PADDING + graph.nodes.indexOf(node) * (NODE_H + 30) } : { x: 0, y: (fallbackY += NODE_H + 50) });
    nodes.push({
      id: node.id,
      type: node.type,
      position,
      data: {
        kind: node.type,
        ...d,
        outputs: allowedBranches(node).map((b) => b ?? null),
        problems: problemsByNode.get(node.id) ?? [],
        ...runInfo,
        ...(o.marks?.[node.id] ? { mark: o.marks[node.id] } : {}),
      },
      ...(parent ? { parentId: parent.id, extent: 'parent' as const } : {}),
      ...(node.type === 'forEach'
        ? { style: { width: Math.max(NODE_W + 2 * GROUP_PADDING, 320), height: Math.max(160, GROUP_PADDING * 2 + node.body.nodes.length * (NODE_H + 30)) } }
        : {}),
    });
  }
  const addEdges = (graph: { edges: { from: string; to: string; branch?: string | undefined }[] }, parentId: string | null) => {
    for (const e of graph.edges) {
      const fromRun = runByNode.get(e.from);
      edges.push({
        id: edgeId(e.from, e.to, e.branch),
        // Inside a forEach body, the edge from the forEach itself starts the body.
        source: e.from,
        target: e.to,
        sourceHandle: e.branch ?? OUT_HANDLE,
        ...(e.branch ? { label: e.branch } : {}),
        ...(fromRun?.status === 'running' ? { animated: true } : {}),
        data: { branch: e.branch ?? null, parentId },
      });
    }
  };
  addEdges(doc, null);
  for (const { node } of walkNodes(doc)) if (node.type === 'forEach') addEdges(node.body, node.id);
  return { nodes, edges };
}
