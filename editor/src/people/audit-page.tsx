import { useState } from 'react';
import { AuditActions } from '#core/access';
import { useAudit } from '../api/people';
import { ErrorBox } from '../components/error-box';
import { formatTime } from '../components/format';

/** Who did what in this workspace, newest first. Owners only. */
export function AuditPage() {
  const [action, setAction] = useState('');
  const audit = useAudit(action || undefined);
  return (
    <section className="audit-page">
      <div className="page-head">
        <div>
          <h1>Audit log</h1>
          <p className="muted lead">
            Sign-ins, members and roles, keys, secret names, publishes, run operations and connections. Secret values are never recorded.
          </p>
        </div>
        <label className="inline-label">
          Action{' '}
          <select aria-label="Filter by action" value={action} onChange={(e) => setAction(e.target.value)}>
            <option value="">all</option>
            {AuditActions.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBox error={audit.error} />
      <table className="table compact">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>Action</th>
            <th>What</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {audit.data?.map((e) => (
            <tr key={e.id}>
              <td>{formatTime(e.at)}</td>
              <td>{e.actor.label ?? e.actor.type}</td>
              <td className="mono">{e.action}</td>
              <td>{e.target}</td>
              <td className="mono small">{Object.keys(e.details).length ? JSON.stringify(e.details) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {audit.data?.length === 0 && <p className="empty">Nothing recorded yet.</p>}
    </section>
  );
}
