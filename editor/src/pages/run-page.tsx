import { useCallback, useMemo, useState } from 'react';
import { walkNodes } from '#core/graph';
import type { FlowSnapshot } from '#core/flow';
import { useActions, useCancelRun, useConnect, useFlows, useLiveRun, useResetRun, useStartRun, useVersion } from '../api/queries';
import type { ActionInfo, NodeRunState, RunDetail } from '../api/types';
import { useConfirm } from '../components/dialog';
import { ErrorBox } from '../components/error-box';
import { elapsed, formatDuration, formatTime, truncate } from '../components/format';
import { JsonView } from '../components/json-view';
import { StatusBadge, TestBadge } from '../components/status-badge';
import { useNow } from '../components/use-now';
import { href, navigate } from '../router';
import { NodeDetails, type NodeSelection } from '../runs/node-details';
import { ParkedBanner } from '../runs/parked-actions';
import { RunGraph } from '../runs/run-graph';
import { entriesByNode, failingEntry, isFinished, KIND_LABEL, parkedEntries } from '../runs/run-model';

const NO_ACTIONS: ActionInfo[] = [];

/** A node's title and type from the version's snapshot (or from its run entry when the snapshot is not loaded). */
function describeNode(
  nodeId: string,
  snapshot: FlowSnapshot | undefined,
  actions: ActionInfo[],
  entry: NodeRunState | undefined,
): { title: string; kind: string } {
  if (nodeId === 'trigger') return { title: 'Trigger', kind: 'trigger' };
  if (snapshot) {
    for (const { node } of walkNodes(snapshot)) {
      if (node.id !== nodeId) continue;
      const title = node.label ?? (node.type === 'action' ? (actions.find((a) => a.ref === node.action)?.title ?? node.action) : KIND_LABEL[node.type]!);
      return { title, kind: node.type };
    }
  }
  return { title: nodeId, kind: entry?.type ?? 'action' };
}

/** One run: its header and actions, result, the live graph of its version, the selected node's details and every step. */
export function RunPage({ runId }: { runId: string }) {
  // Polls while the run is running or parked (and again after a reset), until it is over.
  const run = useLiveRun(runId);
  if (run.error) {
    return (
      <section>
        <p>
          <a href={href({ page: 'runs' })}>← Runs</a>
        </p>
        <ErrorBox error={run.error} />
      </section>
    );
  }
  if (!run.data) return <p className="muted">Loading run…</p>;
  return <RunView run={run.data} />;
}

function RunView({ run }: { run: RunDetail }) {
  const flows = useFlows();
  const actions = useActions();
  const version = useVersion(run.flowId, run.version);
  const cancel = useCancelRun();
  const again = useStartRun(run.flowId);
  const reset = useResetRun(run.id);
  const finished = isFinished(run.status);
  const now = useNow(!finished);
  const flowName = flows.data?.find((f) => f.id === run.flowId)?.name;
  const snapshot = version.data?.snapshot;
  const actionList = actions.data ?? NO_ACTIONS;

  // The failing node (else the first parked one) is selected until the person picks another (or closes the panel).
  const [picked, setPicked] = useState<NodeSelection | null | undefined>(undefined);
  const parked = useMemo(() => parkedEntries(run.nodes), [run.nodes]);
  const failing = run.status === 'failed' ? failingEntry(run) : parked[0];
  const selection = picked !== undefined ? picked : failing ? { nodeId: failing.nodeId, key: failing.key } : null;
  const onSelectNode = useCallback((nodeId: string) => setPicked((p) => (p?.nodeId === nodeId ? p : { nodeId })), []);
  const byNode = useMemo(() => entriesByNode(run.nodes), [run.nodes]);

  const confirmation = useConfirm();
  const onCancel = async () => {
    const ok = await confirmation.ask({
      title: `Cancel run ${run.id}?`,
      message: 'Steps already done stay done; the run stops before its next step.',
      confirm: 'Cancel the run',
      danger: true,
    });
    if (ok) cancel.mutate(run.id);
  };
  const onReset = async () => {
    const ok = await confirmation.ask({
      title: `Retry run ${run.id} from its failed step?`,
      message: 'The failed step runs again, and so does anything that was scheduled after it. Steps that completed keep their results and do not run again.',
      confirm: 'Retry from the failed step',
    });
    if (ok) reset.mutate();
  };
  const onRunAgain = async () => {
    const started = await again.mutateAsync({ input: run.trigger.data ?? {}, mode: run.mode, version: run.version });
    navigate({ page: 'run', runId: started.runId });
  };
  const duration = elapsed(run.startedAt ?? run.createdAt, run.endedAt, now);
  const selected = selection ? describeNode(selection.nodeId, snapshot, actionList, byNode.get(selection.nodeId)?.[0]) : undefined;

  return (
    <section className="run-page">
      {confirmation.dialog}
      <p className="crumbs">
        <a href={href({ page: 'runs' })}>Runs</a> / <a href={href({ page: 'runs', flowId: run.flowId })}>{flowName ?? run.flowId}</a>
      </p>
      <div className="page-head">
        <div className="run-title">
          <h1>
            {flowName ? (
              <a href={href({ page: 'flow', flowId: run.flowId })} title="Open the flow">
                {flowName}
              </a>
            ) : (
              <span>Flow {run.flowId}</span>
            )}{' '}
            <a
              className="version-link"
              href={href({ page: 'flow', flowId: run.flowId, version: run.version })}
              title={`Open version ${run.version} (read-only)`}
            >
              v{run.version}
            </a>
          </h1>
          <StatusBadge status={run.status} />
          {run.mode === 'test' && <TestBadge />}
        </div>
        <div className="button-row">
          {(run.status === 'running' ||
            run.status === 'starting' ||
            run.status === 'parked' ||
            run.status === 'waitingForCredits' ||
            run.status === 'waitingForReconnect') && (
            <button type="button" className="danger" onClick={() => void onCancel()} disabled={cancel.isPending}>
              {cancel.isPending ? 'Cancelling…' : 'Cancel run'}
            </button>
          )}
          {run.status === 'failed' && (
            <button
              type="button"
              onClick={() => void onReset()}
              disabled={reset.isPending}
              title="Run the failed step again, and what was scheduled after it; completed steps keep their results"
            >
              {reset.isPending ? 'Retrying…' : 'Retry from failed step'}
            </button>
          )}
          <button
            type="button"
            className="primary"
            onClick={() => void onRunAgain().catch(() => undefined)}
            disabled={again.isPending}
            title={`Start a new ${run.mode} run of version ${run.version} with the same input`}
          >
            {again.isPending ? 'Starting…' : 'Run again'}
          </button>
        </div>
      </div>
      <ErrorBox error={cancel.error ?? again.error ?? reset.error} />
      {run.nodes.some((n) => n.status === 'waitingForCredits') && (
        <p className="notice" role="status">
          Waiting for credits: the workspace cannot pay for the next API request, so nothing was sent and nothing failed. Add credits (see{' '}
          <a href={href({ page: 'credits' })}>Credits</a>) and the run goes on by itself.
        </p>
      )}
      <ReconnectBanner run={run} />
      <ParkedBanner entries={parked} titleOf={(e) => describeNode(e.nodeId, snapshot, actionList, e).title} onReview={(s) => setPicked(s)} />

      <dl className="facts inline run-facts">
        <dt>Run</dt>
        <dd>
          <code>{run.id}</code>
        </dd>
        <dt>Started</dt>
        <dd>{formatTime(run.startedAt ?? run.createdAt)}</dd>
        <dt>Ended</dt>
        <dd>{run.endedAt ? formatTime(run.endedAt) : '—'}</dd>
        <dt>Duration</dt>
        <dd>
          {formatDuration(duration)}
          {!finished && ' so far'}
        </dd>
        <dt>Trigger</dt>
        <dd>
          {run.trigger.type}
          {run.trigger.name ? (
            <>
              {' '}
              <code>{run.trigger.name}</code>
            </>
          ) : null}
        </dd>
        <dt>Mode</dt>
        <dd>{run.mode}</dd>
        {run.cost && (
          <>
            <dt>Cost</dt>
            <dd title={`${run.cost.requests} API request${run.cost.requests === 1 ? '' : 's'}`}>
              {run.mode === 'test' ? `0 credits (test; list price ${run.cost.listCredits})` : `${run.cost.credits} credit${run.cost.credits === 1 ? '' : 's'}`}
            </dd>
          </>
        )}
      </dl>
      <JsonView label="Trigger payload" value={run.trigger.data} open={false} empty="Empty" />

      <RunResult run={run} onShowNode={(s) => setPicked(s)} />

      <div className={`run-body${selection ? ' with-panel' : ''}`}>
        <div className="run-graph-wrap">
          {snapshot ? (
            <RunGraph
              snapshot={snapshot}
              actions={actionList}
              runNodes={run.nodes}
              finished={finished}
              selectedId={selection?.nodeId ?? null}
              onSelect={onSelectNode}
            />
          ) : version.error ? (
            <ErrorBox error={version.error} />
          ) : (
            <p className="muted graph-placeholder">Loading the graph of version {run.version}…</p>
          )}
        </div>
        {selection && selected && (
          <NodeDetails
            nodeId={selection.nodeId}
            title={selected.title}
            kind={selected.kind}
            trigger={run.trigger.data}
            entries={byNode.get(selection.nodeId) ?? []}
            allEntries={run.nodes}
            selectedKey={selection.key}
            finished={finished}
            now={now}
            runId={run.id}
            onSelect={setPicked}
            onClose={() => setPicked(null)}
          />
        )}
      </div>

      <StepList run={run} now={now} selectedKey={selection?.key} onSelect={setPicked} />
    </section>
  );
}

/** The run's output when it completed, its error when it failed. */
function RunResult({ run, onShowNode }: { run: RunDetail; onShowNode: (s: NodeSelection) => void }) {
  if (run.status === 'completed') {
    return (
      <section className="run-result" aria-label="Run output">
        <JsonView label="Run output" value={run.output} empty="The run gave no output" />
      </section>
    );
  }
  if (run.status === 'failed') {
    const failing = failingEntry(run);
    return (
      <div className="error-box run-result" role="alert">
        <strong>The run failed{run.error?.nodeId ? ` at ${run.error.nodeId}` : ''}: </strong>
        {run.error?.message ?? 'no error was recorded'}
        <div className="muted">
          {run.error?.type && (
            <>
              Type <code>{run.error.type}</code>
            </>
          )}
          {failing && (
            <>
              {' '}
              ·{' '}
              <button type="button" className="link" onClick={() => onShowNode({ nodeId: failing.nodeId, key: failing.key })}>
                Show the failing step
              </button>
            </>
          )}
        </div>
      </div>
    );
  }
  if (run.status === 'cancelled') return <p className="notice">This run was cancelled. Steps that finished before it stayed done.</p>;
  if (run.stuck) {
    return (
      <div className="error-box run-result" role="alert">
        <strong>This run is stuck: </strong>
        {run.stuck.message}
        <div className="muted">A fixed worker resumes it where it was; cancelling it stops it and records it as failed.</div>
      </div>
    );
  }
  return null;
}

/** Every node entry of the run as a table: the accessible fallback of the graph. */
function StepList({ run, now, selectedKey, onSelect }: { run: RunDetail; now: number; selectedKey: string | undefined; onSelect: (s: NodeSelection) => void }) {
  return (
    <section className="steps" aria-labelledby="steps-heading">
      <h2 id="steps-heading">Steps</h2>
      {run.nodes.length === 0 ? (
        <p className="empty">{isFinished(run.status) ? 'No step ran.' : 'No step has started yet.'}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {run.nodes.map((n) => (
              <tr key={n.key} className={n.key === selectedKey ? 'selected-row' : undefined}>
                <td>
                  <button
                    type="button"
                    className="link mono"
                    onClick={() => onSelect({ nodeId: n.nodeId, key: n.key })}
                    aria-label={`Show details of ${n.key}`}
                  >
                    {n.key}
                  </button>
                </td>
                <td>{KIND_LABEL[n.type] ?? n.type}</td>
                <td>
                  <StatusBadge status={n.status} />
                  {n.simulated && <span className="tag-simulated">simulated</span>}
                </td>
                <td>{n.type === 'action' ? n.attempts : '—'}</td>
                <td>{formatTime(n.startedAt)}</td>
                <td>{formatDuration(elapsed(n.startedAt, n.endedAt, now))}</td>
                <td className="error-cell">{n.error ? truncate(n.error.message, 80) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** A node waits for an OAuth connection to be reconnected: say so, and offer the reconnect right here. */
function ReconnectBanner({ run }: { run: RunDetail }) {
  const connect = useConnect();
  const ids = [...new Set(run.nodes.flatMap((n) => (n.status === 'waitingForReconnect' && n.error?.connectionId ? [n.error.connectionId] : [])))];
  if (ids.length === 0) return null;
  return (
    <div className="notice reconnect-banner" role="alert">
      Waiting for a reconnect: a connection this run uses needs you to sign in again. Nothing failed; the run goes on by itself once you reconnect.{' '}
      {ids.map((id) => (
        <button
          key={id}
          type="button"
          disabled={connect.isPending}
          onClick={() => connect.mutate({ popup: window.open('about:blank', 'switchyard-oauth', 'popup,width=520,height=700'), reconnect: id, mode: run.mode })}
        >
          Reconnect {id}
        </button>
      ))}{' '}
      <a href={href({ page: 'connections' })}>Connections</a>
      <ErrorBox error={connect.error} />
    </div>
  );
}
