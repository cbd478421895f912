import { useState } from 'react';
import { ApiError } from '../api/client';

/** Asks for the workspace API key that `npm start` printed on its first start, and checks it. */
export function LoginPage({ onLogin }: { onLogin: (key: string) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await fetch('/api/flows?limit=1', { headers: { authorization: `Bearer ${key.trim()}` } });
      if (res.status === 401) throw new ApiError(401, 'UNAUTHORIZED', 'This API key is not valid.');
      if (!res.ok) throw new ApiError(res.status, 'HTTP', `The server answered ${res.status}.`);
      onLogin(key.trim());
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="login">
      <form onSubmit={submit} className="card">
        <h1>Switchyard</h1>
        <p>
          Paste your workspace API key. The first <code>npm start</code> printed it (<code>sy_live_…</code>, or <code>sy_test_…</code> for test mode).
        </p>
        <label htmlFor="api-key">API key</label>
        <input id="api-key" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} placeholder="sy_live_…" required />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || !key.trim()}>
          {busy ? 'Checking…' : 'Open the editor'}
        </button>
      </form>
    </div>
  );
}
