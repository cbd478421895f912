import { useCallback, useEffect, useId, useMemo, useState, type ReactNode } from 'react';
import type { ExpressionScope } from '#core/expressions';
import { sampleScope } from '#core/test-step';
import { PreviewScope } from './expression-preview';
import type { FlowDocument, FlowNode } from '#core/flow';
import { allowedBranches, NodeKindLabels, TRIGGER_ID, walkNodes } from '#core/graph';
import { findNode } from '#core/operations';
import type { FlowProblem } from '#core/validate';
import { expressionSuggestions } from '../graph/suggestions';
import { useEditor } from '../store/editor-store';
import { WaitForWebhookEditor } from './webhook-fields';
import { ActionEditor } from './forms/action-form';
import { CodeStepEditor } from './forms/code-form';
import { ConditionEditor } from './forms/condition-form';
import { DelayEditor } from './forms/delay-form';
import { EndEditor } from './forms/end-form';
import { ForEachEditor } from './forms/for-each-form';
import { useStableJson, type Apply, type Located } from './forms/shared';
import { SwitchEditor } from './forms/switch-form';
import { TriggerEditor } from './forms/trigger-form';

/**
 * The configuration panel of the selected node (`nodeId` 'trigger' edits the trigger). Every edit is a
 * typed operation applied through the editor store, so it is one undo step and re-validated at once.
 */

function locate(doc: FlowDocument, id: string): Located | undefined {
  for (const w of walkNodes(doc)) if (w.node.id === id) return { node: w.node, graph: w.graph, ...(w.parent ? { parentId: w.parent.id } : {}) };
  return undefined;
}

export function NodePanel({ nodeId }: { nodeId: string }) {
  const doc = useEditor((s) => s.doc);
  if (!doc) return <p className="empty">No flow is open.</p>;
  // A new node starts with fresh drafts.
  return <NodePanelBody key={nodeId} nodeId={nodeId} doc={doc} />;
}

function NodePanelBody({ nodeId, doc }: { nodeId: string; doc: FlowDocument }) {
  const actions = useEditor((s) => s.actions);
  const problems = useEditor((s) => s.problems);
  const readOnly = useEditor((s) => s.readOnly);
  const storeApply = useEditor((s) => s.apply);
  const flowId = useEditor((s) => s.flowId);
  const [error, setError] = useState<string | undefined>();
  const apply = useCallback<Apply>(
    (ops) => {
      const err = storeApply(ops);
      setError(err);
      return err;
    },
    [storeApply],
  );
  const titleId = useId();
  const isTrigger = nodeId === TRIGGER_ID;
  const located = isTrigger ? undefined : locate(doc, nodeId);
  const nodeProblems = useStableJson(problems.filter((p) => (isTrigger ? p.nodeId === undefined : p.nodeId === nodeId)));
  const exists = located !== undefined;
  const testOutputs = useEditor((s) => s.testOutputs);
  const suggestions = useStableJson(
    useMemo(() => (exists ? expressionSuggestions(doc, nodeId, actions, 3, testOutputs) : []), [doc, nodeId, actions, exists, testOutputs]),
  );
  const previewScope = usePreviewScope(doc, nodeId, testOutputs);

  if (!isTrigger && !located) {
    return (
      <aside className="np" aria-label="Node settings">
        <p className="empty">
          There is no node <code>{nodeId}</code> in this flow.
        </p>
      </aside>
    );
  }

  const node = located?.node;
  const info = node?.type === 'action' ? actions.find((a) => a.ref === node.action) : undefined;
  let body: ReactNode;
  if (!node) body = <TriggerEditor trigger={doc.trigger} apply={apply} disabled={readOnly} flowId={flowId} />;
  else {
    const props = { apply, disabled: readOnly, suggestions };
    switch (node.type) {
      case 'action':
        body = <ActionEditor node={node} info={info} problems={nodeProblems} located={located!} {...props} />;
        break;
      case 'code':
        body = <CodeStepEditor node={node} {...props} />;
        break;
      case 'condition':
        body = <ConditionEditor node={node} {...props} />;
        break;
      case 'switch':
        body = <SwitchEditor node={node} located={located!} {...props} />;
        break;
      case 'delay':
        body = <DelayEditor node={node} {...props} />;
        break;
      case 'waitForWebhook':
        body = <WaitForWebhookEditor node={node} {...props} />;
        break;
      case 'forEach':
        body = <ForEachEditor node={node} {...props} />;
        break;
      case 'end':
      case 'respond':
        body = <EndEditor node={node} {...props} />;
        break;
    }
  }

  return (
    <aside className="np" aria-labelledby={titleId}>
      <header className="np-head">
        <h2 id={titleId}>
          <code>{nodeId}</code> <span className="np-kind">{NodeKindLabels[node?.type ?? 'trigger']}</span>
        </h2>
        {info && (
          <p className="np-action">
            {info.title} <code>{info.ref}</code>
          </p>
        )}
        {node && <LabelField node={node} apply={apply} disabled={readOnly} />}
        {readOnly && <p className="sf-help">Read-only: this version cannot be changed.</p>}
      </header>
      {nodeProblems.length > 0 && <ProblemList problems={nodeProblems} />}
      {error && (
        <p role="alert" className="error-box">
          {error}
        </p>
      )}
      {/* A disabled fieldset also disables every control inside it, whatever its own props say. */}
      <fieldset className="np-body" disabled={readOnly}>
        <legend className="sr-only">Settings of {nodeId}</legend>
        <PreviewScope.Provider value={previewScope}>{body}</PreviewScope.Provider>
        {!readOnly && <ConnectSection doc={doc} nodeId={nodeId} apply={apply} parentId={located?.parentId} />}
      </fieldset>
    </aside>
  );
}

/** The sample scope for this step's expression previews, once there is any sample (pinned, or a step tested). */
function usePreviewScope(doc: FlowDocument, nodeId: string, testOutputs: Record<string, unknown>): ExpressionScope | undefined {
  const [scope, setScope] = useState<ExpressionScope | undefined>(undefined);
  const pinned = doc.pinned;
  const trigger = doc.trigger;
  useEffect(() => {
    if (Object.keys(pinned ?? {}).length === 0 && Object.keys(testOutputs).length === 0) {
      setScope(undefined);
      return;
    }
    let current = true;
    void sampleScope({ ...useEditor.getState().doc!, pinned, trigger }, nodeId, testOutputs).then((s) => current && setScope(s));
    return () => {
      current = false;
    };
  }, [pinned, trigger, nodeId, testOutputs]);
  return scope;
}

/**
 * "Connect to…": an edge from this step to another of the same graph, chosen from a list (the keyboard's way to draw
 * an edge), with the branch where the step has several; and its outgoing edges, each removable.
 */
function ConnectSection({ doc, nodeId, apply, parentId }: { doc: FlowDocument; nodeId: string; apply: Apply; parentId: string | undefined }) {
  const id = useId();
  const graph = parentId ? (findNode(doc, parentId) as Extract<FlowNode, { type: 'forEach' }>).body : doc;
  const node = nodeId === TRIGGER_ID ? undefined : findNode(doc, nodeId);
  const branches = node ? allowedBranches(node) : [undefined];
  const outgoing = graph.edges.filter((e) => e.from === nodeId);
  const targets = graph.nodes.filter((n) => n.id !== nodeId);
  const [to, setTo] = useState('');
  const [branch, setBranch] = useState<string>(branches[0] ?? '');
  if (targets.length === 0 && outgoing.length === 0) return null;
  const target = to || targets[0]?.id || '';
  const connect = () => {
    if (!target) return;
    apply([{ type: 'connect', edge: { from: nodeId, to: target, ...(branch ? { branch } : {}) }, ...(parentId ? { parentId } : {}) }]);
  };
  return (
    <section className="np-section np-connect" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Connections</h3>
      {outgoing.length > 0 && (
        <ul className="np-edges">
          {outgoing.map((e) => (
            <li key={`${e.to}:${e.branch ?? ''}`}>
              → <code>{e.to}</code>
              {e.branch ? ` (${e.branch})` : ''}{' '}
              <button
                type="button"
                className="link-button"
                aria-label={`Disconnect ${nodeId} from ${e.to}${e.branch ? ` (${e.branch})` : ''}`}
                onClick={() => apply([{ type: 'disconnect', edge: e, ...(parentId ? { parentId } : {}) }])}
              >
                Disconnect
              </button>
            </li>
          ))}
        </ul>
      )}
      {targets.length > 0 && (
        <div className="sf-row">
          <label htmlFor={`${id}-to`}>Connect to</label>
          <select id={`${id}-to`} value={target} onChange={(e) => setTo(e.target.value)}>
            {targets.map((n) => (
              <option key={n.id} value={n.id}>
                {n.label ? `${n.label} (${n.id})` : n.id}
              </option>
            ))}
          </select>
          {branches.length > 1 && (
            <>
              <label htmlFor={`${id}-branch`}>on</label>
              <select id={`${id}-branch`} value={branch} onChange={(e) => setBranch(e.target.value)}>
                {branches.map((b) => (
                  <option key={b ?? ''} value={b ?? ''}>
                    {b ?? 'next'}
                  </option>
                ))}
              </select>
            </>
          )}
          <button type="button" onClick={connect}>
            Connect
          </button>
        </div>
      )}
    </section>
  );
}

function LabelField({ node, apply, disabled }: { node: FlowNode; apply: Apply; disabled: boolean }) {
  const id = useId();
  return (
    <div className="sf-field">
      <label htmlFor={id}>Label</label>
      <input
        id={id}
        type="text"
        value={node.label ?? ''}
        placeholder={node.id}
        maxLength={200}
        disabled={disabled}
        onChange={(e) => apply([{ type: 'updateNode', nodeId: node.id, patch: { label: e.target.value === '' ? undefined : e.target.value } }])}
      />
    </div>
  );
}

function ProblemList({ problems }: { problems: FlowProblem[] }) {
  const id = useId();
  return (
    <section className="np-problems" aria-labelledby={id}>
      <h3 id={id}>
        {problems.length} {problems.length === 1 ? 'problem' : 'problems'}
      </h3>
      <ul>
        {problems.map((p, i) => (
          <li key={i}>
            {p.field && <code className="np-problem-field">{p.field}</code>} {p.message}
          </li>
        ))}
      </ul>
    </section>
  );
}

// ---------------------------------------------------------------------------------------------------
// Trigger
