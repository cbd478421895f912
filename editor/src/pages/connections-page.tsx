import { useConfirm } from '../components/dialog';
import { useId, useState } from 'react';
import { useConnect, useConnections, useDisconnect, useOAuthProviders, usePutOAuthClient, useRenameConnection, useTestConnection } from '../api/queries';
import type { Connection, ConnectionSide, ConnectionTestResult, OAuthProviderInfo } from '../api/types';
import { ErrorBox } from '../components/error-box';
import { formatTime } from '../components/format';
import { href } from '../router';

type Mode = 'live' | 'test';

/** Opens the sign-in pop-up at once (in the click), so the browser allows it; the provider's URL is set when it is known. */
function openPopup(): Window | null {
  return window.open('about:blank', 'switchyard-oauth', 'popup,width=520,height=700');
}

/** Connections: accounts signed in to through OAuth, their live and test status, and the providers' clients. */
export function ConnectionsPage(_props: object) {
  const [watching, setWatching] = useState(false);
  const connections = useConnections(watching);
  const providers = useOAuthProviders();
  const connect = useConnect();
  const mode: Mode = (localStorage.getItem('switchyard.apiKey') ?? '').startsWith('sy_test_') ? 'test' : 'live';
  const reconnect = (c: Connection, side: Mode) => {
    setWatching(true);
    connect.mutate({ popup: openPopup(), reconnect: c.id, mode: side });
  };
  const broken = (connections.data ?? []).flatMap((c) => (['live', 'test'] as const).filter((m) => c[m]?.status === 'needs reconnect').map((m) => ({ c, m })));

  return (
    <section className="connections-page">
      <div className="page-head">
        <div>
          <h1>Connections</h1>
          <p className="muted lead">
            Accounts your flows act as, signed in to once through OAuth (Google, Slack, GitHub, HubSpot, any OAuth 2 service). Switchyard keeps them connected;
            tokens are never shown.
          </p>
        </div>
      </div>
      {broken.map(({ c, m }) => (
        <div key={`${c.id}:${m}`} className="notice reconnect-banner" role="alert">
          <strong>{c.name}</strong> ({c.providerTitle}, {m}) needs you to sign in again: {c[m]?.lastError ?? 'the provider no longer accepts it'}. Runs that use
          it wait and go on by themselves once you reconnect.{' '}
          <button type="button" onClick={() => reconnect(c, m)} disabled={connect.isPending}>
            Reconnect
          </button>
        </div>
      ))}
      <ErrorBox error={connections.error ?? providers.error ?? connect.error} />

      <h2>Your connections</h2>
      {!connections.data && !connections.error && <p className="muted">Loading connections…</p>}
      {connections.data && connections.data.length === 0 && <p className="empty">No connections yet. Connect an account with a provider below.</p>}
      {connections.data && connections.data.length > 0 && (
        <table className="table connections-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Provider</th>
              <th scope="col">Live</th>
              <th scope="col">Test</th>
              <th scope="col">Used by</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {connections.data.map((c) => (
              <ConnectionRow key={c.id} connection={c} mode={mode} onReconnect={(m) => reconnect(c, m)} />
            ))}
          </tbody>
        </table>
      )}

      <h2>Providers</h2>
      {providers.data?.map((p) => (
        <ProviderCard
          key={p.key}
          provider={p}
          mode={mode}
          connecting={connect.isPending}
          onConnect={(name, scopes) => {
            setWatching(true);
            connect.mutate({ popup: p.grant === 'authorization_code' ? openPopup() : null, provider: p.key, name, scopes, mode });
          }}
        />
      ))}
    </section>
  );
}

function SideStatus({ side }: { side: ConnectionSide | null }) {
  if (!side) return <span className="muted">not connected</span>;
  return (
    <span className="side-status">
      <span className={`status status-${side.status.replace(' ', '-')}`} data-status={side.status}>
        {side.status}
      </span>
      {side.lastRefreshAt && <span className="muted small"> refreshed {formatTime(side.lastRefreshAt)}</span>}
    </span>
  );
}

function ConnectionRow({ connection: c, mode, onReconnect }: { connection: Connection; mode: Mode; onReconnect: (m: Mode) => void }) {
  const rename = useRenameConnection();
  const test = useTestConnection();
  const disconnect = useDisconnect();
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  const confirmation = useConfirm();
  return (
    <tr data-connection={c.id}>
      <td>
        {confirmation.dialog}
        <strong>{c.name}</strong>{' '}
        <button
          type="button"
          className="link"
          aria-label={`Rename ${c.name}`}
          onClick={() => {
            const name = window.prompt('New name', c.name)?.trim();
            if (name) rename.mutate({ id: c.id, name });
          }}
        >
          Rename
        </button>
        <div className="muted small">
          <code>{c.id}</code>
        </div>
      </td>
      <td>{c.providerTitle}</td>
      <td>
        <SideStatus side={c.live} />
      </td>
      <td>
        <SideStatus side={c.test} />
      </td>
      <td>
        {c.usedBy.length === 0 ? (
          <span className="muted">no flow</span>
        ) : (
          c.usedBy.map((f) => (
            <a key={f.flowId} href={href({ page: 'flow', flowId: f.flowId })} className="used-by">
              {f.name}
            </a>
          ))
        )}
      </td>
      <td className="cell-actions">
        <button type="button" onClick={() => test.mutate({ id: c.id, mode }, { onSuccess: setResult })} disabled={test.isPending || !c[mode]}>
          Test
        </button>
        <button type="button" onClick={() => onReconnect(mode)}>
          {c[mode] ? 'Reconnect' : `Connect ${mode}`}
        </button>
        <button
          type="button"
          className="danger"
          disabled={disconnect.isPending}
          onClick={async () => {
            const flows = c.usedBy.length ? ` ${c.usedBy.length} flow(s) use it and will wait for a reconnect.` : '';
            const ok = await confirmation.ask({
              title: `Disconnect ${c.name}?`,
              message: `Its tokens are revoked at the provider where it allows it, then forgotten.${flows}`,
              confirm: 'Disconnect',
              danger: true,
            });
            if (ok) disconnect.mutate(c.id);
          }}
        >
          Disconnect
        </button>
        {result && (
          <div className={result.ok ? 'notice ok small' : 'notice small'} role="status">
            {result.detail}
          </div>
        )}
        <ErrorBox error={rename.error ?? test.error ?? disconnect.error} />
      </td>
    </tr>
  );
}

function ProviderCard({
  provider: p,
  mode,
  connecting,
  onConnect,
}: {
  provider: OAuthProviderInfo;
  mode: Mode;
  connecting: boolean;
  onConnect: (name: string, scopes: string[]) => void;
}) {
  const id = useId();
  const [name, setName] = useState(`${p.title} account`);
  const [scopes, setScopes] = useState(p.scopes.join(' '));
  const [editing, setEditing] = useState(false);
  const ready = p.client[mode];
  return (
    <div className="card provider-card" data-provider={p.key}>
      <h3>{p.title}</h3>
      <p className="muted small">
        Redirect URI to register: <code>{p.redirectUri}</code>
      </p>
      {ready ? (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            onConnect(name.trim(), scopes.trim().split(/\s+/).filter(Boolean));
          }}
        >
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
          <label htmlFor={`${id}-scopes`}>Scopes</label>
          <input id={`${id}-scopes`} value={scopes} onChange={(e) => setScopes(e.target.value)} size={40} />
          <button type="submit" disabled={connecting || !name.trim()}>
            Connect {p.title}
          </button>
          <button type="button" className="link" onClick={() => setEditing(!editing)}>
            Change client
          </button>
        </form>
      ) : (
        <p className="muted small">
          Set your OAuth app&apos;s client first: {p.whereToGet}.{' '}
          {!editing && (
            <button type="button" className="link" onClick={() => setEditing(true)}>
              Set client
            </button>
          )}
        </p>
      )}
      {editing && <ClientForm provider={p} onDone={() => setEditing(false)} />}
    </div>
  );
}

function ClientForm({ provider: p, onDone }: { provider: OAuthProviderInfo; onDone: () => void }) {
  const id = useId();
  const put = usePutOAuthClient();
  const [fields, setFields] = useState({ clientId: '', clientSecret: '', authorizeUrl: '', tokenUrl: '', revocationUrl: '', issuer: '', scopes: '' });
  const set = (k: keyof typeof fields) => (e: { target: { value: string } }) => setFields({ ...fields, [k]: e.target.value });
  const field = (k: keyof typeof fields, label: string, type = 'text', required = false) => (
    <div className="field">
      <label htmlFor={`${id}-${k}`}>{label}</label>
      <input id={`${id}-${k}`} type={type} value={fields[k]} onChange={set(k)} required={required} autoComplete="off" />
    </div>
  );
  return (
    <form
      className="client-form"
      onSubmit={(e) => {
        e.preventDefault();
        const config = p.configurable
          ? {
              tokenUrl: fields.tokenUrl,
              ...(fields.authorizeUrl ? { authorizeUrl: fields.authorizeUrl } : {}),
              ...(fields.revocationUrl ? { revocationUrl: fields.revocationUrl } : {}),
              ...(fields.issuer ? { issuer: fields.issuer } : {}),
              ...(fields.scopes.trim() ? { scopes: fields.scopes.trim().split(/\s+/) } : {}),
              ...(fields.authorizeUrl ? {} : { grant: 'client_credentials' }),
            }
          : undefined;
        put.mutate({ provider: p.key, clientId: fields.clientId, clientSecret: fields.clientSecret, ...(config ? { config } : {}) }, { onSuccess: onDone });
      }}
    >
      {field('clientId', 'Client ID', 'text', true)}
      {field('clientSecret', 'Client secret', 'password', true)}
      {p.configurable && (
        <>
          {field('authorizeUrl', 'Authorization URL (empty: client credentials)', 'url')}
          {field('tokenUrl', 'Token URL', 'url', true)}
          {field('revocationUrl', 'Revocation URL', 'url')}
          {field('issuer', 'Issuer (its iss is then required on callbacks)', 'url')}
          {field('scopes', 'Scopes (space-separated)')}
        </>
      )}
      <button type="submit" disabled={put.isPending}>
        Save client
      </button>
      <ErrorBox error={put.error} />
    </form>
  );
}
