import { useId, useMemo, useState, type FormEvent } from 'react';
import { useImportOpenApi, type OpenApiImportRequest } from '../api/queries';
import type { OpenApiImportResult } from '../api/types';
import { ErrorBox } from '../components/error-box';
import { href } from '../router';

type Source = 'paste' | 'file' | 'url';
type AuthChoice = 'document' | 'bearer' | 'basic' | 'apiKey';

/**
 * Import an OpenAPI (3.0, 3.1) or Swagger 2.0 document as an instant integration: paste it, upload it or give its URL,
 * preview its operations, keep the ones wanted, import. Re-importing the same API makes a new version.
 */
export function OpenApiImport({ onClose }: { onClose: () => void }) {
  const id = useId();
  const [source, setSource] = useState<Source>('paste');
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [url, setUrl] = useState('');
  const [key, setKey] = useState('');
  const [auth, setAuth] = useState<AuthChoice>('document');
  const [apiKeyIn, setApiKeyIn] = useState<'header' | 'query' | 'cookie'>('header');
  const [apiKeyName, setApiKeyName] = useState('');
  const [preview, setPreview] = useState<OpenApiImportResult | null>(null);
  const [kept, setKept] = useState<Set<string>>(new Set());
  const [filter, setFilter] = useState('');
  const importing = useImportOpenApi();
  const done = importing.data?.stored ? importing.data : null;

  const request = (extra: Partial<OpenApiImportRequest>): OpenApiImportRequest => ({
    ...(source === 'url' ? { url: url.trim() } : { document: text }),
    ...(key.trim() ? { key: key.trim() } : {}),
    ...(auth === 'bearer' || auth === 'basic' ? { auth: { type: auth } } : {}),
    ...(auth === 'apiKey' ? { auth: { type: 'apiKey', in: apiKeyIn, name: apiKeyName.trim() } } : {}),
    ...extra,
  });

  const onPreview = async (e: FormEvent) => {
    e.preventDefault();
    const result = await importing.mutateAsync(request({ preview: true }));
    setPreview(result);
    setKept(new Set(result.operations.map((o) => o.key)));
    if (!key.trim()) setKey(result.key);
  };

  const onImport = async () => {
    if (!preview) return;
    const all = kept.size === preview.operations.length;
    await importing.mutateAsync(request(all ? {} : { operations: [...kept] }));
    setPreview(null);
  };

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setFileName(file.name);
    setText(await file.text());
  };

  const shown = useMemo(() => {
    const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
    return (preview?.operations ?? []).filter((o) =>
      words.every((w) => `${o.key} ${o.title} ${o.method} ${o.path} ${o.tags.join(' ')}`.toLowerCase().includes(w)),
    );
  }, [preview, filter]);
  const ready = source === 'url' ? url.trim() !== '' : text.trim() !== '';

  return (
    <section className="card section sy-openapi-import" aria-labelledby={`${id}-title`}>
      <div className="title-row">
        <h2 id={`${id}-title`}>Import an OpenAPI document</h2>
        <button type="button" className="ghost" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted">
        Any API with an OpenAPI 3.0 / 3.1 or Swagger 2.0 document becomes an <strong>instant integration</strong>: one action per operation, its security
        schemes as setup variables, its server as a base URL you can point test runs elsewhere. Instant integrations need Backend functions on in App Settings.
      </p>
      <form onSubmit={(e) => void onPreview(e)}>
        <div className="chips" role="radiogroup" aria-label="Where the document comes from">
          {(['paste', 'file', 'url'] as const).map((s) => (
            <button
              key={s}
              type="button"
              role="radio"
              aria-checked={source === s}
              className={`chip${source === s ? ' active' : ''}`}
              onClick={() => setSource(s)}
            >
              {s === 'paste' ? 'Paste' : s === 'file' ? 'Upload a file' : 'From a URL'}
            </button>
          ))}
        </div>
        {source === 'paste' && (
          <label className="field">
            <span>Document (JSON or YAML)</span>
            <textarea rows={8} value={text} onChange={(e) => setText(e.target.value)} placeholder={'openapi: 3.1.0\ninfo:\n  title: …'} spellCheck={false} />
          </label>
        )}
        {source === 'file' && (
          <label className="field">
            <span>File (.json, .yaml; up to 20 MB){fileName ? `: ${fileName}` : ''}</span>
            <input type="file" accept=".json,.yaml,.yml,application/json,application/yaml" onChange={(e) => void onFile(e.target.files?.[0])} />
          </label>
        )}
        {source === 'url' && (
          <label className="field">
            <span>URL of the document (fetched by the server; private addresses are refused)</span>
            <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://api.example.com/openapi.json" />
          </label>
        )}
        <div className="form-row">
          <label className="field">
            <span>Integration key (optional)</span>
            <input value={key} onChange={(e) => setKey(e.target.value)} placeholder="x-example" />
          </label>
          <label className="field">
            <span>Authentication</span>
            <select value={auth} onChange={(e) => setAuth(e.target.value as AuthChoice)}>
              <option value="document">As the document declares</option>
              <option value="bearer">Bearer token (the document declares none)</option>
              <option value="basic">HTTP basic (the document declares none)</option>
              <option value="apiKey">API key (the document declares none)</option>
            </select>
          </label>
          {auth === 'apiKey' && (
            <>
              <label className="field">
                <span>Sent in</span>
                <select value={apiKeyIn} onChange={(e) => setApiKeyIn(e.target.value as 'header' | 'query' | 'cookie')}>
                  <option value="header">a header</option>
                  <option value="query">the query</option>
                  <option value="cookie">a cookie</option>
                </select>
              </label>
              <label className="field">
                <span>Named</span>
                <input value={apiKeyName} onChange={(e) => setApiKeyName(e.target.value)} placeholder="X-Api-Key" />
              </label>
            </>
          )}
        </div>
        <button type="submit" disabled={!ready || importing.isPending}>
          {importing.isPending && !preview ? 'Reading…' : 'Preview'}
        </button>
      </form>
      <ErrorBox error={importing.error} />
      {importing.error && <ProblemList error={importing.error} />}
      {preview && (
        <div className="sy-openapi-preview">
          <h3>
            {preview.title} <span className="muted">({preview.source})</span>: {preview.operations.length} operations, {kept.size} kept
          </h3>
          <p className="muted">
            Becomes <code>{preview.key}</code> version {preview.version}
            {preview.baseUrl ? (
              <>
                , calling <code>{preview.baseUrl}</code>
              </>
            ) : null}
            . Setup variables: {preview.setup.map((v) => v.name).join(', ')}.
          </p>
          <ul className="muted">
            {preview.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
          <div className="form-row">
            <label className="field">
              <span>Filter operations</span>
              <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="issues create" />
            </label>
            <button type="button" className="ghost" onClick={() => setKept(new Set([...kept, ...shown.map((o) => o.key)]))}>
              Keep all shown
            </button>
            <button type="button" className="ghost" onClick={() => setKept(new Set([...kept].filter((k) => !shown.some((o) => o.key === k))))}>
              Drop all shown
            </button>
          </div>
          <ul className="sy-openapi-operations" aria-label="Operations">
            {shown.slice(0, 300).map((o) => (
              <li key={o.key}>
                <label>
                  <input
                    type="checkbox"
                    checked={kept.has(o.key)}
                    onChange={(e) => {
                      const next = new Set(kept);
                      if (e.target.checked) next.add(o.key);
                      else next.delete(o.key);
                      setKept(next);
                    }}
                  />{' '}
                  <code>{o.method}</code> {o.path} — {o.title}
                  {o.deprecated ? <span className="pill subtle">deprecated</span> : null}
                </label>
              </li>
            ))}
          </ul>
          {shown.length > 300 && <p className="muted">{shown.length - 300} more: narrow the filter to see them.</p>}
          <button type="button" className="primary" disabled={kept.size === 0 || importing.isPending} onClick={() => void onImport()}>
            {importing.isPending ? 'Importing…' : `Import ${kept.size} operation${kept.size === 1 ? '' : 's'}`}
          </button>
        </div>
      )}
      {done && (
        <div className="notice ok" role="status">
          <strong>
            Imported {done.title} as <code>{done.key}</code> version {done.version}: {done.operations.length} actions.
          </strong>{' '}
          <a href={href({ page: 'catalog', key: done.key })}>Open it</a> to set its setup variables; its actions are in the palette.
          {done.notes.length > 0 && (
            <ul>
              {done.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

/** The problems of a refused document, each with its JSON pointer. */
function ProblemList({ error }: { error: unknown }) {
  const problems = (error as { details?: { problems?: { pointer: string; message: string }[] } }).details?.problems;
  if (!problems?.length) return null;
  return (
    <ul className="sy-openapi-problems" aria-label="Problems in the document">
      {problems.map((p, i) => (
        <li key={i}>
          <code>{p.pointer || '/'}</code>: {p.message}
        </li>
      ))}
    </ul>
  );
}
