import { useId, useState } from 'react';
import type { FlowTrigger } from '#core/flow';
import { WebhookTriggerFields } from '../webhook-fields';
import { type Apply } from './shared';

export const EVENT_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;

export function cronIssue(cron: string): string | undefined {
  const t = cron.trim();
  if (t === '') return 'Enter a cron expression';
  if (t.startsWith('@')) return undefined;
  const fields = t.split(/\s+/).length;
  return fields === 5 || fields === 6 ? undefined : 'Five fields: minute hour day-of-month month day-of-week, e.g. "0 9 * * 1-5"';
}

export const TIME_ZONES: string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];

export function TriggerEditor({ trigger, apply, disabled, flowId }: { trigger: FlowTrigger; apply: Apply; disabled: boolean; flowId: string | null }) {
  const id = useId();
  // What the other trigger types held, so switching back and forth loses nothing.
  const [memory, setMemory] = useState({
    event: trigger.type === 'event' ? trigger.event : 'user.signed_up',
    cron: trigger.type === 'schedule' ? (trigger.cron ?? '0 9 * * *') : '0 9 * * *',
    timezone: trigger.type === 'schedule' ? (trigger.timezone ?? '') : '',
    webhook: trigger.type === 'webhook' ? trigger : ({ type: 'webhook', source: 'stripe' } as FlowTrigger),
  });
  const set = (next: FlowTrigger) => {
    if (next.type === 'event') setMemory((m) => ({ ...m, event: next.event }));
    if (next.type === 'schedule') setMemory((m) => ({ ...m, cron: next.cron ?? m.cron, timezone: next.timezone ?? '' }));
    if (next.type === 'webhook') setMemory((m) => ({ ...m, webhook: next }));
    apply([{ type: 'setTrigger', trigger: next }]);
  };
  const schedule = (cron: string, timezone: string): FlowTrigger => ({ type: 'schedule', cron, ...(timezone ? { timezone } : {}) });
  const eventIssue = trigger.type === 'event' && !EVENT_PATTERN.test(trigger.event) ? 'Letters, digits and . _ : - (e.g. user.signed_up)' : undefined;
  const cronProblem = trigger.type === 'schedule' ? cronIssue(trigger.cron ?? '') : undefined;

  return (
    <>
      <div className="sf-field">
        <label htmlFor={`${id}-type`}>Starts on</label>
        <select
          id={`${id}-type`}
          value={trigger.type}
          disabled={disabled}
          onChange={(e) => {
            const type = e.target.value as FlowTrigger['type'];
            set(
              type === 'event'
                ? { type, event: memory.event }
                : type === 'manual'
                  ? { type }
                  : type === 'webhook'
                    ? memory.webhook
                    : schedule(memory.cron, memory.timezone),
            );
          }}
        >
          <option value="event">An app event</option>
          <option value="manual">Manual start</option>
          <option value="schedule">A schedule</option>
          <option value="webhook">A webhook</option>
        </select>
      </div>
      {trigger.type === 'webhook' && <WebhookTriggerFields trigger={trigger} flowId={flowId} onChange={set} disabled={disabled} />}
      {trigger.type === 'event' && (
        <div className="sf-field">
          <label htmlFor={`${id}-event`}>
            Event name
            <span className="sf-required" aria-hidden="true">
              *
            </span>
          </label>
          <input
            id={`${id}-event`}
            type="text"
            value={trigger.event}
            placeholder="user.signed_up"
            disabled={disabled}
            aria-required
            aria-invalid={eventIssue ? true : undefined}
            aria-describedby={`${id}-event-help`}
            onChange={(e) => set({ type: 'event', event: e.target.value })}
          />
          <p id={`${id}-event-help`} className={eventIssue ? 'field-hint-error' : 'sf-help'}>
            {eventIssue ?? (
              <>
                Your app sends it with <code>POST /v1/events</code>; the flow reads its data as <code>trigger.data</code>.
              </>
            )}
          </p>
        </div>
      )}
      {trigger.type === 'manual' && <p className="sf-help">Started by hand from the editor or through the API.</p>}
      {trigger.type === 'schedule' && (
        <>
          <div className="sf-field">
            <label htmlFor={`${id}-cron`}>
              Cron
              <span className="sf-required" aria-hidden="true">
                *
              </span>
            </label>
            <input
              id={`${id}-cron`}
              type="text"
              value={trigger.cron ?? ''}
              placeholder="0 9 * * 1-5"
              disabled={disabled}
              spellCheck={false}
              aria-required
              aria-invalid={cronProblem ? true : undefined}
              aria-describedby={`${id}-cron-help`}
              onChange={(e) => set(schedule(e.target.value, trigger.timezone ?? ''))}
            />
            <p id={`${id}-cron-help`} className={cronProblem ? 'field-hint-error' : 'sf-help'}>
              {cronProblem ?? 'minute hour day-of-month month day-of-week'}
            </p>
          </div>
          <div className="sf-field">
            <label htmlFor={`${id}-tz`}>Time zone</label>
            <input
              id={`${id}-tz`}
              type="text"
              list={`${id}-tz-list`}
              value={trigger.timezone ?? ''}
              placeholder="UTC"
              disabled={disabled}
              onChange={(e) => set(schedule(trigger.cron ?? '', e.target.value))}
            />
            <datalist id={`${id}-tz-list`}>
              {TIME_ZONES.map((tz) => (
                <option key={tz} value={tz} />
              ))}
            </datalist>
          </div>
        </>
      )}
    </>
  );
}

// ---------------------------------------------------------------------------------------------------
// Nodes
