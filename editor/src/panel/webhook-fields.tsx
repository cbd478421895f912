import { useId, useState } from 'react';
import type { FlowTrigger, WaitForWebhookNode } from '#core/flow';
import type { FlowOperation } from '#core/operations';
import { WebhookSourceIds } from '#core/webhooks';
import { useWebhookEndpoints, useWebhookSources } from '../api/queries';
import type { WebhookSourceInfo } from '../api/types';
import { EndpointUrls } from '../components/endpoint-urls';
import { ErrorBox } from '../components/error-box';
import type { Suggestion } from '../graph/suggestions';
import { DurationInput } from './controls';
import { ExpressionInput } from './expression-input';
import { mappingToExpression } from './schema-form';
import { SecretPicker } from './secret-picker';

/**
 * The webhook parts of the node panel: the webhook trigger (source, signing secrets, header, event filter
 * and, once published, its URLs) and the waitForWebhook node. Edits are operations, like the rest of the panel.
 */

type Apply = (ops: FlowOperation[]) => string | undefined;
type WebhookTrigger = Extract<FlowTrigger, { type: 'webhook' }>;

/** The default secret of `public` endpoints (server/src/services/webhooks.service.ts `PUBLIC_TOKEN_SECRET`). */
const PUBLIC_TOKEN_SECRET = 'WEBHOOK_TOKEN';
const MAX_SECRETS = 5;
const FIELD_PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

/** The catalog's sources, or the known ids while it loads (or when it cannot be read). */
export function useSourceOptions(): WebhookSourceInfo[] {
  const sources = useWebhookSources();
  if (sources.data && sources.data.length > 0) return sources.data;
  return WebhookSourceIds.map((id) => ({ id, title: id, integration: id, secretVariable: '', whereToGet: '' }));
}

/**
 * A text draft over a document value: it keeps what is typed while it means the same value, and follows
 * the value when it changes from elsewhere (undo, another field).
 */
function useDraftText(formatted: string, sameAs: (draft: string) => boolean): [string, (text: string) => void] {
  const [text, setText] = useState(formatted);
  const [seen, setSeen] = useState(formatted);
  if (seen !== formatted) {
    setSeen(formatted);
    if (!sameAs(text)) setText(formatted);
  }
  return [text, setText];
}

/** `a, b c` → `['a', 'b', 'c']`; nothing → undefined. */
export function parseEventList(text: string): string[] | undefined {
  const events = text
    .split(/[\s,]+/)
    .map((e) => e.trim())
    .filter(Boolean);
  return events.length > 0 ? events : undefined;
}

/** The webhook trigger's fields; `onChange` receives the whole new trigger (the panel remembers it when the type is switched). */
export function WebhookTriggerFields({
  trigger,
  flowId,
  onChange,
  disabled,
}: {
  trigger: WebhookTrigger;
  flowId: string | null;
  onChange(trigger: WebhookTrigger): void;
  disabled: boolean;
}) {
  const id = useId();
  const sources = useSourceOptions();
  const source = sources.find((s) => s.id === trigger.source);
  const defaultSecret = trigger.source === 'public' ? PUBLIC_TOKEN_SECRET : source?.secretVariable || 'the source’s signing secret';
  const eventsKey = (trigger.events ?? []).join(', ');
  const [eventsText, setEventsText] = useDraftText(eventsKey, (t) => (parseEventList(t) ?? []).join(', ') === eventsKey);
  const [adding, setAdding] = useState(false);
  const set = (patch: Partial<WebhookTrigger>) => {
    const next = { ...trigger, ...patch };
    // Optional fields left empty are dropped, not stored as empty values.
    const clean = Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))) as WebhookTrigger;
    onChange(clean);
  };
  const secrets = trigger.secrets ?? [];
  const setSecret = (index: number, name: string | undefined) => {
    const next = [...secrets];
    if (name === undefined) next.splice(index, 1);
    else next[index] = name;
    setAdding(false);
    set({ secrets: next.length > 0 ? next : undefined });
  };
  const headerIssue = trigger.header !== undefined && !/^[A-Za-z0-9-]{1,100}$/.test(trigger.header) ? 'Letters, digits and -, e.g. x-signature' : undefined;

  return (
    <>
      <div className="sf-field">
        <label htmlFor={`${id}-source`}>Sender</label>
        <select
          id={`${id}-source`}
          value={trigger.source}
          disabled={disabled}
          aria-describedby={`${id}-source-help`}
          onChange={(e) => set({ source: e.target.value as WebhookTrigger['source'], header: e.target.value === 'hmac' ? trigger.header : undefined })}
        >
          {sources.map((s) => (
            <option key={s.id} value={s.id}>
              {s.title}
            </option>
          ))}
          <option value="public">Public (a token header, no signature)</option>
        </select>
        <p id={`${id}-source-help`} className="sf-help">
          {trigger.source === 'public' ? (
            <>
              The sender puts one of the secrets below in the <code>X-Switchyard-Token</code> header.
            </>
          ) : (
            <>
              Each delivery is verified with the signing secret; the flow reads the payload as <code>trigger.data</code>.
            </>
          )}
        </p>
      </div>

      <fieldset className="sf-group" aria-describedby={`${id}-secrets-help`}>
        <legend>{trigger.source === 'public' ? 'Tokens' : 'Signing secrets'}</legend>
        <p id={`${id}-secrets-help`} className="sf-help">
          {secrets.length === 0 ? (
            <>
              None chosen: the secret <code>{defaultSecret}</code> is used.
            </>
          ) : (
            'A delivery signed with any of them is accepted: list two while rotating.'
          )}{' '}
          {trigger.source !== 'public' && source?.whereToGet}
        </p>
        {[...secrets, ...(secrets.length === 0 || adding ? [undefined] : [])].map((name, i) => (
          <div className="sf-row" key={i}>
            <div className="sf-row-value">
              <SecretPicker
                id={`${id}-secret-${i}`}
                value={name}
                label={`Signing secret ${i + 1}`}
                required={false}
                disabled={disabled}
                onChange={(v) => setSecret(i, v)}
              />
            </div>
            {name !== undefined && (
              <button type="button" className="sf-remove" disabled={disabled} aria-label={`Remove secret ${name}`} onClick={() => setSecret(i, undefined)}>
                ×
              </button>
            )}
          </div>
        ))}
        {secrets.length > 0 && !adding && (
          <button type="button" className="sf-add" disabled={disabled || secrets.length >= MAX_SECRETS} onClick={() => setAdding(true)}>
            Add a secret (rotation)
          </button>
        )}
      </fieldset>

      {trigger.source === 'hmac' && (
        <div className="sf-field">
          <label htmlFor={`${id}-header`}>Signature header</label>
          <input
            id={`${id}-header`}
            type="text"
            value={trigger.header ?? ''}
            placeholder="x-signature"
            spellCheck={false}
            disabled={disabled}
            aria-invalid={headerIssue ? true : undefined}
            aria-describedby={`${id}-header-help`}
            onChange={(e) => set({ header: e.target.value === '' ? undefined : e.target.value })}
          />
          <p id={`${id}-header-help`} className={headerIssue ? 'field-hint-error' : 'sf-help'}>
            {headerIssue ?? 'The header holding the hex HMAC-SHA256 of the body (default x-signature).'}
          </p>
        </div>
      )}

      <div className="sf-field">
        <label htmlFor={`${id}-events`}>Only these event types</label>
        <input
          id={`${id}-events`}
          type="text"
          value={eventsText}
          placeholder={trigger.source === 'github' ? 'issues.opened, push' : 'checkout.session.completed'}
          spellCheck={false}
          disabled={disabled}
          aria-describedby={`${id}-events-help`}
          onChange={(e) => {
            setEventsText(e.target.value);
            set({ events: parseEventList(e.target.value) });
          }}
        />
        <p id={`${id}-events-help`} className="sf-help">
          Separated by commas. Empty: every event starts a run. Other events are logged and answered 200.
        </p>
      </div>

      <TriggerEndpointUrls flowId={flowId} />
    </>
  );
}

/** The live and test URLs of the flow's endpoint, once it is published with a webhook trigger. */
function TriggerEndpointUrls({ flowId }: { flowId: string | null }) {
  const id = useId();
  const endpoints = useWebhookEndpoints();
  const endpoint = endpoints.data?.find((e) => e.kind === 'trigger' && e.flowId === flowId && !e.disabledAt);
  return (
    <section className="np-section" aria-labelledby={id}>
      <h3 id={id}>Endpoint</h3>
      <ErrorBox error={endpoints.error} />
      {endpoints.isPending && <p className="sf-help">Loading the endpoint…</p>}
      {endpoints.data && !endpoint && <p className="sf-help">Publish the flow to get its webhook URLs.</p>}
      {endpoint && <EndpointUrls urls={endpoint.urls} />}
      <a href="#/webhooks">Deliveries and endpoints</a>
    </section>
  );
}

export function WaitForWebhookEditor({
  node,
  apply,
  disabled,
  suggestions,
}: {
  node: WaitForWebhookNode;
  apply: Apply;
  disabled: boolean;
  suggestions: readonly Suggestion[];
}) {
  const id = useId();
  const sources = useSourceOptions();
  const update = (patch: Record<string, unknown>) => apply([{ type: 'updateNode', nodeId: node.id, patch }]);
  // The match is committed as a whole (both parts are required); what is half-typed stays in the fields.
  const [field, setField] = useDraftText(node.match?.field ?? '', (t) => t.trim() === (node.match?.field ?? ''));
  const [equals, setEquals] = useDraftText(node.match ? mappingToExpression(node.match.equals) : '', (t) =>
    node.match ? mappingToExpression(node.match.equals) === t : t.trim() === '',
  );
  const setMatch = (f: string, eq: string) => {
    setField(f);
    setEquals(eq);
    update({ match: f.trim() === '' && eq.trim() === '' ? undefined : { field: f.trim(), equals: { $expr: eq } } });
  };
  const fieldIssue = field !== '' && !FIELD_PATH.test(field) ? 'A dot path such as data.object.metadata.order_id' : undefined;
  const partial =
    (field === '') !== (equals.trim() === '') ? (field === '' ? 'Name the payload field to compare' : 'Enter the value it must equal') : undefined;

  return (
    <>
      <div className="sf-field">
        <label htmlFor={`${id}-source`}>Sender</label>
        <select id={`${id}-source`} value={node.source} disabled={disabled} onChange={(e) => update({ source: e.target.value })}>
          {sources.map((s) => (
            <option key={s.id} value={s.id}>
              {s.title}
            </option>
          ))}
        </select>
        <p className="sf-help">
          Events arrive at the workspace&apos;s inbox for this sender (created on publish; its URLs are on the <a href="#/webhooks">Webhooks</a> page).
        </p>
      </div>
      <div className="sf-field">
        <label htmlFor={`${id}-event`}>
          Event type
          <span className="sf-required" aria-hidden="true">
            *
          </span>
        </label>
        <input
          id={`${id}-event`}
          type="text"
          value={node.event}
          placeholder="payment_intent.succeeded"
          spellCheck={false}
          disabled={disabled}
          aria-required
          aria-invalid={node.event === '' ? true : undefined}
          onChange={(e) => update({ event: e.target.value })}
        />
        {node.event === '' && <p className="field-hint-error">Enter the event type to wait for</p>}
      </div>
      <fieldset className="sf-group" aria-describedby={`${id}-match-help`}>
        <legend>Match</legend>
        <p id={`${id}-match-help`} className="sf-help">
          Optional: the first event whose payload field equals the value continues this run. Empty: the first event of the type.
        </p>
        <div className="sf-field">
          <label htmlFor={`${id}-field`}>Payload field</label>
          <input
            id={`${id}-field`}
            type="text"
            value={field}
            placeholder="data.object.metadata.order_id"
            spellCheck={false}
            disabled={disabled}
            aria-invalid={fieldIssue ? true : undefined}
            onChange={(e) => setMatch(e.target.value, equals)}
          />
          {fieldIssue && <p className="field-hint-error">{fieldIssue}</p>}
        </div>
        <div className="sf-field">
          <label htmlFor={`${id}-equals`}>Equals</label>
          <ExpressionInput
            id={`${id}-equals`}
            value={equals}
            onChange={(eq) => setMatch(field, eq)}
            suggestions={suggestions}
            disabled={disabled}
            placeholder="nodes.create_order.body.id"
            aria-describedby={`${id}-equals-help`}
          />
          <p id={`${id}-equals-help`} className="sf-help">
            An expression over earlier steps, e.g. <code>trigger.data.orderId</code>.
          </p>
        </div>
        {partial && <p className="field-hint-error">{partial}</p>}
      </fieldset>
      <div className="sf-field">
        <label htmlFor={`${id}-timeout`}>
          Timeout
          <span className="sf-required" aria-hidden="true">
            *
          </span>
        </label>
        <DurationInput
          id={`${id}-timeout`}
          value={node.timeout}
          required
          disabled={disabled}
          aria-describedby={`${id}-timeout-help`}
          onChange={(timeout) => {
            if (timeout !== undefined) update({ timeout });
          }}
        />
        <p id={`${id}-timeout-help`} className="sf-help">
          Then the run follows the <code>timeout</code> edge (without one, the step fails). The wait holds no worker.
        </p>
      </div>
    </>
  );
}
