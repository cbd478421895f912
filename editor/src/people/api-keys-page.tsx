import { useState } from 'react';
import { APP_KEY_SCOPES, Scopes, type Scope } from '#core/access';
import { useApiKeyActions, useApiKeys } from '../api/people';
import type { CreatedApiKey } from '../api/types';
import { CopyButton } from '../components/copy-button';
import { ErrorBox } from '../components/error-box';
import { formatTime } from '../components/format';

/** The workspace's API keys: name, mode, scopes, last use; create one (shown once) or revoke it. Owners only. */
export function ApiKeysPage() {
  const keys = useApiKeys();
  const actions = useApiKeyActions();
  const [name, setName] = useState('');
  const [mode, setMode] = useState<'live' | 'test'>('live');
  const [scopes, setScopes] = useState<Scope[]>([...APP_KEY_SCOPES]);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const toggle = (s: Scope) => setScopes((list) => (list.includes(s) ? list.filter((x) => x !== s) : [...list, s]));
  const create = (e: React.FormEvent) => {
    e.preventDefault();
    actions.create.mutate({ name: name.trim(), mode, scopes }, { onSuccess: (k) => (setCreated(k), setName('')) });
  };
  return (
    <section className="api-keys-page">
      <div className="page-head">
        <div>
          <h1>API keys</h1>
          <p className="muted lead">
            Keys your app&apos;s backend and your scripts use. Give each key only the scopes it needs: an app sending events needs <code>events:write</code> and{' '}
            <code>runs:read</code>. A test key (<code>sy_test_…</code>) only ever touches test runs and test secrets.
          </p>
        </div>
      </div>
      <ErrorBox error={keys.error ?? actions.revoke.error} />
      <table className="table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Key</th>
            <th>Mode</th>
            <th>Scopes</th>
            <th>Last used</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {keys.data?.map((k) => (
            <tr key={k.id} className={k.revokedAt ? 'muted' : undefined}>
              <td>{k.name ?? '(unnamed)'}</td>
              <td className="mono">{k.prefix}…</td>
              <td>{k.mode}</td>
              <td className="small">{k.scopes.join(', ')}</td>
              <td>{k.lastUsedAt ? formatTime(k.lastUsedAt) : 'never'}</td>
              <td>
                {k.revokedAt ? (
                  `revoked ${formatTime(k.revokedAt)}`
                ) : (
                  <button
                    className="link"
                    onClick={() => window.confirm(`Revoke ${k.name ?? k.prefix}? Whatever uses it stops working at once.`) && actions.revoke.mutate(k.id)}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="card section">
        <h2>Create a key</h2>
        <form onSubmit={create} aria-label="Create a key">
          <div className="field">
            <label htmlFor="key-name">Name</label>
            <input id="key-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="Shop backend" required />
          </div>
          <div className="field">
            <label htmlFor="key-mode">Mode</label>
            <select id="key-mode" value={mode} onChange={(e) => setMode(e.target.value as 'live' | 'test')}>
              <option value="live">live</option>
              <option value="test">test</option>
            </select>
          </div>
          <fieldset>
            <legend>Scopes</legend>
            {Scopes.map((s) => (
              <label key={s} className="inline-label">
                <input type="checkbox" checked={scopes.includes(s)} onChange={() => toggle(s)} /> {s}
              </label>
            ))}
          </fieldset>
          <button type="submit" className="primary" disabled={actions.create.isPending || scopes.length === 0 || !name.trim()}>
            Create key
          </button>
        </form>
        <ErrorBox error={actions.create.error} />
        {created && (
          <p className="notice ok">
            Store this key now; it is shown once: <code className="created-key">{created.key}</code> <CopyButton text={created.key} />
          </p>
        )}
      </div>
    </section>
  );
}
