import { shownStatus } from '#core/run';
import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api } from '../api/client';
import type { AttemptRecord, LoopItems, NodeRunState } from '../api/types';
import { ErrorBox } from '../components/error-box';
import { elapsed, formatDuration, formatTime } from '../components/format';
import { JsonView } from '../components/json-view';
import { StatusBadge } from '../components/status-badge';
import { ValueView } from './blob-view';
import { DecisionHistory, ParkedActions } from './parked-actions';
import { iterationEntries, iterationLabel, iterationPath, KIND_LABEL } from './run-model';

export interface NodeSelection {
  nodeId: string;
  /** The entry shown when the node ran several times (forEach bodies). */
  key?: string;
}

/** The entry of a node to show: the chosen key, else a parked one, else a failed one, else a running one, else the last. */
export function pickEntry(entries: NodeRunState[], key: string | undefined): NodeRunState | undefined {
  return (
    (key ? entries.find((e) => e.key === key) : undefined) ??
    entries.find((e) => e.status === 'parked') ??
    entries.find((e) => e.status === 'failed') ??
    entries.find((e) => e.status === 'running') ??
    entries[entries.length - 1]
  );
}

/**
 * The side panel of a selected node: status, attempts, timing, input, output and error of one of its
 * entries; the entries of each iteration when it ran inside a forEach; and, for a forEach, what ran in
 * each iteration.
 */
export function NodeDetails({
  nodeId,
  title,
  kind,
  trigger,
  entries,
  allEntries,
  selectedKey,
  finished,
  now,
  runId,
  onSelect,
  onClose,
}: {
  nodeId: string;
  title: string;
  /** The node type (`action`, `forEach`…, or `trigger`). */
  kind: string;
  /** The trigger payload, shown when the trigger is selected. */
  trigger?: unknown;
  /** This node's entries. */
  entries: NodeRunState[];
  /** Every entry of the run (for a forEach's iterations). */
  allEntries: NodeRunState[];
  selectedKey: string | undefined;
  finished: boolean;
  now: number;
  /** The run, for the decisions of a parked entry (retry, skip, abort); without it a parked entry only shows its error. */
  runId?: string;
  onSelect: (selection: NodeSelection) => void;
  onClose: () => void;
}) {
  const headingId = useId();
  const entry = pickEntry(entries, selectedKey);
  return (
    <aside className="node-panel card" aria-labelledby={headingId}>
      <div className="node-panel-head">
        <div>
          <h2 id={headingId}>{title}</h2>
          <div className="muted">
            {KIND_LABEL[kind] ?? kind} · <code>{nodeId}</code>
          </div>
        </div>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close node details" title="Close">
          ×
        </button>
      </div>

      {kind === 'trigger' && <JsonView label="Trigger payload" value={trigger} open />}
      {entries.length === 0 && kind !== 'trigger' && <p className="muted">{finished ? 'This node did not run.' : 'This node has not run yet.'}</p>}

      {entries.length > 1 && (
        <div className="entry-picker">
          <span className="field-label">Ran {entries.length} times</span>
          <ul role="list">
            {entries.map((e) => (
              <li key={e.key}>
                <button
                  type="button"
                  className={`entry-chip${e.key === entry?.key ? ' active' : ''}`}
                  aria-pressed={e.key === entry?.key}
                  onClick={() => onSelect({ nodeId, key: e.key })}
                  title={e.key}
                >
                  <span className={`dot ${shownStatus(e)}`} aria-hidden="true" />
                  {iterationLabel(e.key)}
                  <span className="sr-only">, {shownStatus(e)}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}

      {entry && (
        <EntryDetails
          entry={entry}
          now={now}
          runId={runId}
          // A decision pins the selection, so the panel stays on this entry when it stops being parked.
          onDecided={() => onSelect({ nodeId, key: entry.key })}
        />
      )}

      {kind === 'forEach' && entry && <Iterations forEachEntry={entry} allEntries={allEntries} now={now} onSelect={onSelect} />}
      {kind === 'forEach' && entry?.progress && entry.status === 'succeeded' && runId && <LoopItemPages runId={runId} nodeKey={entry.key} />}
    </aside>
  );
}

function EntryDetails({ entry, now, runId, onDecided }: { entry: NodeRunState; now: number; runId?: string | undefined; onDecided?: () => void }) {
  const attemptLog = (entry as { attemptLog?: AttemptRecord[] }).attemptLog ?? [];
  const duration = elapsed(entry.startedAt, entry.endedAt, now);
  return (
    <div className="entry-details">
      <dl className="facts">
        {entry.key !== entry.nodeId && (
          <>
            <dt>Entry</dt>
            <dd>
              <code>{entry.key}</code>
            </dd>
          </>
        )}
        <dt>Status</dt>
        <dd>
          <StatusBadge status={shownStatus(entry)} />
          {shownStatus(entry) !== entry.status && <span className="muted small"> by hand</span>}
          {entry.simulated && (
            <span className="tag-simulated" title="Test mode without a test key: the output came from the integration's sandbox">
              simulated
            </span>
          )}
        </dd>
        {entry.type === 'action' && (
          <>
            <dt>Attempts</dt>
            <dd>{entry.attempts}</dd>
          </>
        )}
        {entry.progress && (
          <>
            <dt>Items</dt>
            <dd>
              {entry.progress.done.toLocaleString('en-US')} of {entry.progress.total.toLocaleString('en-US')} done, in {entry.progress.batches} batches
            </dd>
          </>
        )}
        <dt>Started</dt>
        <dd>{formatTime(entry.startedAt)}</dd>
        <dt>Ended</dt>
        <dd>{entry.endedAt ? formatTime(entry.endedAt) : entry.status === 'running' ? 'still running' : '—'}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(duration)}</dd>
        {entry.branch !== undefined && (
          <>
            <dt>Branch taken</dt>
            <dd>
              <code>{entry.branch}</code>
            </dd>
          </>
        )}
      </dl>
      {attemptLog.length > 1 && (
        <details className="attempt-log">
          <summary>Every attempt ({attemptLog.length})</summary>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Attempt</th>
                <th scope="col">Started</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {attemptLog.map((a) => (
                <tr key={`${a.activityId}:${a.beforeReset ?? 0}:${a.attempt}`} className={a.beforeReset ? 'before-reset' : undefined}>
                  <td>
                    {a.beforeReset ? `before reset ${a.beforeReset}, ` : ''}
                    {a.activityId.includes('#') ? `retry ${a.activityId.split('#')[1]}, ` : ''}
                    {a.attempt}
                  </td>
                  <td>{formatTime(a.startedAt)}</td>
                  <td>{a.error ?? a.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      {entry.error && (
        <div className="error-box" role="alert">
          <strong>{entry.error.message}</strong>
          <div className="muted">
            Type <code>{entry.error.type}</code>
            {entry.error.status !== undefined && (
              <>
                {' '}
                · HTTP status <code>{entry.error.status}</code>
              </>
            )}
          </div>
        </div>
      )}
      {entry.status === 'parked' && runId && (
        // A retry starts the entry again (new startedAt): if it parks again, that is a fresh form. Until then a
        // decision that was sent keeps the form off, even while the workflow still reports the node parked.
        <ParkedActions key={`${entry.key}@${entry.startedAt ?? ''}`} runId={runId} entry={entry} onDecided={onDecided} />
      )}
      {entry.decisions && <DecisionHistory decisions={entry.decisions} />}
      {entry.status !== 'skipped' && (
        <>
          {(entry.type === 'action' || entry.input !== undefined) && <ValueView label="Input" value={entry.input} empty="No input recorded" runId={runId} />}
          <ValueView label="Output" value={entry.output} empty={entry.status === 'running' ? 'Not yet' : 'No output'} runId={runId} />
          {entry.logs && (
            <section className="node-logs" aria-label="Logs">
              <h4>Logs</h4>
              <pre>{entry.logs.join('\n')}</pre>
            </section>
          )}
        </>
      )}
    </div>
  );
}

/** For a forEach entry: every entry that ran in its iterations, by iteration. */
function Iterations({
  forEachEntry,
  allEntries,
  now,
  onSelect,
}: {
  forEachEntry: NodeRunState;
  allEntries: NodeRunState[];
  now: number;
  onSelect: (selection: NodeSelection) => void;
}) {
  const inner = iterationEntries(allEntries, forEachEntry.key);
  if (inner.length === 0) return <p className="muted">No iteration has run.</p>;
  const depth = iterationPath(forEachEntry.key + '[0].x').length - 1;
  const byIndex = new Map<number, NodeRunState[]>();
  for (const e of inner) {
    const index = iterationPath(e.key)[depth]?.index ?? 0;
    byIndex.set(index, [...(byIndex.get(index) ?? []), e]);
  }
  return (
    <section className="iterations" aria-label="Iterations">
      <h3>Iterations ({byIndex.size})</h3>
      <table className="table compact">
        <thead>
          <tr>
            <th scope="col">Entry</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        {[...byIndex.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([index, entries]) => (
            <tbody key={index} className="iteration-group">
              {entries.map((e) => (
                <tr key={e.key}>
                  <td className="entry-cell">
                    <button type="button" className="link mono" onClick={() => onSelect({ nodeId: e.nodeId, key: e.key })}>
                      {e.key}
                    </button>
                  </td>
                  <td>
                    <StatusBadge status={shownStatus(e)} />
                  </td>
                  <td>{e.type === 'action' ? e.attempts : '—'}</td>
                  <td>{formatDuration(elapsed(e.startedAt, e.endedAt, now))}</td>
                </tr>
              ))}
            </tbody>
          ))}
      </table>
    </section>
  );
}

const ITEMS_PER_PAGE = 20;

/** A big loop's items, a page at a time: their outputs are stored as one list, not in the run's detail. */
function LoopItemPages({ runId, nodeKey }: { runId: string; nodeKey: string }) {
  const [offset, setOffset] = useState(0);
  const page = useQuery({
    queryKey: ['loop-items', runId, nodeKey, offset],
    queryFn: () => api<LoopItems>('GET', `/api/runs/${encodeURIComponent(runId)}/nodes/${encodeURIComponent(nodeKey)}/items?offset=${offset}&limit=${ITEMS_PER_PAGE}`),
  });
  const total = page.data?.total ?? 0;
  return (
    <section className="loop-items" aria-label="Items and their outputs">
      <h3>Items</h3>
      <ErrorBox error={page.error} />
      {page.data && (
        <>
          <p className="muted small">
            Items {total === 0 ? 0 : offset + 1}–{Math.min(offset + ITEMS_PER_PAGE, total)} of {total.toLocaleString('en-US')}
          </p>
          <ol start={offset + 1}>
            {page.data.items.map((item) => (
              <li key={item.index}>
                <JsonView label={`Item ${item.index + 1}`} value={item.output} />
              </li>
            ))}
          </ol>
          <div className="pager">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - ITEMS_PER_PAGE))}>
              Previous
            </button>
            <button type="button" disabled={offset + ITEMS_PER_PAGE >= total} onClick={() => setOffset(offset + ITEMS_PER_PAGE)}>
              Next
            </button>
          </div>
        </>
      )}
    </section>
  );
}
