import { useMemo, type ReactNode } from 'react';
import { useFlows } from '../api/queries';
import { ErrorBox } from '../components/error-box';
import { href } from '../router';
import { useCreditUsage, useCredits, type UsageRow } from '../credits/credits-api';

/** Credits: the plan, the balance, and usage by day, integration, flow and run (last 30 days). */
export function CreditsPage(_props: object) {
  const from = useMemo(() => new Date(Date.now() - 30 * 24 * 3600_000).toISOString(), []);
  const account = useCredits();
  const usage = useCreditUsage(from);
  // Flows by name (a deleted flow keeps its id).
  const flows = useFlows();
  const flowName = new Map(flows.data?.map((f) => [f.id, f.name]));
  const a = account.data;
  const u = usage.data;
  return (
    <section className="credits-page">
      <div className="page-head">
        <div>
          <h1>Credits</h1>
          <p className="muted lead">Every API request an integration makes costs 1 credit; AI calls cost by the tokens they use. Test runs are free.</p>
        </div>
      </div>
      <ErrorBox error={account.error ?? usage.error} />
      {a && (
        <div className="card section">
          <dl className="facts inline">
            <dt>Plan</dt>
            <dd>
              <strong>{a.planTitle}</strong> ({a.monthlyCredits.toLocaleString()} credits a month{a.integrations ? '' : ', no integrations'})
            </dd>
            <dt>Balance</dt>
            <dd>
              <strong data-testid="credit-balance">{a.balance.toLocaleString()}</strong> credits ({a.allowanceBalance.toLocaleString()} from the {a.period}{' '}
              allowance, {a.topupBalance.toLocaleString()} added)
            </dd>
          </dl>
          {!a.integrations && (
            <p className="error">Builder plan required to use integrations: flows that call an outside service cannot be published or run.</p>
          )}
          {a.balance <= 0 && a.integrations && (
            <p className="notice">
              No credits left: runs pause at their next API request (&ldquo;waiting for credits&rdquo;) and resume when credits are added.
            </p>
          )}
        </div>
      )}
      {u && (
        <>
          <UsageTable title="By day" rows={u.byDay} label={(r) => r.day} />
          <UsageTable title="By integration" rows={u.byIntegration} label={(r) => r.integration ?? '—'} />
          <UsageTable
            title="By flow"
            rows={u.byFlow}
            label={(r) => (r.flowId ? <a href={href({ page: 'flow', flowId: r.flowId })}>{flowName.get(r.flowId) ?? r.flowId}</a> : 'outside a flow')}
          />
          <UsageTable
            title="Recent runs"
            rows={u.byRun}
            label={(r) => (r.runId ? <a href={href({ page: 'run', runId: r.runId })}>{r.runId}</a> : r.workflowId)}
          />
        </>
      )}
    </section>
  );
}

function UsageTable<R extends UsageRow>({ title, rows, label }: { title: string; rows: R[]; label: (r: R) => ReactNode }) {
  return (
    <div className="card section">
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p className="empty">No usage in the last 30 days.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{title.replace(/^By /, '').replace(/^Recent /, '')}</th>
              <th scope="col">Mode</th>
              <th scope="col">Requests</th>
              <th scope="col">Credits charged</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                <td>{label(r)}</td>
                <td>{r.mode === 'test' ? <span className="badge-test">TEST</span> : 'live'}</td>
                <td>{r.requests}</td>
                <td>{r.mode === 'test' ? `0 (list ${r.listCredits})` : r.charged}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
