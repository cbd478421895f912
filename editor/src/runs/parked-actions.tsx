import { useConfirm } from '../components/dialog';
import { useId, useState } from 'react';
import { useDecideNode } from '../api/queries';
import type { NodeDecisionRequest, NodeRunState } from '../api/types';
import { ErrorBox } from '../components/error-box';
import { formatTime, truncate } from '../components/format';
import { prettyJson } from '../components/json-view';
import type { NodeSelection } from './node-details';

/** A JSON text as a value, or why it is not JSON. */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (!text.trim()) return { ok: false, error: 'Enter a JSON value (null for none).' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: `This is not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}

const SENT: Record<NodeDecisionRequest['action'], string> = {
  retry: 'Retry sent: the step runs again.',
  skip: 'Skipped: later steps read the output you gave.',
  abort: 'Abort sent: the run stops and fails at this step.',
};

/** Rows for a JSON textarea: its lines, within bounds. */
const rowsFor = (text: string, min = 2, max = 14) => Math.min(max, Math.max(min, text.split('\n').length + 1));

/**
 * The decision a parked node waits for: retry it (as it is, or with edited input), skip it with an output
 * later steps read, or abort the run. JSON is checked before anything is sent; the API's refusals (a node
 * that is no longer parked: 409) show below.
 */
export function ParkedActions({ runId, entry, onDecided }: { runId: string; entry: NodeRunState; onDecided?: () => void }) {
  const ids = useId();
  const decide = useDecideNode(runId);
  const [editInput, setEditInput] = useState(false);
  const [inputText, setInputText] = useState(() => prettyJson(entry.input) || 'null');
  const [outputText, setOutputText] = useState('null');
  const [reason, setReason] = useState('');
  const [invalid, setInvalid] = useState<{ field: 'input' | 'output'; message: string } | null>(null);
  // Once a decision is accepted the buttons stay off: the node leaves `parked` on the next refresh.
  const busy = decide.isPending || decide.isSuccess;

  const send = (request: NodeDecisionRequest) => {
    setInvalid(null);
    decide.mutate(request, { onSuccess: () => onDecided?.() });
  };
  const onRetry = () => {
    if (!editInput) return send({ nodeKey: entry.key, action: 'retry' });
    const parsed = parseJsonText(inputText);
    if (!parsed.ok) return setInvalid({ field: 'input', message: parsed.error });
    send({ nodeKey: entry.key, action: 'retry', input: parsed.value });
  };
  const onSkip = () => {
    const parsed = parseJsonText(outputText);
    if (!parsed.ok) return setInvalid({ field: 'output', message: parsed.error });
    send({ nodeKey: entry.key, action: 'skip', output: parsed.value });
  };
  const confirmation = useConfirm();
  const onAbort = async () => {
    const why = reason.trim();
    const ok = await confirmation.ask({
      title: `Abort run ${runId} at ${entry.key}?`,
      message: `The run stops and fails at this step${why ? ` (reason: "${why}")` : ''}. This cannot be undone.`,
      confirm: 'Abort the run',
      danger: true,
    });
    if (!ok) return;
    send({ nodeKey: entry.key, action: 'abort', ...(why ? { reason: why } : {}) });
  };
  const problem = (field: 'input' | 'output') =>
    invalid?.field === field ? (
      <p id={`${ids}-${field}-problem`} className="hint error" role="alert">
        {invalid.message}
      </p>
    ) : null;

  return (
    <section className="parked-actions" aria-labelledby={`${ids}-title`}>
      {confirmation.dialog}
      <h3 id={`${ids}-title`}>Waiting for you</h3>
      <p className="muted">
        This step failed{entry.attempts > 0 ? ` after ${entry.attempts} attempt${entry.attempts === 1 ? '' : 's'}` : ''} and is parked; the rest of the run goes
        on without it. Retry it, skip it with an output, or abort the run.
      </p>

      <div className="parked-action">
        <label className="checkbox-label">
          <input type="checkbox" checked={editInput} onChange={(e) => setEditInput(e.target.checked)} disabled={busy} /> Edit the input before retrying
        </label>
        {editInput && (
          <>
            <label htmlFor={`${ids}-input`}>Input (JSON)</label>
            <textarea
              id={`${ids}-input`}
              className="json-input"
              spellCheck={false}
              rows={rowsFor(inputText)}
              value={inputText}
              onChange={(e) => setInputText(e.target.value)}
              aria-invalid={invalid?.field === 'input' || undefined}
              aria-describedby={invalid?.field === 'input' ? `${ids}-input-problem` : undefined}
              disabled={busy}
            />
            {problem('input')}
          </>
        )}
        <button
          type="button"
          className="primary"
          onClick={onRetry}
          disabled={busy}
          title={editInput ? 'Run the step again with the input above' : 'Run the step again with the same input (secrets are read again)'}
        >
          Retry
        </button>
      </div>

      <div className="parked-action">
        <label htmlFor={`${ids}-output`}>Output later steps read (JSON)</label>
        <textarea
          id={`${ids}-output`}
          className="json-input"
          spellCheck={false}
          rows={rowsFor(outputText, 1)}
          value={outputText}
          onChange={(e) => setOutputText(e.target.value)}
          aria-invalid={invalid?.field === 'output' || undefined}
          aria-describedby={invalid?.field === 'output' ? `${ids}-output-problem` : undefined}
          disabled={busy}
        />
        {problem('output')}
        <button type="button" onClick={onSkip} disabled={busy} title="Mark the step done with this output and go on">
          Skip with output
        </button>
      </div>

      <div className="parked-action">
        <label htmlFor={`${ids}-reason`}>Reason (optional)</label>
        <input id={`${ids}-reason`} type="text" maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} disabled={busy} />
        <button type="button" className="danger" onClick={() => void onAbort()} disabled={busy}>
          Abort run
        </button>
      </div>

      {decide.isPending && <p className="muted">Sending…</p>}
      {decide.isSuccess && (
        <p className="notice ok" role="status">
          {SENT[decide.variables.action]}
        </p>
      )}
      <ErrorBox error={decide.error} />
    </section>
  );
}

const DECISION_LABEL: Record<string, string> = { retry: 'Retried', skip: 'Skipped', abort: 'Aborted' };

/** The decisions taken on a node while it was parked, oldest first. */
export function DecisionHistory({ decisions }: { decisions: NonNullable<NodeRunState['decisions']> }) {
  if (decisions.length === 0) return null;
  return (
    <section className="decisions" aria-label="Decisions">
      <h3>Decisions</h3>
      <ol>
        {decisions.map((d, i) => (
          <li key={`${d.at}-${i}`}>
            <span className={`decision-action decision-${d.action}`}>{DECISION_LABEL[d.action] ?? d.action}</span>{' '}
            <time dateTime={d.at} className="muted">
              {formatTime(d.at)}
            </time>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** At the top of a run: the nodes parked for a decision, each with a link that selects it. */
export function ParkedBanner({
  entries,
  titleOf,
  onReview,
}: {
  entries: NodeRunState[];
  titleOf: (entry: NodeRunState) => string;
  onReview: (selection: NodeSelection) => void;
}) {
  const ids = useId();
  if (entries.length === 0) return null;
  const one = entries.length === 1;
  return (
    <section className="parked-banner" aria-labelledby={`${ids}-title`}>
      <strong id={`${ids}-title`}>{one ? 'A step is parked' : `${entries.length} steps are parked`} — waiting for you</strong>
      <span className="muted"> Retry, skip or abort {one ? 'it' : 'each'} from its details; the rest of the run goes on.</span>
      <ul>
        {entries.map((e, i) => (
          <li key={e.key}>
            <span id={`${ids}-${i}`}>
              <strong>{titleOf(e)}</strong> <code>{e.key}</code>
            </span>
            {e.error && <span className="parked-error"> {truncate(e.error.message, 100)}</span>}{' '}
            <button type="button" className="link" aria-describedby={`${ids}-${i}`} onClick={() => onReview({ nodeId: e.nodeId, key: e.key })}>
              Review
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
