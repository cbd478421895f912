import { TRIGGER_ID } from '#core/flow';
import type { FlowProblem } from '#core/validate';
import { href, type Route } from '../router';

/** Where a problem is fixed: a node's field (selected and focused), or another page (Secrets with the name filled, App Settings, Credits). */
export type ProblemTarget = { kind: 'field'; nodeId: string; field?: string } | { kind: 'page'; route: Route; label: string };

/** The secret a problem names in its field (`setup.NAME`, `secrets.NAME`, `trigger.secrets`) and the mode its value is missing for. */
export function problemTarget(p: FlowProblem): ProblemTarget | undefined {
  const secret = /^(?:setup|secrets)\.([A-Z][A-Z0-9_]*)$/.exec(p.field ?? '')?.[1];
  if ((p.code === 'MISSING_SETUP_VARIABLE' || p.code === 'SETUP_TEST_ONLY') && secret)
    return { kind: 'page', route: { page: 'secrets', name: secret, mode: 'live' }, label: `Set ${secret} in Secrets` };
  if (p.code === 'MISSING_SETUP_VARIABLE' && p.field === 'trigger.secrets') return { kind: 'page', route: { page: 'secrets' }, label: 'Open Secrets' };
  if (p.code === 'BACKEND_FUNCTIONS_OFF') return { kind: 'page', route: { page: 'settings' }, label: 'Open App Settings' };
  if (p.code === 'PLAN_REQUIRED') return { kind: 'page', route: { page: 'credits' }, label: 'See plans' };
  if (p.nodeId) return { kind: 'field', nodeId: p.nodeId, ...(p.field ? { field: p.field } : {}) };
  if (p.field?.startsWith('trigger')) {
    const field = p.field.replace(/^trigger\.?/, '');
    return { kind: 'field', nodeId: TRIGGER_ID, ...(field ? { field } : {}) };
  }
  return undefined;
}

/**
 * The flow's problems, each a way to its fix: a button that selects the node and focuses the field, or a link to the
 * page where it is fixed.
 */
export function ProblemList({ problems, onSelect }: { problems: FlowProblem[]; onSelect: (nodeId: string, field?: string) => void }) {
  if (problems.length === 0) return <p className="sy-ok">No problems: the flow can be published.</p>;
  return (
    <ul className="sy-problems">
      {problems.map((p, i) => {
        const target = problemTarget(p);
        return (
          <li key={`${p.code}:${p.nodeId ?? ''}:${i}`}>
            {target?.kind === 'field' ? (
              <button type="button" className="sy-problem-item" onClick={() => onSelect(target.nodeId, target.field)}>
                <code>{target.nodeId}</code>
                <span>{p.message}</span>
              </button>
            ) : (
              <span className="sy-problem-item static">
                {p.nodeId && <code>{p.nodeId}</code>}
                <span>
                  {p.message} {target && <a href={href(target.route)}>{target.label}</a>}
                </span>
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/**
 * Focuses a field of the step panel once it shows (the panel renders after the selection changes): the control of
 * `inputs.channel` (the form's `data-field="channel"`), else the panel's heading.
 */
export function focusFieldSoon(field: string | undefined): void {
  const path = field?.replace(/^inputs\./, '');
  let tries = 0;
  const attempt = () => {
    const side = document.querySelector('.sy-side');
    const box = path ? side?.querySelector(`[data-field="${CSS.escape(path)}"]`) : null;
    const control =
      box?.querySelector<HTMLElement>('input:not([type=hidden]), textarea, select, [contenteditable="true"]') ?? box?.querySelector<HTMLElement>('button');
    if (control) {
      control.focus();
      control.scrollIntoView?.({ block: 'center' });
      return;
    }
    if (++tries < 40) {
      setTimeout(attempt, 25);
      return;
    }
    const heading = side?.querySelector<HTMLElement>('h2');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  };
  setTimeout(attempt, 0);
}
