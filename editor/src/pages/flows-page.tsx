import { useState } from 'react';
import { useCreateFlow, useFlows } from '../api/queries';
import { ErrorBox } from '../components/error-box';
import { href, navigate } from '../router';

export function FlowsPage() {
  const flows = useFlows();
  const create = useCreateFlow();
  const [name, setName] = useState('');
  const onCreate = async (e: React.FormEvent) => {
    e.preventDefault();
    const flow = await create.mutateAsync({
      name: name.trim() || 'Untitled flow',
      document: { schemaVersion: 1, trigger: { type: 'manual' }, nodes: [], edges: [], layout: { trigger: { x: 0, y: 0 } } },
    });
    navigate({ page: 'flow', flowId: flow.id });
  };
  return (
    <section>
      <div className="page-head">
        <h1>Flows</h1>
        <form onSubmit={onCreate} className="inline-form">
          <label htmlFor="new-flow-name" className="sr-only">
            New flow name
          </label>
          <input id="new-flow-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="New flow name" />
          <button type="submit" className="primary" disabled={create.isPending}>
            New flow
          </button>
        </form>
      </div>
      <ErrorBox error={flows.error ?? create.error} />
      {flows.data && flows.data.length === 0 && (
        <p className="empty">No flows yet. Create one, drag a trigger and an action onto the canvas, connect them and publish.</p>
      )}
      {flows.data && flows.data.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Trigger</th>
              <th>Published</th>
              <th>Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {flows.data.map((f) => (
              <tr key={f.id}>
                <td>
                  <a href={href({ page: 'flow', flowId: f.id })}>{f.name}</a>
                </td>
                <td>{f.trigger === 'event' ? `event ${f.event}` : (f.trigger ?? '—')}</td>
                <td>{f.publishedVersion ? `v${f.publishedVersion}` : 'draft'}</td>
                <td>{new Date(f.updatedAt).toLocaleString()}</td>
                <td>
                  <a href={href({ page: 'runs', flowId: f.id })}>Runs</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
