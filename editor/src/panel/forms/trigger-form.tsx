import { useId, useState } from 'react';
import { TriggerSample } from '../trigger-sample';
import type { FlowTrigger } from '#core/flow';
import { WebhookTriggerFields } from '../webhook-fields';
import { ScheduleFields } from './schedule-fields';
import { type Apply } from './shared';

export const EVENT_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;

export function TriggerEditor({ trigger, apply, disabled, flowId }: { trigger: FlowTrigger; apply: Apply; disabled: boolean; flowId: string | null }) {
  const id = useId();
  // What the other trigger types held, so switching back and forth loses nothing.
  const [memory, setMemory] = useState({
    event: trigger.type === 'event' ? trigger.event : 'user.signed_up',
    schedule: trigger.type === 'schedule' ? trigger : ({ type: 'schedule', cron: '0 9 * * *' } as FlowTrigger),
    webhook: trigger.type === 'webhook' ? trigger : ({ type: 'webhook', source: 'stripe' } as FlowTrigger),
  });
  const set = (next: FlowTrigger) => {
    if (next.type === 'event') setMemory((m) => ({ ...m, event: next.event }));
    if (next.type === 'schedule') setMemory((m) => ({ ...m, schedule: next }));
    if (next.type === 'webhook') setMemory((m) => ({ ...m, webhook: next }));
    apply([{ type: 'setTrigger', trigger: next }]);
  };
  const eventIssue = trigger.type === 'event' && !EVENT_PATTERN.test(trigger.event) ? 'Letters, digits and . _ : - (e.g. user.signed_up)' : undefined;

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
                : type === 'manual' || type === 'invoke'
                  ? { type }
                  : type === 'webhook'
                    ? memory.webhook
                    : memory.schedule,
            );
          }}
        >
          <option value="event">An app event</option>
          <option value="manual">Manual start</option>
          <option value="invoke">An invoke call from the app</option>
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
            onChange={(e) => set({ ...trigger, event: e.target.value })}
          />
          <p id={`${id}-event-help`} className={eventIssue ? 'field-hint-error' : 'sf-help'}>
            {eventIssue ?? (
              <>
                Your app sends it with <code>POST /v1/events</code>; the flow reads its data as <code>trigger.data</code>.
              </>
            )}
          </p>
          <label className="sf-check">
            <input
              type="checkbox"
              checked={trigger.public === true}
              disabled={disabled}
              onChange={(e) => set(e.target.checked ? { ...trigger, public: true } : { type: 'event', event: trigger.event })}
            />{' '}
            Public: a publishable key (<code>sy_pub_…</code>) may send it from a browser
          </label>
        </div>
      )}
      {trigger.type === 'manual' && <p className="sf-help">Started by hand from the editor or through the API.</p>}
      {trigger.type === 'invoke' && (
        <>
          <p className="sf-help">
            Your app calls <code>POST /v1/flows/{flowId ?? '<flow id>'}/invoke</code> with <code>{'{ "input": … }'}</code> (read as <code>trigger.data</code>)
            and gets the run&apos;s answer: a Respond step&apos;s output, the End step&apos;s, or the last step&apos;s.
          </p>
          <label className="sf-check">
            <input
              type="checkbox"
              checked={trigger.public === true}
              disabled={disabled}
              onChange={(e) => set(e.target.checked ? { type: 'invoke', public: true } : { type: 'invoke' })}
            />{' '}
            Public: a publishable key (<code>sy_pub_…</code>) may invoke it from a browser
          </label>
        </>
      )}
      {trigger.type === 'schedule' && <ScheduleFields trigger={trigger} set={set} disabled={disabled} />}
      <TriggerSample apply={apply} disabled={disabled} flowId={flowId} />
    </>
  );
}

// ---------------------------------------------------------------------------------------------------
// Nodes
