import cronstrue from 'cronstrue';
import { useId, useState } from 'react';
import { ScheduleCalendar, ScheduleOverlaps, type ScheduleTrigger } from '#core/flow';
import { cronIssue, DEFAULT_SCHEDULE_CATCHUP_WINDOW, isTimeZone, nextFireTimes, OverlapLabels } from '#core/schedule';
import { DurationInput, JsonTextarea } from '../controls';

/**
 * The schedule trigger's form (docs/schedules.md): a cron expression or an interval, with a human reading of the
 * cron (cronstrue), the zone, the next fire times in that zone, start and end, jitter, the overlap policy and the
 * catch-up window. Calendar specs (Temporal's structured form) are edited as JSON, checked against their schema.
 * Publish checks it all again (422 naming the field).
 */

export const TIME_ZONES: string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
type Kind = 'cron' | 'interval' | 'calendars';

/** How a cron reads in words, or the reason it is refused. */
export function cronReading(cron: string): { ok: boolean; text: string } {
  const issue = cronIssue(cron);
  if (issue) return { ok: false, text: issue[0]!.toUpperCase() + issue.slice(1) };
  try {
    return { ok: true, text: cronstrue.toString(cron.trim(), { use24HourTimeFormat: true, verbose: false }) };
  } catch (err) {
    return { ok: false, text: String(err) };
  }
}

/** A fire time as people in the schedule's zone read it: `Mon 1 Mar 2027, 09:00`. */
export function formatInZone(date: Date, zone: string | undefined): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone && isTimeZone(zone) ? zone : 'UTC',
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: date.getUTCSeconds() ? '2-digit' : undefined,
  }).format(date);
}

export function ScheduleFields({ trigger, set, disabled }: { trigger: ScheduleTrigger; set: (next: ScheduleTrigger) => void; disabled: boolean }) {
  const id = useId();
  const kind: Kind = trigger.calendars ? 'calendars' : trigger.interval ? 'interval' : 'cron';
  const patch = (changes: Partial<ScheduleTrigger>) => {
    const next = { ...trigger, ...changes } as Record<string, unknown>;
    for (const k of Object.keys(next)) if (next[k] === undefined || next[k] === '') delete next[k];
    set(next as ScheduleTrigger);
  };
  const choose = (k: Kind) => {
    if (k === kind) return;
    const { cron: _c, interval: _i, calendars: _k, ...rest } = trigger;
    set(k === 'cron' ? { ...rest, cron: '0 9 * * *' } : k === 'interval' ? { ...rest, interval: { every: '15m' } } : { ...rest, calendars: [{ hour: 9 }] });
  };
  const reading = trigger.cron !== undefined ? cronReading(trigger.cron) : undefined;
  const zoneProblem =
    trigger.timezone && !isTimeZone(trigger.timezone) ? `Unknown time zone "${trigger.timezone}" (an IANA name such as Europe/Berlin)` : undefined;
  const next = nextFireTimes(trigger, { from: new Date(), count: 5 });

  return (
    <>
      <fieldset className="sf-field">
        <legend>Runs</legend>
        {(['cron', 'interval', 'calendars'] as const).map((k) => (
          <label key={k} className="sf-inline">
            <input type="radio" name={`${id}-kind`} value={k} checked={kind === k} disabled={disabled} onChange={() => choose(k)} />
            {k === 'cron' ? 'On a cron expression' : k === 'interval' ? 'Every interval' : 'On calendar specs'}
          </label>
        ))}
      </fieldset>
      {kind === 'cron' && (
        <div className="sf-field">
          <label htmlFor={`${id}-cron`}>Cron</label>
          <input
            id={`${id}-cron`}
            type="text"
            value={trigger.cron ?? ''}
            placeholder="0 9 * * 1-5"
            disabled={disabled}
            spellCheck={false}
            aria-invalid={reading && !reading.ok ? true : undefined}
            aria-describedby={`${id}-cron-help`}
            onChange={(e) => patch({ cron: e.target.value })}
          />
          <p id={`${id}-cron-help`} className={reading && !reading.ok ? 'field-hint-error' : 'sf-help'}>
            {reading?.ok ? <strong>{reading.text}</strong> : reading?.text}
            {reading?.ok ? ' · minute hour day-of-month month day-of-week (6 fields: seconds first)' : ''}
          </p>
        </div>
      )}
      {kind === 'interval' && trigger.interval && (
        <div className="sf-field">
          <label htmlFor={`${id}-every`}>Every</label>
          <DurationInput
            id={`${id}-every`}
            value={trigger.interval.every}
            required
            disabled={disabled}
            placeholder="15m"
            onChange={(v) => v !== undefined && patch({ interval: { ...trigger.interval!, every: String(v) } })}
          />
          <label htmlFor={`${id}-offset`}>Offset</label>
          <DurationInput
            id={`${id}-offset`}
            value={trigger.interval.offset}
            disabled={disabled}
            placeholder="none"
            onChange={(v) => {
              const { offset: _o, ...rest } = trigger.interval!;
              patch({ interval: v !== undefined ? { ...rest, offset: String(v) } : rest });
            }}
          />
          <p className="sf-help">
            Every {trigger.interval.every}
            {trigger.interval.offset ? `, shifted by ${trigger.interval.offset}` : ''}, counted from midnight UTC
          </p>
        </div>
      )}
      {kind === 'calendars' && <CalendarsField calendars={trigger.calendars ?? []} set={(calendars) => patch({ calendars })} disabled={disabled} />}
      <div className="sf-field">
        <label htmlFor={`${id}-tz`}>Time zone</label>
        <input
          id={`${id}-tz`}
          type="text"
          list={`${id}-tz-list`}
          value={trigger.timezone ?? ''}
          placeholder="UTC"
          disabled={disabled}
          aria-invalid={zoneProblem ? true : undefined}
          onChange={(e) => patch({ timezone: e.target.value })}
        />
        <datalist id={`${id}-tz-list`}>
          {TIME_ZONES.map((tz) => (
            <option key={tz} value={tz} />
          ))}
        </datalist>
        {zoneProblem && <p className="field-hint-error">{zoneProblem}</p>}
      </div>
      {next && next.length > 0 && (
        <div className="sf-field">
          <span className="sf-label">Next runs ({trigger.timezone || 'UTC'})</span>
          <ul className="sf-help" aria-label="Next runs">
            {next.map((t) => (
              <li key={t.toISOString()}>{formatInZone(t, trigger.timezone)}</li>
            ))}
          </ul>
        </div>
      )}
      <ScheduleOptions trigger={trigger} patch={patch} disabled={disabled} />
    </>
  );
}

/** Overlap, catch-up window, jitter, start and end. */
function ScheduleOptions({ trigger, patch, disabled }: { trigger: ScheduleTrigger; patch: (c: Partial<ScheduleTrigger>) => void; disabled: boolean }) {
  const id = useId();
  const endBeforeStart = trigger.startAt && trigger.endAt && Date.parse(trigger.endAt) <= Date.parse(trigger.startAt);
  return (
    <>
      <div className="sf-field">
        <label htmlFor={`${id}-overlap`}>If the previous run is still going</label>
        <select
          id={`${id}-overlap`}
          value={trigger.overlap ?? 'skip'}
          disabled={disabled}
          onChange={(e) => patch({ overlap: e.target.value === 'skip' ? undefined : (e.target.value as ScheduleTrigger['overlap']) })}
        >
          {ScheduleOverlaps.map((o) => (
            <option key={o} value={o}>
              {OverlapLabels[o]}
            </option>
          ))}
        </select>
      </div>
      <div className="sf-field">
        <label htmlFor={`${id}-catchup`}>Catch-up window</label>
        <DurationInput
          id={`${id}-catchup`}
          value={trigger.catchupWindow}
          placeholder={DEFAULT_SCHEDULE_CATCHUP_WINDOW}
          disabled={disabled}
          onChange={(v) => patch({ catchupWindow: v === undefined ? undefined : String(v) })}
        />
        <p className="sf-help">Runs missed while Switchyard was down start only if they are at most this late (default {DEFAULT_SCHEDULE_CATCHUP_WINDOW}).</p>
      </div>
      <div className="sf-field">
        <label htmlFor={`${id}-jitter`}>Jitter</label>
        <DurationInput
          id={`${id}-jitter`}
          value={trigger.jitter}
          placeholder="none"
          disabled={disabled}
          onChange={(v) => patch({ jitter: v === undefined ? undefined : String(v) })}
        />
      </div>
      <div className="sf-field">
        <label htmlFor={`${id}-start`}>Starts at</label>
        <IsoTimeInput
          id={`${id}-start`}
          value={trigger.startAt}
          placeholder="2027-01-01T00:00:00Z"
          disabled={disabled}
          onChange={(v) => patch({ startAt: v })}
        />
        <label htmlFor={`${id}-end`}>Ends at</label>
        <IsoTimeInput id={`${id}-end`} value={trigger.endAt} placeholder="never" disabled={disabled} onChange={(v) => patch({ endAt: v })} />
        {endBeforeStart && <p className="field-hint-error">The schedule ends before it starts</p>}
      </div>
    </>
  );
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 time with its offset; the draft stays on screen and only a valid time (or nothing) is committed. */
function IsoTimeInput(props: { id: string; value: string | undefined; placeholder: string; disabled: boolean; onChange(v: string | undefined): void }) {
  const [text, setText] = useState(props.value ?? '');
  const valid = text === '' || (ISO_TIME.test(text) && !Number.isNaN(Date.parse(text)));
  return (
    <>
      <input
        id={props.id}
        type="text"
        value={text}
        placeholder={props.placeholder}
        disabled={props.disabled}
        aria-invalid={valid ? undefined : true}
        onChange={(e) => {
          setText(e.target.value);
          const t = e.target.value.trim();
          // Seconds are required by the schema: a time typed without them gets ":00".
          if (t === '') props.onChange(undefined);
          else if (ISO_TIME.test(t) && !Number.isNaN(Date.parse(t))) props.onChange(/T\d{2}:\d{2}(Z|[+-])/.test(t) ? t.replace(/(T\d{2}:\d{2})/, '$1:00') : t);
        }}
      />
      {!valid && <p className="field-hint-error">A time such as 2027-01-01T09:00:00Z or 2027-01-01T09:00:00+01:00</p>}
    </>
  );
}

/** Temporal's calendar specs as JSON: committed only when they match the schema, else the problem is shown. */
function CalendarsField({ calendars, set, disabled }: { calendars: ScheduleCalendar[]; set: (c: ScheduleCalendar[]) => void; disabled: boolean }) {
  const id = useId();
  const [problem, setProblem] = useState<string>();
  return (
    <div className="sf-field">
      <label htmlFor={`${id}-calendars`}>Calendar specs</label>
      <JsonTextarea
        id={`${id}-calendars`}
        rows={6}
        value={calendars}
        disabled={disabled}
        required
        onChange={(value) => {
          const parsed = ScheduleCalendar.array().min(1).max(20).safeParse(value);
          setProblem(parsed.success ? undefined : parsed.error.issues.map((i) => `${i.path.join('.') || 'specs'}: ${i.message}`).join('; '));
          if (parsed.success) set(parsed.data);
        }}
      />
      <p className={problem ? 'field-hint-error' : 'sf-help'}>
        {problem ??
          'A list of { second, minute, hour, dayOfMonth, month, year, dayOfWeek }: a value, { start, end, step }, a list, or "*". E.g. [{ "hour": 9, "dayOfWeek": { "start": "MONDAY", "end": "FRIDAY" } }]'}
      </p>
    </div>
  );
}
