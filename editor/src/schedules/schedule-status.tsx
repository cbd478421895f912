import { ErrorBox } from '../components/error-box';
import { useNow } from '../components/use-now';
import { formatInZone } from '../panel/forms/schedule-fields';
import { href } from '../router';
import { useFlowSchedule, useScheduleAction } from './schedule-api';

/**
 * The flow page's schedule line, for a flow published with a schedule trigger: active or paused (with its note),
 * the next run in the schedule's zone, and Pause / Resume / Run now. Read from Temporal's own description.
 */
export function ScheduleStatus({ flowId }: { flowId: string }) {
  const schedule = useFlowSchedule(flowId, true);
  const action = useScheduleAction(flowId);
  const now = useNow(true);
  const s = schedule.data;
  if (schedule.error) return <ErrorBox error={schedule.error} />;
  if (!s) return null;
  const next = s.nextFireTimes[0];
  const paused = s.state === 'paused';
  return (
    <div className="sy-banner sy-schedule" role="status" aria-label="Schedule">
      <strong>{paused ? 'Schedule paused' : 'Schedule active'}</strong>
      {paused && s.note ? ` (${s.note})` : ''}
      {!paused && next ? ` · next run ${formatInZone(new Date(next), s.timezone)} ${s.timezone} (${untilText(next, now)})` : ''}
      {' · '}
      <a href={href({ page: 'runs', flowId })}>runs</a>{' '}
      <button
        type="button"
        className="link"
        disabled={action.isPending}
        onClick={() => {
          const note = window.prompt(paused ? 'Resume the schedule: a note (optional)' : 'Pause the schedule: why? (optional)');
          if (note !== null) action.mutate({ action: paused ? 'resume' : 'pause', note });
        }}
      >
        {paused ? 'Resume' : 'Pause'}
      </button>{' '}
      <button type="button" className="link" disabled={action.isPending} onClick={() => action.mutate({ action: 'run' })}>
        Run now
      </button>
      {action.error ? <ErrorBox error={action.error} /> : null}
    </div>
  );
}

/** How far off a time is: `in 5 min`. */
export function untilText(iso: string, now: number): string {
  const s = Math.max(0, Math.round((Date.parse(iso) - now) / 1000));
  if (s < 60) return `in ${s} s`;
  if (s < 3600) return `in ${Math.floor(s / 60)} min`;
  if (s < 86_400) return `in ${Math.floor(s / 3600)} h`;
  return `in ${Math.floor(s / 86_400)} d`;
}
