/**
 * Custom React Flow nodes. Each is `memo`ized and reads only its own props (no store hooks), so moving
 * one node re-renders only that node. `nodeTypes` is a module constant: React Flow warns when it changes.
 */
import { Handle, Position, type NodeProps, type NodeTypes } from '@xyflow/react';
import { memo, type CSSProperties } from 'react';
import type { CanvasKind, CanvasNodeData } from '../graph/canvas-model';
import { BODY_HANDLE } from './edit-ops';
import { KindIcon, kindColour } from './icons';
import type { SyNode } from './reconcile';

type Props = NodeProps<SyNode>;

const OUT = 'out';

function className(base: string, data: CanvasNodeData, selected: boolean): string {
  return [
    base,
    `sy-kind-${data.kind}`,
    selected ? 'selected' : '',
    data.status ? `sy-run sy-status-${data.status}` : '',
    data.problems.length > 0 ? 'has-problems' : '',
    data.mark ? `sy-mark-${data.mark}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function ProblemMarker({ problems }: { problems: string[] }) {
  if (problems.length === 0) return null;
  const text = `${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.join('; ')}`;
  return (
    <span className="sy-problem" role="img" aria-label={text} title={problems.join('\n')}>
      !
    </span>
  );
}

function RunInfo({ data }: { data: CanvasNodeData }) {
  if (!data.status) return null;
  const attempts = data.attempts ? ` · ${data.attempts} attempt${data.attempts === 1 ? '' : 's'}` : '';
  return (
    <div className="sy-node-run" {...(data.error ? { title: data.error } : {})}>
      <span className={`status ${data.status}`}>{data.status}</span>
      <span className="sy-node-attempts">
        {attempts}
        {data.simulated ? ' · simulated' : ''}
      </span>
    </div>
  );
}

/** Names of the unlabelled output where a kind has other branches too (it is not a branch of the document). */
const UNLABELLED_OUTPUT: Partial<Record<CanvasNodeData['kind'], { label: string; title: string }>> = {
  waitForWebhook: { label: 'received', title: 'When the event arrives: drag to the next step' },
};

/** One source handle per output, spread along the bottom edge; branches are labelled. */
function SourceHandles({ outputs, kind }: { outputs: (string | null)[]; kind: CanvasNodeData['kind'] }) {
  const unlabelled = UNLABELLED_OUTPUT[kind];
  return (
    <>
      {outputs.map((branch, i) => {
        const style: CSSProperties = { left: `${((i + 1) / (outputs.length + 1)) * 100}%` };
        return (
          <Handle
            key={branch ?? OUT}
            type="source"
            id={branch ?? OUT}
            position={Position.Bottom}
            style={style}
            className={branch === 'error' ? 'sy-handle-error' : branch === 'timeout' ? 'sy-handle-timeout' : undefined}
            title={branch ? `Branch “${branch}”: drag to the next step` : (unlabelled?.title ?? 'Drag to the next step')}
          >
            {branch ? <span className="sy-handle-label">{branch}</span> : unlabelled && <span className="sy-handle-label">{unlabelled.label}</span>}
          </Handle>
        );
      })}
    </>
  );
}

function StepNodeView({ data, selected }: Props) {
  const style = { '--sy-kind': kindColour(data.kind, data.integration) } as CSSProperties;
  return (
    <div className={className('sy-node', data, selected)} style={style}>
      {data.kind !== 'trigger' && <Handle type="target" position={Position.Top} title="Connect a previous step here" />}
      <KindIcon kind={data.kind} integration={data.integration} />
      <div className="sy-node-text">
        <div className="sy-node-title">{data.title}</div>
        <div className="sy-node-subtitle" title={data.subtitle}>
          {data.subtitle}
        </div>
        <RunInfo data={data} />
      </div>
      <ProblemMarker problems={data.problems} />
      <SourceHandles outputs={data.outputs} kind={data.kind} />
    </div>
  );
}

/** A forEach: a group whose body nodes are its children (React Flow sub flow). */
function ForEachNodeView({ data, selected }: Props) {
  const style = { '--sy-kind': kindColour(data.kind) } as CSSProperties;
  return (
    <div className={className('sy-group', data, selected)} style={style}>
      <Handle type="target" position={Position.Top} title="Connect a previous step here" />
      <div className="sy-group-head">
        <KindIcon kind="forEach" size={22} />
        <span className="sy-node-title">{data.title}</span>
        <span className="sy-node-subtitle" title={data.subtitle}>
          {data.subtitle}
        </span>
        <ProblemMarker problems={data.problems} />
      </div>
      {data.status && (
        <div className="sy-group-run">
          <RunInfo data={data} />
        </div>
      )}
      <Handle type="source" id={BODY_HANDLE} position={Position.Bottom} className="sy-handle-body" title="Start of the body: drag to the first step inside">
        <span className="sy-handle-label">each item</span>
      </Handle>
      <Handle type="source" id={OUT} position={Position.Bottom} title="After every item: drag to the next step">
        <span className="sy-handle-label">done</span>
      </Handle>
    </div>
  );
}

export const StepNode = memo(StepNodeView);
export const ForEachNode = memo(ForEachNodeView);

export const nodeTypes = {
  trigger: StepNode,
  action: StepNode,
  code: StepNode,
  condition: StepNode,
  switch: StepNode,
  delay: StepNode,
  waitForWebhook: StepNode,
  end: StepNode,
  respond: StepNode,
  forEach: ForEachNode,
  // Every kind has its view: a kind added to the flow schema without one is a compile error here.
} satisfies NodeTypes & Record<CanvasKind, unknown>;
