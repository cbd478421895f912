import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId } from 'react';
import { api } from '../api/client';
import { useSettings } from '../api/queries';
import { CopyButton } from '../components/copy-button';
import { ErrorBox } from '../components/error-box';
import { formatTime } from '../components/format';
import { href } from '../router';

interface Settings {
  backendFunctions: boolean;
  updatedAt?: string | null;
}

/** App Settings: backend functions, the workspace API keys, the app-facing event endpoint, webhooks. */
export function SettingsPage(_props: object) {
  return (
    <section className="settings-page">
      <div className="page-head">
        <div>
          <h1>App Settings</h1>
          <p className="muted lead">How your app talks to Switchyard, and what this workspace may run.</p>
        </div>
      </div>
      <BackendFunctions />
      <ApiKeys />
      <EventsEndpoint />
      <div className="card section">
        <h2>Webhook endpoints</h2>
        <p className="muted">
          A flow with a webhook trigger gets its own live and test URL when it is published, and each workspace has an inbox per provider for flows that wait
          for an event. Their URLs, deliveries and replays are on the <a href={href({ page: 'webhooks' })}>Webhooks</a> page.
        </p>
      </div>
    </section>
  );
}

function BackendFunctions() {
  const id = useId();
  const qc = useQueryClient();
  const settings = useSettings();
  const patch = useMutation({
    mutationFn: (backendFunctions: boolean) => api<Settings>('PATCH', '/api/settings', { backendFunctions }),
    onSuccess: (data) => qc.setQueryData(['settings'], data),
  });
  const on = patch.isPending ? patch.variables : settings.data?.backendFunctions;
  const updatedAt = (settings.data as Settings | undefined)?.updatedAt;
  return (
    <div className="card section">
      <div className="section-head">
        <div>
          <h2 id={`${id}-title`}>Backend functions</h2>
          <p className="muted" id={`${id}-desc`}>
            Backend functions run integration code on this server. Installing a ready-made integration from the <a href={href({ page: 'catalog' })}>Catalog</a>{' '}
            turns them on. Instant integrations (the generic HTTP action) and code steps need them: while they are off, a flow that uses one can be neither
            published nor run. Your plan and credits are on the <a href={href({ page: 'credits' })}>Credits</a> page.
          </p>
        </div>
        <label className="switch" htmlFor={`${id}-switch`}>
          <input
            id={`${id}-switch`}
            type="checkbox"
            role="switch"
            checked={on ?? false}
            disabled={on === undefined || patch.isPending}
            aria-checked={on ?? false}
            aria-describedby={`${id}-desc`}
            onChange={(e) => patch.mutate(e.target.checked)}
          />
          <span className="switch-track" aria-hidden="true" />
          <span className="switch-label">Backend functions {on === undefined ? '…' : on ? 'on' : 'off'}</span>
        </label>
      </div>
      {updatedAt && <p className="muted small">Last changed {formatTime(updatedAt)}.</p>}
      <ErrorBox error={settings.error ?? patch.error} />
    </div>
  );
}

function ApiKeys() {
  return (
    <div className="card section">
      <h2>Workspace API keys</h2>
      <p>
        A workspace has two kinds of key. A <strong>live key</strong> (<code>sy_live_…</code>) starts live runs, which use the live value of each secret and
        call providers for real. A <strong>test key</strong> (<code>sy_test_…</code>) starts test runs: they use test values, or the integration&apos;s sandbox
        when there is none, and show a TEST badge.
      </p>
      <p className="muted">
        Keys are for your app and scripts, not for signing in here. Owners create them with a name, a mode and scopes on the <a href="#/keys">API keys</a>{' '}
        page; each is shown once, and Switchyard keeps only a hash. Store them in your app&apos;s secret configuration, never in frontend code.
      </p>
    </div>
  );
}

function EventsEndpoint() {
  const url = `${window.location.origin}/v1/events`;
  const curl = [
    `curl -X POST ${url} \\`,
    `  -H "Authorization: Bearer $SWITCHYARD_API_KEY" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '{"name": "user.signed_up", "id": "evt_123", "data": {"email": "ada@example.com"}}'`,
  ].join('\n');
  return (
    <div className="card section">
      <h2>App events endpoint</h2>
      <p className="muted">
        Your app sends events here; every published flow triggered by the event&apos;s name starts. Sending the same <code>id</code> again starts no second run.
        Call it from your backend: the API key is a secret.
      </p>
      <div className="endpoint">
        <code className="endpoint-url">
          <span className="method">POST</span> {url}
        </code>
        <CopyButton text={url} label="Copy endpoint URL" />
      </div>
      <div className="code-block">
        <div className="code-block-head">
          <span className="muted small">Example with curl</span>
          <CopyButton text={curl} label="Copy curl example" />
        </div>
        <pre>{curl}</pre>
      </div>
    </div>
  );
}
