import { useId, useState, type FormEvent } from 'react';
import { Dialog } from '../components/dialog';
export { Dialog } from '../components/dialog';
import type { FlowProblem } from '#core/validate';
import { usePublish, usePublishCheck, useStartRun, useVersion } from '../api/queries';
import { ApiError } from '../api/client';
import { useEditor } from '../store/editor-store';
import { toSnapshot } from '#core/flow';
import { diffFlows } from '#core/flow-diff';
import type { PublishCheck, PublishResult } from '../api/types';
import { EndpointUrls } from '../components/endpoint-urls';
import { ErrorBox } from '../components/error-box';
import { navigate } from '../router';
import { ProblemList } from './problems';
import { CostEstimateLine } from '../credits/cost-estimate';

/** The webhook trigger's URLs after a publish: what to give the sender. */
function PublishedWebhook({ webhook }: { webhook: NonNullable<PublishResult['webhook']> }) {
  const origin = window.location.origin;
  return (
    <section aria-label="Webhook URLs">
      <p className="sy-muted">Give the sender the live URL; the test URL starts test runs.</p>
      <EndpointUrls urls={{ live: origin + webhook.livePath, test: origin + webhook.testPath }} />
    </section>
  );
}

export function PublishDialog({
  flowId,
  dirty,
  save,
  onSelectProblem,
  onPublished,
  onClose,
}: {
  flowId: string;
  dirty: boolean;
  /** Saves the draft first (the server publishes the saved draft); false when saving failed. */
  save: () => Promise<boolean>;
  /** Selects the node and focuses the field a problem is in. */
  onSelectProblem: (nodeId: string, field?: string) => void;
  onPublished: (version: number) => void;
  onClose: () => void;
}) {
  const publish = usePublish(flowId);
  // Checked from the flow on screen, saved or not: the same checks publish makes, the estimate and the changes.
  const doc = useEditor((st) => st.doc);
  const check = usePublishCheck(flowId, doc);
  const [note, setNote] = useState('');
  const [published, setPublished] = useState<PublishResult | null>(null);
  const [saveFailed, setSaveFailed] = useState(false);
  const noteId = useId();
  const problems = check.data?.problems ?? [];

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setSaveFailed(false);
    if (dirty && !(await save())) {
      setSaveFailed(true);
      return;
    }
    publish.mutate(note.trim() || undefined, {
      onSuccess: (r) => {
        setPublished(r);
        onPublished(r.version);
      },
    });
  };

  if (published !== null) {
    return (
      <Dialog title="Published" onClose={onClose}>
        <p role="status" className="sy-ok">
          Published v{published.version}. New events and runs use this version.
        </p>
        {published.webhook && <PublishedWebhook webhook={published.webhook} />}
        {published.warnings && published.warnings.length > 0 && (
          <ul className="sy-publish-warnings" aria-label="Warnings">
            {published.warnings.map((w, i) => (
              <li key={i} className="error">
                {w.message}
              </li>
            ))}
          </ul>
        )}
        <div className="sy-dialog-actions">
          <button type="button" className="primary" onClick={onClose} autoFocus>
            Close
          </button>
        </div>
      </Dialog>
    );
  }

  // The publish's own refusal repeats the check's problems: shown once, as the list.
  const publishError = publish.error instanceof ApiError && publish.error.code === 'FLOW_INVALID' ? null : publish.error;
  const refused =
    publish.error instanceof ApiError && publish.error.code === 'FLOW_INVALID' ? ((publish.error.details as { problems?: FlowProblem[] })?.problems ?? []) : [];
  const shown = refused.length > 0 ? refused : problems;
  return (
    <Dialog title="Publish" onClose={onClose}>
      <form onSubmit={onSubmit}>
        {!check.data && !check.error && (
          <p className="sy-muted" role="status">
            Checking the flow…
          </p>
        )}
        <ErrorBox error={check.error} />
        {check.data && shown.length > 0 && (
          <section aria-label="Problems" className="sy-publish-problems">
            <p>
              <strong>
                {shown.length} problem{shown.length === 1 ? '' : 's'}
              </strong>{' '}
              to fix before publishing:
            </p>
            <ProblemList
              problems={shown}
              onSelect={(id, field) => {
                onClose();
                onSelectProblem(id, field);
              }}
            />
          </section>
        )}
        {check.data && (
          <>
            <CostEstimateLine estimate={check.data.estimate} />
            <ChangesList check={check.data} />
          </>
        )}
        {check.data && shown.length === 0 && (
          <>
            <p className="sy-muted">Publishing freezes the flow on screen as a new version; runs and app events use the newest version.</p>
            {dirty && <p className="sy-muted">Your unsaved changes are saved first.</p>}
            <label htmlFor={noteId}>Note (optional)</label>
            <textarea id={noteId} rows={3} value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} placeholder="What changed?" autoFocus />
          </>
        )}
        {saveFailed && <p className="error">The draft could not be saved, so nothing was published.</p>}
        <ErrorBox error={publishError} />
        <div className="sy-dialog-actions">
          <button type="button" onClick={onClose} autoFocus={shown.length > 0}>
            {shown.length > 0 ? 'Close' : 'Cancel'}
          </button>
          {shown.length === 0 && (
            <button type="submit" className="primary" disabled={publish.isPending || !check.data}>
              {publish.isPending ? 'Publishing…' : 'Publish'}
            </button>
          )}
        </div>
      </form>
    </Dialog>
  );
}

/** What publishing changes from the published version: the trigger, steps added, removed or changed (which settings), connections. */
function ChangesList({ check }: { check: PublishCheck }) {
  const { changes, publishedVersion } = check;
  if (publishedVersion === null) return <p className="sy-muted">First publish: this becomes version 1.</p>;
  if (changes.same) return <p className="sy-muted">Nothing changed since version {publishedVersion}: publishing makes an identical version.</p>;
  return (
    <section aria-label={`Changes from version ${publishedVersion}`} className="sy-publish-changes">
      <h3>Changes from version {publishedVersion}</h3>
      <ul>
        {changes.trigger.length > 0 && <li>Trigger: {changes.trigger.join(', ')}</li>}
        {changes.nodes.map((n) => (
          <li key={n.nodeId}>
            <code>{n.nodeId}</code> {n.change}
            {n.fields && n.fields.length > 0 ? `: ${n.fields.join(', ')}` : ''}
          </li>
        ))}
        {changes.edges.added.map((e) => (
          <li key={`+${e}`}>Connection added: {e}</li>
        ))}
        {changes.edges.removed.map((e) => (
          <li key={`-${e}`}>Connection removed: {e}</li>
        ))}
      </ul>
    </section>
  );
}

export function RunDialog({
  flowId,
  version,
  publishedVersion,
  dirty,
  onPublishFirst,
  onClose,
}: {
  flowId: string;
  /** A read-only version view runs that version; else the newest published one. */
  version?: number | undefined;
  publishedVersion: number | null;
  dirty: boolean;
  /** Opens the publish dialog instead (offered when the flow on screen differs from the version the run would use). */
  onPublishFirst?: () => void;
  onClose: () => void;
}) {
  const start = useStartRun(flowId);
  const [input, setInput] = useState('{\n  \n}');
  // Test by default: a run started to try something should not send real messages or charge real cards.
  const [mode, setMode] = useState<'live' | 'test'>('test');
  const [jsonError, setJsonError] = useState<string | null>(null);
  const inputId = useId();
  const target = version ?? publishedVersion;
  const published = useVersion(flowId, version === undefined && publishedVersion !== null ? publishedVersion : undefined);
  const doc = useEditor((st) => st.doc);
  // The flow on screen (saved or not) against the version this run uses; positions on the canvas do not count.
  const differs =
    version === undefined &&
    target !== null &&
    published.data?.snapshot !== undefined &&
    doc !== null &&
    !diffFlows(published.data.snapshot, toSnapshot(doc)).same;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    let data: unknown;
    try {
      data = input.trim() ? JSON.parse(input) : {};
    } catch (err) {
      setJsonError(`The sample input is not JSON: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    setJsonError(null);
    start.mutate({ input: data, mode, ...(version !== undefined ? { version } : {}) }, { onSuccess: (r) => navigate({ page: 'run', runId: r.runId }) });
  };

  return (
    <Dialog title="Run flow" onClose={onClose}>
      <form onSubmit={onSubmit}>
        {target === null ? (
          <p className="error">Publish the flow before running it: runs use a published version.</p>
        ) : (
          <p className="sy-muted">Runs version {target}.</p>
        )}
        {differs && (
          <div className="notice warn" role="status">
            <strong>The flow on screen is not version {target}.</strong> Your {dirty ? 'unsaved and unpublished' : 'unpublished'} changes are not part of this
            run.{' '}
            {onPublishFirst && (
              <button type="button" className="link" onClick={onPublishFirst}>
                Publish first
              </button>
            )}
          </div>
        )}
        <label htmlFor={inputId}>Sample input (JSON, seen as trigger.data)</label>
        <textarea
          id={inputId}
          className="sy-code"
          rows={8}
          spellCheck={false}
          value={input}
          onChange={(e) => setInput(e.target.value)}
          aria-invalid={jsonError ? true : undefined}
          autoFocus
        />
        {jsonError && (
          <p className="error" role="alert">
            {jsonError}
          </p>
        )}
        <fieldset className="sy-radios">
          <legend>Mode</legend>
          <label>
            <input type="radio" name="run-mode" value="test" checked={mode === 'test'} onChange={() => setMode('test')} /> Test: test secrets, or the sandbox
            where an integration has none
          </label>
          <label>
            <input type="radio" name="run-mode" value="live" checked={mode === 'live'} onChange={() => setMode('live')} /> Live: real secrets and real side
            effects
          </label>
        </fieldset>
        <ErrorBox error={start.error} />
        <div className="sy-dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={start.isPending || target === null}>
            {start.isPending ? 'Starting…' : 'Start run'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
