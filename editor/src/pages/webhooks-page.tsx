import { useConfirm } from '../components/dialog';
import { useId, useState } from 'react';
import {
  useCreateInbox,
  useDisableEndpoint,
  useFlows,
  useReplayDelivery,
  useWebhookDeliveries,
  useWebhookDelivery,
  useWebhookEndpoints,
  type DeliveryFilters,
} from '../api/queries';
import { WebhookDeliveryStatuses, type WebhookDelivery, type WebhookDeliveryDetail, type WebhookEndpoint } from '../api/types';
import { EndpointUrls } from '../components/endpoint-urls';
import { ErrorBox } from '../components/error-box';
import { formatAgo, formatTime, truncate } from '../components/format';
import { JsonView } from '../components/json-view';
import { StatusBadge, TestBadge } from '../components/status-badge';
import { useNow } from '../components/use-now';
import { useSourceOptions } from '../panel/webhook-fields';
import { SecretPicker } from '../panel/secret-picker';
import { href, navigate } from '../router';

const REFRESH_MS = 3000;

/** The `.status` colour of a delivery status (the badge still reads the delivery's own word). */
const STATUS_CLASS: Record<string, string> = {
  received: 'running',
  delivered: 'completed',
  matched: 'completed',
  unmatched: 'parked',
  duplicate: 'skipped',
  ignored: 'skipped',
  rejected: 'failed',
  failed: 'failed',
};

const STATUS_HINT: Record<string, string> = {
  received: 'Verified, being delivered',
  delivered: 'Started a run of its flow',
  matched: 'Continued a run that waited for it',
  unmatched: 'No run waited for it (it is kept for a while in case one starts waiting)',
  duplicate: 'The sender sent this event before: nothing new was started',
  ignored: 'Not one of the event types the flow starts on',
  rejected: 'Failed verification (signature, token or body)',
  failed: 'Verified but could not be delivered',
};

export function DeliveryStatusBadge({ status }: { status: string }) {
  return (
    <span title={STATUS_HINT[status]}>
      <StatusBadge status={STATUS_CLASS[status] ?? status} label={status} />
    </span>
  );
}

/**
 * Webhooks: the workspace's endpoints (a flow's trigger, or an inbox per sender for waitForWebhook
 * nodes) with their URLs, and the delivery log with each delivery's headers, body and a replay.
 */
export function WebhooksPage({ deliveryId }: { deliveryId?: string }) {
  const endpoints = useWebhookEndpoints();
  return (
    <section className="webhooks-page">
      <div className="page-head">
        <div>
          <h1>Webhooks</h1>
          <p className="muted lead">
            Where senders such as Stripe or GitHub deliver events: each URL verifies the signature, drops repeats and starts (or continues) runs. Test URLs
            start test runs with test secrets.
          </p>
        </div>
      </div>
      <EndpointsSection endpoints={endpoints.data} error={endpoints.error} />
      <DeliveriesSection endpoints={endpoints.data ?? []} selectedId={deliveryId} />
    </section>
  );
}

function endpointName(e: Pick<WebhookEndpoint, 'kind' | 'source'>, flowName?: string): string {
  return e.kind === 'inbox' ? `${e.source} inbox` : `${e.source} → ${flowName ?? 'flow'}`;
}

function EndpointsSection({ endpoints, error }: { endpoints: WebhookEndpoint[] | undefined; error: unknown }) {
  const headingId = useId();
  const flows = useFlows();
  const disable = useDisableEndpoint();
  const flowName = new Map(flows.data?.map((f) => [f.id, f.name]));
  const confirmation = useConfirm();
  const onDisable = async (e: WebhookEndpoint) => {
    const what =
      e.kind === 'inbox' ? `the ${e.source} inbox (runs waiting for its events will time out)` : `the endpoint of ${flowName.get(e.flowId ?? '') ?? e.flowId}`;
    const ok = await confirmation.ask({
      title: `Disable ${what}?`,
      message: 'Its URLs answer 410 from now on. Publishing the flow again (or creating the inbox again) gives it back.',
      confirm: 'Disable',
      danger: true,
    });
    if (ok) disable.mutate(e.id);
  };
  const visible = endpoints?.filter((e) => !e.disabledAt) ?? [];
  const disabledCount = (endpoints?.length ?? 0) - visible.length;
  return (
    <section className="card webhook-endpoints" aria-labelledby={headingId}>
      {confirmation.dialog}
      <h2 id={headingId}>Endpoints</h2>
      <ErrorBox error={error ?? disable.error} />
      {!endpoints && !error && <p className="muted">Loading endpoints…</p>}
      {endpoints && visible.length === 0 && (
        <p className="empty">No endpoints yet. Publish a flow with a Webhook trigger, or create an inbox below for “Wait for webhook” steps.</p>
      )}
      {visible.length > 0 && (
        <table className="table endpoints-table">
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">URLs</th>
              <th scope="col">Secrets</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {visible.map((e) => (
              <tr key={e.id} data-endpoint={e.id}>
                <td>
                  {e.kind === 'trigger' && e.flowId ? (
                    <>
                      <code>{e.source}</code> trigger of <a href={href({ page: 'flow', flowId: e.flowId })}>{flowName.get(e.flowId) ?? e.flowId}</a>
                    </>
                  ) : (
                    <>
                      <code>{e.source}</code> inbox
                    </>
                  )}
                  {e.events && e.events.length > 0 && <div className="muted">Only {e.events.join(', ')}</div>}
                  {e.header && <div className="muted">Header {e.header}</div>}
                </td>
                <td>
                  <EndpointUrls urls={e.urls} />
                </td>
                <td>
                  {e.secrets.map((s) => (
                    <code key={s} className="webhook-secret">
                      {s}
                    </code>
                  ))}
                </td>
                <td>{formatTime(e.createdAt)}</td>
                <td className="cell-actions">
                  <button
                    type="button"
                    className="danger"
                    disabled={disable.isPending}
                    onClick={() => onDisable(e)}
                    aria-label={`Disable ${endpointName(e, flowName.get(e.flowId ?? ''))}`}
                  >
                    Disable
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {disabledCount > 0 && (
        <p className="muted">
          {disabledCount} disabled endpoint{disabledCount === 1 ? '' : 's'} not shown.
        </p>
      )}
      <InboxForm existing={new Set(visible.filter((e) => e.kind === 'inbox').map((e) => e.source))} />
    </section>
  );
}

/** Creates the inbox of a sender (or updates its secrets): where waitForWebhook steps receive their events. */
function InboxForm({ existing }: { existing: Set<string> }) {
  const id = useId();
  const sources = useSourceOptions();
  const create = useCreateInbox();
  const [source, setSource] = useState('');
  const [secret, setSecret] = useState<string | undefined>();
  const [header, setHeader] = useState('');
  const chosen = sources.find((s) => s.id === (source || sources[0]?.id));
  const sourceId = chosen?.id ?? '';
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (!sourceId) return;
    create.mutate({ source: sourceId, ...(secret ? { secrets: [secret] } : {}), ...(sourceId === 'hmac' && header ? { header } : {}) });
  };
  return (
    <form className="inbox-form" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Inbox for a sender</h3>
      <p className="hint">“Wait for webhook” steps receive their events here (publishing such a flow creates the inbox too). Give the sender its URL.</p>
      <div className="add-secret-fields">
        <div className="field">
          <label htmlFor={`${id}-source`}>Sender</label>
          <select
            id={`${id}-source`}
            value={sourceId}
            onChange={(e) => {
              setSource(e.target.value);
              create.reset();
            }}
          >
            {sources.map((s) => (
              <option key={s.id} value={s.id}>
                {s.title}
                {existing.has(s.id) ? ' (has an inbox)' : ''}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-secret`}>Signing secret</label>
          <SecretPicker
            id={`${id}-secret`}
            value={secret}
            onChange={setSecret}
            disabled={false}
            required={false}
            label="Signing secret"
            aria-describedby={`${id}-help`}
          />
        </div>
        {sourceId === 'hmac' && (
          <div className="field">
            <label htmlFor={`${id}-header`}>Signature header</label>
            <input id={`${id}-header`} value={header} placeholder="x-signature" spellCheck={false} onChange={(e) => setHeader(e.target.value)} />
          </div>
        )}
        <button type="submit" className="primary" disabled={create.isPending || !sourceId}>
          {create.isPending ? 'Saving…' : existing.has(sourceId) ? 'Update inbox' : 'Create inbox'}
        </button>
      </div>
      <p id={`${id}-help`} className="hint">
        {secret ? '' : chosen?.secretVariable ? `None chosen: ${chosen.secretVariable} is used. ` : ''}
        {chosen?.whereToGet}
      </p>
      {create.data && (
        <p role="status" className="hint ok-text">
          The {create.data.source} inbox is ready.
        </p>
      )}
      <ErrorBox error={create.error} />
    </form>
  );
}

function DeliveriesSection({ endpoints, selectedId }: { endpoints: WebhookEndpoint[]; selectedId: string | undefined }) {
  const ids = useId();
  const flows = useFlows();
  const [endpointId, setEndpointId] = useState('');
  const [status, setStatus] = useState('');
  const filters: DeliveryFilters = { ...(endpointId ? { endpointId } : {}), ...(status ? { status } : {}) };
  const deliveries = useWebhookDeliveries(filters, REFRESH_MS);
  const now = useNow(true);
  const flowName = new Map(flows.data?.map((f) => [f.id, f.name]));
  const byId = new Map(endpoints.map((e) => [e.id, e]));
  const nameOf = (id: string) => {
    const e = byId.get(id);
    return e ? endpointName(e, flowName.get(e.flowId ?? '')) : id;
  };
  const filtered = !!(endpointId || status);
  return (
    <section className="webhook-deliveries" aria-labelledby={`${ids}-title`}>
      <div className="page-head">
        <h2 id={`${ids}-title`}>Deliveries</h2>
        <span className="muted refresh-note">
          <span className={`live-dot${deliveries.isFetching ? ' busy' : ''}`} aria-hidden="true" /> Live: refreshes every {REFRESH_MS / 1000} s
        </span>
      </div>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter deliveries">
        <div className="field">
          <label htmlFor={`${ids}-endpoint`}>Endpoint</label>
          <select id={`${ids}-endpoint`} value={endpointId} onChange={(e) => setEndpointId(e.target.value)}>
            <option value="">All endpoints</option>
            {endpoints.map((e) => (
              <option key={e.id} value={e.id}>
                {nameOf(e.id)}
                {e.disabledAt ? ' (disabled)' : ''}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-status`}>Status</label>
          <select id={`${ids}-status`} value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any status</option>
            {WebhookDeliveryStatuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        {filtered && (
          <button
            type="button"
            className="link clear-filters"
            onClick={() => {
              setEndpointId('');
              setStatus('');
            }}
          >
            Clear filters
          </button>
        )}
      </form>
      <ErrorBox error={deliveries.error} />
      {!deliveries.data && !deliveries.error && <p className="muted">Loading deliveries…</p>}
      {deliveries.data && deliveries.data.length === 0 && (
        <p className="empty">
          {filtered ? 'No delivery matches these filters.' : 'No deliveries yet. Once a sender posts to one of the URLs above, it shows here.'}
        </p>
      )}
      <div className="webhook-log">
        {deliveries.data && deliveries.data.length > 0 && (
          <table className="table deliveries-table">
            <caption className="sr-only">Deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Delivery</th>
                <th scope="col">Received</th>
                <th scope="col">Endpoint</th>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Mode</th>
                <th scope="col">Run</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.data.map((d) => (
                <DeliveryRow key={d.id} delivery={d} endpointName={nameOf(d.endpointId)} selected={d.id === selectedId} now={now} />
              ))}
            </tbody>
          </table>
        )}
        {selectedId && <DeliveryDetail key={selectedId} id={selectedId} endpointName={nameOf} />}
      </div>
      {deliveries.data && deliveries.data.length === 100 && <p className="muted">Showing the newest 100 deliveries; narrow the filters to see older ones.</p>}
    </section>
  );
}

function DeliveryRow({ delivery: d, endpointName, selected, now }: { delivery: WebhookDelivery; endpointName: string; selected: boolean; now: number }) {
  return (
    <tr className={selected ? 'selected' : undefined} aria-current={selected ? 'true' : undefined}>
      <td>
        <a className="mono" href={href({ page: 'webhooks', deliveryId: d.id })}>
          {d.id}
        </a>
      </td>
      <td>
        <time dateTime={d.receivedAt} title={formatTime(d.receivedAt)}>
          {formatAgo(d.receivedAt, now)}
        </time>
      </td>
      <td>{endpointName}</td>
      <td>{d.eventType ? <code>{d.eventType}</code> : <span className="muted">—</span>}</td>
      <td title={d.error ?? undefined}>
        <DeliveryStatusBadge status={d.status} />
        {d.error && <div className="error-cell">{truncate(d.error, 60)}</div>}
      </td>
      <td>{d.mode === 'test' ? <TestBadge /> : <span className="muted">live</span>}</td>
      <td>
        {d.runId ? (
          <a className="mono" href={href({ page: 'run', runId: d.runId })}>
            {d.runId}
          </a>
        ) : (
          ''
        )}
      </td>
    </tr>
  );
}

/** The body as JSON when it parses, else as text. */
function parsedBody(body: string): { json: true; value: unknown } | { json: false; text: string } {
  try {
    return { json: true, value: JSON.parse(body) as unknown };
  } catch {
    return { json: false, text: body };
  }
}

function DeliveryDetail({ id, endpointName }: { id: string; endpointName: (endpointId: string) => string }) {
  const delivery = useWebhookDelivery(id);
  const replay = useReplayDelivery();
  const headingId = useId();
  const d = delivery.data;
  return (
    <aside className="card delivery-detail" aria-labelledby={headingId}>
      <div className="page-head">
        <h3 id={headingId}>
          Delivery <code>{id}</code>
        </h3>
        <button type="button" className="link" onClick={() => navigate({ page: 'webhooks' })}>
          Close
        </button>
      </div>
      <ErrorBox error={delivery.error} />
      {delivery.isPending && <p className="muted">Loading the delivery…</p>}
      {d && (
        <>
          <DeliverySummary d={d} endpointName={endpointName(d.endpointId)} />
          <div className="delivery-replay">
            <button
              type="button"
              className="primary"
              disabled={replay.isPending || !d.verified}
              title={
                d.verified
                  ? 'Deliver it again: a trigger starts a new run; an inbox event is matched to waiting runs again'
                  : 'Only verified deliveries can be replayed'
              }
              onClick={() => replay.mutate(d.id)}
            >
              {replay.isPending ? 'Replaying…' : 'Replay'}
            </button>
            {d.mode === 'live' && <span className="muted"> A live delivery is replayed live: it needs the live API key.</span>}
            {replay.data && (
              <p role="status" className="ok-text">
                Replayed as <a href={href({ page: 'webhooks', deliveryId: replay.data.deliveryId })}>{replay.data.deliveryId}</a>: {replay.data.status}
                {replay.data.runId && (
                  <>
                    {' '}
                    (run{' '}
                    <a className="mono" href={href({ page: 'run', runId: replay.data.runId })}>
                      {replay.data.runId}
                    </a>
                    )
                  </>
                )}
                {replay.data.reason && <>: {replay.data.reason}</>}
              </p>
            )}
            <ErrorBox error={replay.error} />
          </div>
          <h4>Headers</h4>
          <p className="muted">Signature headers are removed before a delivery is stored.</p>
          <table className="table delivery-headers">
            <tbody>
              {Object.entries(d.headers).map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">
                    <code>{k}</code>
                  </th>
                  <td className="mono">{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <DeliveryBody body={d.body} />
        </>
      )}
    </aside>
  );
}

function DeliverySummary({ d, endpointName }: { d: WebhookDeliveryDetail; endpointName: string }) {
  return (
    <dl className="delivery-facts">
      <dt>Status</dt>
      <dd>
        <DeliveryStatusBadge status={d.status} /> {d.mode === 'test' && <TestBadge />}
      </dd>
      <dt>Verification</dt>
      <dd>{d.verified ? <span className="ok-text">✓ verified</span> : <span className="error">✗ {d.error ?? 'not verified'}</span>}</dd>
      {d.verified && d.error && (
        <>
          <dt>Error</dt>
          <dd className="error">{d.error}</dd>
        </>
      )}
      <dt>Endpoint</dt>
      <dd>{endpointName}</dd>
      <dt>Received</dt>
      <dd>
        {formatTime(d.receivedAt)}
        {d.latencyMs !== null && <span className="muted"> · handled in {d.latencyMs} ms</span>}
      </dd>
      <dt>Event</dt>
      <dd>
        {d.eventType ? <code>{d.eventType}</code> : <span className="muted">no type</span>}
        {d.eventId && (
          <>
            {' '}
            <span className="muted">id</span> <code>{d.eventId}</code>
          </>
        )}
      </dd>
      {d.duplicateOf && (
        <>
          <dt>Duplicate of</dt>
          <dd>
            <a href={href({ page: 'webhooks', deliveryId: d.duplicateOf })}>{d.duplicateOf}</a>{' '}
            <span className="muted">(the sender sent this event before; nothing new was started)</span>
          </dd>
        </>
      )}
      {d.runId && (
        <>
          <dt>Run</dt>
          <dd>
            <a className="mono" href={href({ page: 'run', runId: d.runId })}>
              {d.runId}
            </a>
          </dd>
        </>
      )}
    </dl>
  );
}

function DeliveryBody({ body }: { body: string }) {
  const parsed = parsedBody(body);
  if (parsed.json) return <JsonView label="Body" value={parsed.value} open />;
  return (
    <>
      <h4>Body</h4>
      <pre className="delivery-body">{parsed.text || '(empty)'}</pre>
    </>
  );
}
