import { useId, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { useCreateFlow } from '../api/queries';
import type { Flow, FlowProblem, FlowSummary } from '../api/types';
import { ConfirmDialog, Dialog, focusPageHeading } from '../components/dialog';
import { ErrorBox } from '../components/error-box';
import { Popover } from '../components/popover';
import { href, navigate } from '../router';

interface ImportAnswer {
  flow: Flow;
  missing: { actions: string[]; secrets: string[] };
  problems: FlowProblem[];
}

/** The flow list: search and tags, and each flow's life (duplicate, disable or enable, export, tags, delete); import a flow file. */
export function FlowsPage() {
  const [q, setQ] = useState('');
  const [tag, setTag] = useState('');
  const query = new URLSearchParams({ limit: '200', ...(q.trim() ? { q: q.trim() } : {}), ...(tag ? { tag } : {}) }).toString();
  const flows = useQuery({ queryKey: ['flows', query], queryFn: () => api<{ flows: FlowSummary[] }>('GET', `/api/flows?${query}`).then((r) => r.flows) });
  const tags = useQuery({ queryKey: ['flow-tags'], queryFn: () => api<{ tags: string[] }>('GET', '/api/flow-tags').then((r) => r.tags) });
  const filtered = q.trim() !== '' || tag !== '';
  return (
    <section className="flows-page">
      <div className="page-head">
        <h1>Flows</h1>
        <NewFlowForm />
      </div>
      <div className="flows-tools">
        <div className="field">
          <label htmlFor="flow-search">Search flows</label>
          <input id="flow-search" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Words in the name" />
        </div>
        <div className="field">
          <label htmlFor="flow-tag">Tag</label>
          <select id="flow-tag" value={tag} onChange={(e) => setTag(e.target.value)}>
            <option value="">All tags</option>
            {tags.data?.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <ImportFlow />
      </div>
      <ErrorBox error={flows.error} />
      {flows.data && flows.data.length === 0 && (
        <p className="empty">
          {filtered ? 'No flow matches.' : 'No flows yet. Create one, drag a trigger and an action onto the canvas, connect them and publish.'}
        </p>
      )}
      {flows.data && flows.data.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Trigger</th>
              <th scope="col">Status</th>
              <th scope="col">Updated</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {flows.data.map((f) => (
              <FlowRow key={f.id} flow={f} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function NewFlowForm() {
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
    <form onSubmit={onCreate} className="inline-form">
      <label htmlFor="new-flow-name" className="sr-only">
        New flow name
      </label>
      <input id="new-flow-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="New flow name" />
      <button type="submit" className="primary" disabled={create.isPending}>
        New flow
      </button>
      <ErrorBox error={create.error} />
    </form>
  );
}

function statusOf(f: FlowSummary): string {
  if (f.unpublished) return `Disabled (was v${f.publishedVersion})`;
  return f.publishedVersion ? `Published v${f.publishedVersion}` : 'Draft';
}

function FlowRow({ flow: f }: { flow: FlowSummary }) {
  const qc = useQueryClient();
  const [dialog, setDialog] = useState<'delete' | 'tags' | null>(null);
  const done = () => {
    void qc.invalidateQueries({ queryKey: ['flows'] });
    void qc.invalidateQueries({ queryKey: ['flow-tags'] });
    void qc.invalidateQueries({ queryKey: ['flow', f.id] });
  };
  const act = useMutation({
    mutationFn: (what: 'duplicate' | 'disable' | 'enable' | 'delete'): Promise<unknown> =>
      what === 'delete' ? api('DELETE', `/api/flows/${f.id}`) : api('POST', `/api/flows/${f.id}/${what === 'disable' ? 'unpublish' : what}`),
    onSuccess: (answer, what) => {
      // A deleted flow's row goes with the list's refetch, and with it the button that had the focus.
      if (what === 'delete') void qc.invalidateQueries({ queryKey: ['flows'] }).then(focusPageHeading);
      done();
      setDialog(null);
      if (what === 'duplicate') navigate({ page: 'flow', flowId: (answer as Flow).id });
    },
  });
  const exportFile = async () => {
    const file = await api<unknown>('GET', `/api/flows/${f.id}/export`);
    const url = URL.createObjectURL(new Blob([JSON.stringify(file, null, 2)], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${f.name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'flow'}.switchyard.json`;
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <tr>
      <td>
        <a href={href({ page: 'flow', flowId: f.id })}>{f.name}</a>
        {f.tags.length > 0 && (
          <span className="flow-tags">
            {f.tags.map((t) => (
              <span key={t} className="chip">
                {t}
              </span>
            ))}
          </span>
        )}
      </td>
      <td>{f.trigger === 'event' ? `event ${f.event}` : (f.trigger ?? '—')}</td>
      <td className={f.unpublished ? 'flow-disabled' : undefined}>{statusOf(f)}</td>
      <td>{new Date(f.updatedAt).toLocaleString()}</td>
      <td className="row-actions">
        <a href={href({ page: 'runs', flowId: f.id })}>Runs</a>
        <Popover label={`Actions for ${f.name}`} button={<span aria-label={`More actions for ${f.name}`}>More ▾</span>}>
          {(close) => (
            <ul className="sy-menu">
              <li>
                <button type="button" className="link-button" onClick={() => (close(), act.mutate('duplicate'))}>
                  Duplicate
                </button>
              </li>
              {f.publishedVersion !== null && (
                <li>
                  <button type="button" className="link-button" onClick={() => (close(), act.mutate(f.unpublished ? 'enable' : 'disable'))}>
                    {f.unpublished ? 'Enable' : 'Disable'}
                  </button>
                </li>
              )}
              <li>
                <button type="button" className="link-button" onClick={() => (close(), void exportFile())}>
                  Export as a file
                </button>
              </li>
              <li>
                <button type="button" className="link-button" onClick={() => (close(), setDialog('tags'))}>
                  Edit tags
                </button>
              </li>
              <li>
                <button type="button" className="link-button danger-link" onClick={() => (close(), setDialog('delete'))}>
                  Delete
                </button>
              </li>
            </ul>
          )}
        </Popover>
        {act.error && <ErrorBox error={act.error} />}
        {dialog === 'delete' && (
          <ConfirmDialog
            title={`Delete “${f.name}”?`}
            confirm="Delete flow"
            danger
            busy={act.isPending}
            onConfirm={() => act.mutate('delete')}
            onClose={() => setDialog(null)}
          >
            <p>
              It stops starting runs: its app events are ignored, its webhook URL answers 410 and its schedules are removed. Its runs and versions stay readable
              in Runs.
            </p>
          </ConfirmDialog>
        )}
        {dialog === 'tags' && <TagsDialog flow={f} onDone={done} onClose={() => setDialog(null)} />}
      </td>
    </tr>
  );
}

function TagsDialog({ flow, onDone, onClose }: { flow: FlowSummary; onDone: () => void; onClose: () => void }) {
  const id = useId();
  const [text, setText] = useState(flow.tags.join(', '));
  const save = useMutation({
    mutationFn: (tags: string[]) => api('PUT', `/api/flows/${flow.id}/tags`, { tags }),
    onSuccess: () => {
      onDone();
      onClose();
    },
  });
  return (
    <Dialog title={`Tags of “${flow.name}”`} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(
            text
              .split(',')
              .map((t) => t.trim().toLowerCase())
              .filter(Boolean),
          );
        }}
      >
        <label htmlFor={id}>Tags, separated by commas</label>
        <input id={id} value={text} onChange={(e) => setText(e.target.value)} placeholder="billing, onboarding" autoFocus />
        <p className="sf-help">Lower-case letters, digits and dashes.</p>
        <ErrorBox error={save.error} />
        <div className="sy-dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={save.isPending}>
            Save tags
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Import a flow file (exported from a Switchyard): a new unpublished flow; what the workspace lacks for it is listed. */
function ImportFlow() {
  const qc = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const importing = useMutation({
    mutationFn: (file: unknown) => api<ImportAnswer>('POST', '/api/flows/import', file),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['flows'] }),
  });
  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setReadError(null);
    try {
      importing.mutate(JSON.parse(await file.text()) as unknown);
    } catch (err) {
      setReadError(`${file.name} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (input.current) input.current.value = '';
  };
  const answer = importing.data;
  return (
    <div className="flow-import">
      <label htmlFor="flow-import-file">Import a flow file</label>
      <input ref={input} id="flow-import-file" type="file" accept="application/json,.json" onChange={(e) => void onFile(e.target.files?.[0])} />
      {readError && <p className="error">{readError}</p>}
      <ErrorBox error={importing.error} />
      {answer && (
        <div className="notice" role="status">
          Imported <a href={href({ page: 'flow', flowId: answer.flow.id })}>{answer.flow.name}</a> as a draft.
          {answer.missing.secrets.length > 0 && (
            <>
              {' '}
              Secrets to set:{' '}
              {answer.missing.secrets.map((name, i) => (
                <span key={name}>
                  {i > 0 && ', '}
                  <a href={href({ page: 'secrets', name })}>{name}</a>
                </span>
              ))}
              .
            </>
          )}
          {answer.missing.actions.length > 0 && <> Actions this workspace does not have: {answer.missing.actions.join(', ')}.</>}
          {answer.problems.length > 0 && (
            <>
              {' '}
              {answer.problems.length} problem{answer.problems.length === 1 ? '' : 's'} to fix before publishing.
            </>
          )}
        </div>
      )}
    </div>
  );
}
