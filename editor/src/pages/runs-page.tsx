import { useConfirm } from '../components/dialog';
import { useId, useState } from 'react';
import { useBulkRetry, useFlows, useRuns, type RunFilters } from '../api/queries';
import type { BulkRetryFilter } from '../api/types';
import { ErrorBox } from '../components/error-box';
import { elapsed, formatAgo, formatDuration, formatTime, truncate } from '../components/format';
import { StatusBadge, TestBadge } from '../components/status-badge';
import { useNow } from '../components/use-now';
import { href, navigate } from '../router';
import { RunStatuses, StatusLabels, TriggerTypes, type TriggerType } from '#core/run';

const STATUSES = RunStatuses;
const TriggerLabels: Record<TriggerType, string> = {
  schedule: 'A schedule',
  event: 'An app event',
  manual: 'By hand',
  invoke: 'An invoke call',
  webhook: 'A webhook',
};
const RANGES = [
  { value: 'all', label: 'All time', ms: 0 },
  { value: 'hour', label: 'Last hour', ms: 3_600_000 },
  { value: 'day', label: 'Last 24 hours', ms: 86_400_000 },
  { value: 'week', label: 'Last 7 days', ms: 7 * 86_400_000 },
] as const;
type Range = (typeof RANGES)[number]['value'];

const REFRESH_MS = 2000;

/** Runs, newest first, filtered by flow (in the address: `#/runs?flow=…`), status, mode and time; refreshes itself. */
export function RunsPage({ flowId }: { flowId?: string }) {
  const ids = useId();
  const flows = useFlows();
  const [status, setStatus] = useState('');
  const [mode, setMode] = useState('');
  const [trigger, setTrigger] = useState('');
  // The lower bound is fixed when the range is chosen, so the query key (and the list) stays stable while it refreshes.
  const [range, setRange] = useState<{ value: Range; from?: string }>({ value: 'all' });
  const filters: RunFilters = {
    ...(flowId ? { flowId } : {}),
    ...(status ? { status } : {}),
    ...(mode ? { mode } : {}),
    ...(trigger ? { trigger } : {}),
    ...(range.from ? { from: range.from } : {}),
  };
  const runs = useRuns(filters, REFRESH_MS);
  // Ticks so that "started … ago" and the durations of running runs stay current between refreshes.
  const now = useNow(true);
  const flowName = new Map(flows.data?.map((f) => [f.id, f.name]));
  const filtered = !!(flowId || status || mode || trigger || range.from);

  // "Retry all": every parked (or failed) run that matches the filters, retried by the server in one request.
  const bulk = useBulkRetry();
  const retryable = status === 'parked' || status === 'failed';
  const bulkFilter: BulkRetryFilter | undefined = retryable
    ? { status, ...(flowId ? { flowId } : {}), ...(range.from ? { from: range.from } : {}) }
    : undefined;
  // The outcome shown is the one for the filters on screen.
  const bulkShown = !!bulkFilter && JSON.stringify(bulk.variables) === JSON.stringify(bulkFilter);
  const bulkResult = bulkShown ? bulk.data : undefined;
  const confirmation = useConfirm();
  const onRetryAll = async () => {
    if (!bulkFilter) return;
    const scope = [
      flowId ? `of ${flowName.get(flowId) ?? flowId}` : '',
      range.from ? `started in the ${RANGES.find((r) => r.value === range.value)!.label.toLowerCase()}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    const what =
      bulkFilter.status === 'parked'
        ? 'Each parked step runs again with its input as it is.'
        : 'Each run is retried from its failed step: that step and anything scheduled after it run again; completed steps keep their results.';
    const ok = await confirmation.ask({
      title: `Retry every ${bulkFilter.status} run${scope ? ` ${scope}` : ''}?`,
      message: `Live and test runs, up to 100, newest first.\n\n${what}`,
      confirm: 'Retry them',
    });
    if (ok) bulk.mutate(bulkFilter);
  };

  const chooseRange = (value: Range) => {
    const ms = RANGES.find((r) => r.value === value)!.ms;
    setRange(ms ? { value, from: new Date(Date.now() - ms).toISOString() } : { value });
  };

  return (
    <section>
      {confirmation.dialog}
      <div className="page-head">
        <h1>Runs</h1>
        <span className="muted refresh-note" title={`The list refreshes every ${REFRESH_MS / 1000} seconds`}>
          <span className={`live-dot${runs.isError ? ' off' : runs.isFetching ? ' busy' : ''}`} aria-hidden="true" />{' '}
          {runs.isError ? 'Not refreshing: the server does not answer' : `Live: refreshes every ${REFRESH_MS / 1000} s`}
        </span>
      </div>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter runs">
        <div className="field">
          <label htmlFor={`${ids}-flow`}>Flow</label>
          <select
            id={`${ids}-flow`}
            value={flowId ?? ''}
            onChange={(e) => navigate(e.target.value ? { page: 'runs', flowId: e.target.value } : { page: 'runs' })}
          >
            <option value="">All flows</option>
            {flowId && !flowName.has(flowId) && <option value={flowId}>{flowId}</option>}
            {flows.data?.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-status`}>Status</label>
          <select id={`${ids}-status`} value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {StatusLabels[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-mode`}>Mode</label>
          <select id={`${ids}-mode`} value={mode} onChange={(e) => setMode(e.target.value)}>
            <option value="">Live and test</option>
            <option value="live">Live</option>
            <option value="test">Test</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-trigger`}>Started by</label>
          <select id={`${ids}-trigger`} value={trigger} onChange={(e) => setTrigger(e.target.value)}>
            <option value="">Any trigger</option>
            {TriggerTypes.map((t) => (
              <option key={t} value={t}>
                {TriggerLabels[t]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-range`}>Started</label>
          <select id={`${ids}-range`} value={range.value} onChange={(e) => chooseRange(e.target.value as Range)}>
            {RANGES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        {filtered && (
          <button
            type="button"
            className="link clear-filters"
            onClick={() => {
              setStatus('');
              setMode('');
              setTrigger('');
              setRange({ value: 'all' });
              if (flowId) navigate({ page: 'runs' });
            }}
          >
            Clear filters
          </button>
        )}
      </form>

      {retryable && (
        <div className="bulk-retry">
          <button
            type="button"
            onClick={onRetryAll}
            disabled={bulk.isPending || !!mode}
            title={`Retry every ${status} run that matches the flow and time filters`}
          >
            {bulk.isPending ? 'Retrying…' : 'Retry all'}
          </button>
          {mode ? (
            <span className="muted">Retry all cannot filter by mode: choose “Live and test” to retry every {status} run that matches.</span>
          ) : (
            <span className="muted">
              {status === 'parked' ? 'Retries the parked steps of every matching run.' : 'Retries every matching run from its failed step.'}
            </span>
          )}
          {bulkResult && (
            <span role="status" className="bulk-result">
              Retried {bulkResult.retried} of {bulkResult.matched} ({bulkResult.failed} failed)
            </span>
          )}
        </div>
      )}
      {bulkResult && bulkResult.failed > 0 && (
        <details className="bulk-failures">
          <summary>Runs that could not be retried ({bulkResult.failed})</summary>
          <ul>
            {bulkResult.results
              .filter((r) => !r.ok)
              .map((r) => (
                <li key={r.runId}>
                  <a className="mono" href={href({ page: 'run', runId: r.runId })}>
                    {r.runId}
                  </a>
                  : {r.error ?? 'unknown error'}
                </li>
              ))}
          </ul>
        </details>
      )}
      <ErrorBox error={bulkShown ? bulk.error : null} />
      <ErrorBox error={runs.error} />
      {!runs.data && !runs.error && <p className="muted">Loading runs…</p>}
      {runs.data && runs.data.length === 0 && (
        <p className="empty">
          {filtered
            ? 'No run matches these filters.'
            : 'No runs yet. Publish a flow, then start it from the flow editor, or send an app event to POST /v1/events.'}
        </p>
      )}
      {runs.data && runs.data.length > 0 && (
        <table className="table runs-table">
          <caption className="sr-only">Runs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Flow</th>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              <th scope="col">Mode</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.map((r) => (
              <tr key={r.id}>
                <td>
                  <a className="mono" href={href({ page: 'run', runId: r.id })}>
                    {r.id}
                  </a>
                </td>
                <td>
                  <a href={href({ page: 'runs', flowId: r.flowId })} title="Show only this flow's runs">
                    {flowName.get(r.flowId) ?? r.flowId}
                  </a>
                </td>
                <td>v{r.version}</td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td>{r.mode === 'test' ? <TestBadge /> : <span className="muted">live</span>}</td>
                <td>
                  <time dateTime={r.createdAt} title={formatTime(r.createdAt)}>
                    {formatAgo(r.createdAt, now)}
                  </time>
                </td>
                <td>{formatDuration(elapsed(r.createdAt, r.endedAt, now))}</td>
                <td className="error-cell" title={r.error?.message}>
                  {r.error ? (
                    <>
                      {r.error.nodeId && <code>{r.error.nodeId}</code>} {truncate(r.error.message, 70)}
                    </>
                  ) : (
                    ''
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {runs.data && runs.data.length === 100 && <p className="muted">Showing the newest 100 runs; narrow the filters to see older ones.</p>}
    </section>
  );
}
