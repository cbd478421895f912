import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import type { TestConnectionResult } from '#core/run';
import { api } from '../api/client';
import { useCatalog, useCreateFlow, useIntegration, usePutSecret } from '../api/queries';
import type { IntegrationSummary, SetupVariableStatus } from '../api/types';
import { CopyButton } from '../components/copy-button';
import { ErrorBox } from '../components/error-box';
import { formatTime } from '../components/format';
import { Markdown, renderInline } from '../components/markdown';
import { href, navigate } from '../router';
import { ConfirmDialog } from '../components/dialog';
import { OpenApiImport } from '../assistant/openapi-import';

/** The catalog of ready-made integrations (`#/catalog`), or one integration (`#/catalog/<key>`). */
export function CatalogPage({ integrationKey }: { integrationKey?: string }) {
  return integrationKey ? <IntegrationDetail key={integrationKey} integrationKey={integrationKey} /> : <CatalogGrid />;
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

function CatalogGrid() {
  const searchId = useId();
  const [search, setSearch] = useState('');
  const [category, setCategory] = useState<string | null>(null);
  const [importing, setImporting] = useState(false);
  const q = useDebounced(search.trim(), 200);
  const all = useCatalog('');
  const found = useCatalog(q);
  // While a new search loads, keep showing the previous results instead of flashing an empty grid.
  const last = useRef<IntegrationSummary[] | undefined>(undefined);
  if (found.data) last.current = found.data;
  const results = found.data ?? last.current;
  const categories = [...new Set((all.data ?? []).map((i) => i.category))].sort();
  const shown = results?.filter((i) => !category || i.category === category);

  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Catalog</h1>
          <p className="muted lead">Ready-made integrations: install one, add its secrets, then use its actions in any flow.</p>
        </div>
        {!importing && (
          <button type="button" onClick={() => setImporting(true)}>
            Import an OpenAPI document
          </button>
        )}
        <div className="search-box">
          <label htmlFor={searchId} className="sr-only">
            Search integrations
          </label>
          <input id={searchId} type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Search integrations and actions" />
        </div>
      </div>
      {categories.length > 1 && (
        <div className="chips" role="group" aria-label="Category">
          <button type="button" className={`chip${category === null ? ' active' : ''}`} aria-pressed={category === null} onClick={() => setCategory(null)}>
            All
          </button>
          {categories.map((c) => (
            <button
              key={c}
              type="button"
              className={`chip${category === c ? ' active' : ''}`}
              aria-pressed={category === c}
              onClick={() => setCategory(category === c ? null : c)}
            >
              {c}
            </button>
          ))}
        </div>
      )}
      {importing && <OpenApiImport onClose={() => setImporting(false)} />}
      <ErrorBox error={found.error ?? all.error} />
      {!results && !found.error && <p className="muted">Loading the catalog…</p>}
      {shown && shown.length === 0 && (
        <p className="empty">
          No integration matches{q ? ` “${q}”` : ''}
          {category ? ` in ${category}` : ''}.
        </p>
      )}
      {shown && shown.length > 0 && (
        <ul className="integration-grid" aria-label="Integrations">
          {shown.map((i) => (
            <li key={i.key} className="card integration-card">
              <div className="integration-card-head">
                <h2>
                  <a href={href({ page: 'catalog', key: i.key })} className="stretched">
                    {i.title}
                  </a>
                </h2>
                {i.installedAt ? <span className="pill ok">Installed</span> : <span className="pill">Not installed</span>}
              </div>
              <p>{i.description}</p>
              <div className="integration-card-foot muted">
                <span className="pill subtle">{i.category}</span>
                <span>
                  {i.actions.length} action{i.actions.length === 1 ? '' : 's'}
                </span>
                {i.setup.length > 0 && (
                  <span>
                    {i.setup.length} setup variable{i.setup.length === 1 ? '' : 's'}
                  </span>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

interface InstallResult {
  key: string;
  installedAt: string;
  backendFunctions: boolean;
  missing: SetupVariableStatus[];
}

function IntegrationDetail({ integrationKey }: { integrationKey: string }) {
  const qc = useQueryClient();
  const integration = useIntegration(integrationKey);
  const prompt = useQuery({
    queryKey: ['integration-prompt', integrationKey],
    // An imported integration's prompt is the workspace's own (it needs the workspace key).
    queryFn: () =>
      api<string>('GET', integrationKey.startsWith('x-') ? `/api/integrations/imported/${integrationKey}/prompt` : `/api/catalog/${integrationKey}/prompt`),
    staleTime: 60_000,
  });
  const install = useMutation({
    mutationFn: () => api<InstallResult>('POST', `/api/catalog/${integrationKey}/install`),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['integration', integrationKey] });
      void qc.invalidateQueries({ queryKey: ['catalog'] });
      void qc.invalidateQueries({ queryKey: ['settings'] });
    },
  });

  if (integration.error) {
    return (
      <section>
        <p className="crumbs">
          <a href={href({ page: 'catalog' })}>Catalog</a>
        </p>
        <ErrorBox error={integration.error} />
      </section>
    );
  }
  const i = integration.data;
  if (!i) return <p className="muted">Loading…</p>;
  const variables = i.setupStatus ?? i.setup;
  // What is still missing now (the install answer goes stale as secrets are added below).
  const missing = i.setupStatus ? i.setupStatus.filter((v) => v.required && !v.live && !v.test) : (install.data?.missing ?? []);

  return (
    <section className="integration-detail">
      <p className="crumbs">
        <a href={href({ page: 'catalog' })}>Catalog</a> / {i.title}
      </p>
      <div className="page-head">
        <div>
          <div className="title-row">
            <h1>{i.title}</h1>
            {i.instant ? <span className="pill">Instant · version {i.version}</span> : <span className="pill subtle">{i.category}</span>}
            {i.installedAt ? (
              <span className="pill ok" title={`Installed ${formatTime(i.installedAt)}`}>
                Installed{(i.usedByFlows ?? 0) > 0 ? ` · used by ${i.usedByFlows} published flow${i.usedByFlows === 1 ? '' : 's'}` : ''}
              </span>
            ) : (
              <span className="pill">Not installed</span>
            )}
          </div>
          <p className="lead">{i.description}</p>
        </div>
        {!i.installedAt && (
          <button type="button" className="primary" onClick={() => install.mutate()} disabled={install.isPending}>
            {install.isPending ? 'Installing…' : `Install ${i.title}`}
          </button>
        )}
      </div>
      <ErrorBox error={install.error} />
      {install.data && (
        <div className="notice ok" role="status">
          <strong>{i.title} is installed.</strong>{' '}
          {missing.length === 0
            ? 'Every required setup variable is set.'
            : `Still missing: ${missing.map((v) => v.name).join(', ')}. Add ${missing.length === 1 ? 'it' : 'them'} below.`}
        </div>
      )}

      {i.auth.type === 'oauth2' && (
        <div className="card section">
          <h2>Connection</h2>
          <p>
            {i.title} acts as an account you sign in to ({i.auth.provider} OAuth{i.auth.scopes?.length ? `, scopes ${i.auth.scopes.join(' ')}` : ''}). Connect
            it under <a href={href({ page: 'connections' })}>Connections</a>, then pick it in each step&apos;s Connection field.
          </p>
        </div>
      )}

      <div className="card section">
        <h2>Setup variables</h2>
        {variables.length === 0 ? (
          <p className="muted">This integration needs no secrets.</p>
        ) : (
          <>
            <p className="muted">
              Each one is a workspace secret with a live value and a test value. Test runs use the test value; without one, they use the integration&apos;s
              sandbox and mark the step as simulated.
            </p>
            <SetupTable variables={variables} />
          </>
        )}
      </div>

      {i.instant && <BackendFunctionsNotice title={i.title} />}
      {i.testConnection && <TestConnection integrationKey={i.key} title={i.title} />}

      <div className="card section">
        <h2>Actions</h2>
        <ul className="action-list">
          {i.actions.map((a) => (
            <li key={a.ref}>
              <div className="action-head">
                <strong>{a.title}</strong> <code>{a.ref}</code>
                {a.sideEffects && (
                  <span className="pill warn" title="Running it changes something outside Switchyard">
                    side effects
                  </span>
                )}
              </div>
              <div className="muted">{a.description}</div>
              {a.example !== undefined && <ActionExample integration={i.title} action={a} />}
            </li>
          ))}
        </ul>
        {i.docs.length > 0 && (
          <>
            <h3>Documentation</h3>
            <ul className="doc-links">
              {i.docs.map((d) => (
                <li key={d.url}>
                  <a href={d.url} target="_blank" rel="noopener noreferrer">
                    {d.title}
                  </a>
                </li>
              ))}
            </ul>
          </>
        )}
      </div>

      <div className="card section">
        <div className="section-head">
          <div>
            <h2>Integration prompt</h2>
            <p className="muted">Everything a builder or an assistant needs to use {i.title}: setup, action code, a frontend snippet and examples.</p>
          </div>
          {prompt.data && <CopyButton text={prompt.data} label="Copy prompt" />}
        </div>
        <ErrorBox error={prompt.error} />
        {prompt.data ? (
          <div className="prompt-box" tabIndex={0} aria-label={`${i.title} integration prompt`} role="region">
            <Markdown text={prompt.data} headingOffset={1} />
          </div>
        ) : (
          !prompt.error && <p className="muted">Loading the prompt…</p>
        )}
      </div>
    </section>
  );
}

function VariableStatus({ v }: { v: SetupVariableStatus }) {
  if (!v.live && !v.test) return <span className={`pill ${v.required ? 'bad' : ''}`}>{v.required ? 'missing' : 'not set (optional)'}</span>;
  // A test value alone: test runs work, live runs would stop at the step (and publishing is refused).
  if (v.test && !v.live && v.required)
    return (
      <span className="variable-status">
        <span className="pill warn">test only</span>
        <span className="muted small">live runs would stop: add the live value</span>
      </span>
    );
  return (
    <span className="variable-status">
      {v.live ? <span className="pill ok">✓ live</span> : <span className="pill">no live value</span>}
      {v.test ? <span className="pill ok">✓ test</span> : <span className="pill">no test value</span>}
    </span>
  );
}

function SetupTable({ variables }: { variables: SetupVariableStatus[] }) {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <table className="table setup-table">
      <thead>
        <tr>
          <th scope="col">Variable</th>
          <th scope="col">Status</th>
          <th scope="col">Where to get it</th>
          <th scope="col">
            <span className="sr-only">Add</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {variables.flatMap((v) => {
          const incomplete = !v.live || !v.test;
          const rows = [
            <tr key={v.name}>
              <td>
                <code>{v.name}</code>
                {!v.required && <span className="muted"> (optional)</span>}
                <div className="muted small">{v.description}</div>
              </td>
              <td>
                <VariableStatus v={v} />
              </td>
              <td className="small">
                {renderInline(v.whereToGet, v.name)}
                {v.testPrefix && (
                  <div className="muted">
                    Test values start with <code>{v.testPrefix}</code>.
                  </div>
                )}
              </td>
              <td className="cell-actions">
                {incomplete && (
                  <button
                    type="button"
                    aria-expanded={open === v.name}
                    aria-controls={`add-${v.name}`}
                    onClick={() => setOpen(open === v.name ? null : v.name)}
                    aria-label={`${!v.live && !v.test ? 'Add secret' : 'Add the missing value of'} ${v.name}`}
                  >
                    {!v.live && !v.test ? 'Add secret' : v.live ? 'Add test value' : 'Add live value'}
                  </button>
                )}
              </td>
            </tr>,
          ];
          if (open === v.name) {
            rows.push(
              <tr key={`${v.name}-form`} id={`add-${v.name}`} className="inline-form-row">
                <td colSpan={4}>
                  <AddSecretForm variable={v} onDone={() => setOpen(null)} />
                </td>
              </tr>,
            );
          }
          return rows;
        })}
      </tbody>
    </table>
  );
}

/** Live and test values for one setup variable; empty fields are left as they are. */
function AddSecretForm({ variable, onDone }: { variable: SetupVariableStatus; onDone: () => void }) {
  const id = useId();
  const put = usePutSecret();
  const [live, setLive] = useState('');
  const [test, setTest] = useState('');
  const testPrefixWrong = variable.testPrefix && test && !test.startsWith(variable.testPrefix);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    put.mutate({ name: variable.name, ...(live ? { live } : {}), ...(test ? { test } : {}) }, { onSuccess: onDone });
  };
  return (
    <form className="secret-form" onSubmit={submit} aria-label={`Add secret ${variable.name}`}>
      {!variable.live && (
        <div className="field">
          <label htmlFor={`${id}-live`}>Live value of {variable.name}</label>
          <input id={`${id}-live`} type="password" autoComplete="new-password" value={live} onChange={(e) => setLive(e.target.value)} />
        </div>
      )}
      {!variable.test && (
        <div className="field">
          <label htmlFor={`${id}-test`}>Test value of {variable.name}</label>
          <input
            id={`${id}-test`}
            type="password"
            autoComplete="new-password"
            value={test}
            onChange={(e) => setTest(e.target.value)}
            placeholder={variable.testPrefix ? `${variable.testPrefix}…` : undefined}
            aria-describedby={testPrefixWrong ? `${id}-prefix` : undefined}
          />
        </div>
      )}
      <div className="form-buttons">
        <button type="submit" className="primary" disabled={put.isPending || (!live && !test)}>
          {put.isPending ? 'Saving…' : 'Save secret'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      {testPrefixWrong && (
        <p id={`${id}-prefix`} className="hint warn-text">
          Test values of {variable.name} usually start with <code>{variable.testPrefix}</code>.
        </p>
      )}
      <ErrorBox error={put.error} />
    </form>
  );
}

function TestConnection({ integrationKey, title }: { integrationKey: string; title: string }) {
  const id = useId();
  const [mode, setMode] = useState<'live' | 'test'>('live');
  const check = useMutation({
    mutationFn: (m: 'live' | 'test') => api<TestConnectionResult>('POST', `/api/catalog/${integrationKey}/test-connection`, { mode: m }),
  });
  return (
    <div className="card section">
      <h2>Test connection</h2>
      <p className="muted">Checks the workspace&apos;s {title} credentials with one cheap call to the provider.</p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          check.mutate(mode);
        }}
      >
        <label htmlFor={`${id}-mode`} className="inline-label">
          Credentials
        </label>
        <select id={`${id}-mode`} value={mode} onChange={(e) => setMode(e.target.value as 'live' | 'test')}>
          <option value="live">Live values</option>
          <option value="test">Test values</option>
        </select>
        <button type="submit" disabled={check.isPending}>
          {check.isPending ? 'Testing…' : 'Test connection'}
        </button>
      </form>
      <div aria-live="polite">
        {check.data?.ok === true && (
          <div className="notice ok">
            <strong>Connected ({check.variables}).</strong> {check.data.detail}
            {check.data.simulated && <span className="tag-simulated">simulated</span>}
          </div>
        )}
        {check.data?.ok === false && (
          <div className="error-box">
            <strong>The connection test failed ({check.variables}).</strong> {check.data.error}
          </div>
        )}
      </div>
      <ErrorBox error={check.error} />
    </div>
  );
}

/** An action's example input (valid for its schema) and a button that starts a new flow with the action filled in. */
function ActionExample({ integration, action }: { integration: string; action: IntegrationSummary['actions'][number] }) {
  const create = useCreateFlow();
  const use = async () => {
    const stepId = action.key.replace(/-/g, '_');
    const flow = await create.mutateAsync({
      name: `${integration}: ${action.title}`,
      document: {
        schemaVersion: 1,
        trigger: { type: 'manual' },
        nodes: [{ id: stepId, type: 'action', action: action.ref, inputs: action.example as Record<string, unknown> }],
        edges: [{ from: 'trigger', to: stepId }],
        layout: { trigger: { x: 0, y: 0 }, [stepId]: { x: 0, y: 160 } },
      },
    });
    navigate({ page: 'flow', flowId: flow.id });
  };
  return (
    <details className="action-example">
      <summary>Example usage</summary>
      <pre tabIndex={0}>{JSON.stringify({ action: action.ref, inputs: action.example }, null, 2)}</pre>
      <button type="button" onClick={() => void use()} disabled={create.isPending} aria-label={`Use in a flow: ${action.title}`}>
        Use in a flow
      </button>
      <ErrorBox error={create.error} />
    </details>
  );
}

/** Instant integrations need App Settings' Backend functions switch: said here, and turned on only when asked to. */
function BackendFunctionsNotice({ title }: { title: string }) {
  const qc = useQueryClient();
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => api<{ backendFunctions: boolean }>('GET', '/api/settings') });
  const [asking, setAsking] = useState(false);
  const turnOn = useMutation({
    mutationFn: () => api('PATCH', '/api/settings', { backendFunctions: true }),
    onSuccess: () => {
      setAsking(false);
      void qc.invalidateQueries({ queryKey: ['settings'] });
    },
  });
  if (!settings.data || settings.data.backendFunctions) return null;
  return (
    <div className="notice warn" role="status">
      {title} is an instant integration: its actions run only with Backend functions on, and they are off in this workspace.{' '}
      <button type="button" className="link-button" onClick={() => setAsking(true)}>
        Turn on Backend functions…
      </button>
      {asking && (
        <ConfirmDialog
          title="Turn on Backend functions?"
          confirm="Turn on"
          busy={turnOn.isPending}
          onConfirm={() => turnOn.mutate()}
          onClose={() => setAsking(false)}
        >
          <p>
            Every flow in this workspace may then use instant integrations (HTTP requests to any allowed address, imported APIs) and code steps. You can turn
            them off again under App Settings.
          </p>
          <ErrorBox error={turnOn.error} />
        </ConfirmDialog>
      )}
    </div>
  );
}
