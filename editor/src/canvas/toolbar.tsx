import { useVersions } from '../api/queries';
import { href } from '../router';
import { useEditor } from '../store/editor-store';
import type { CanvasCommands } from './commands';
import { ProblemList } from './problems';
import { Popover } from '../components/popover';

const ICONS = {
  undo: 'M9 14 4 9l5-5M4 9h10a6 6 0 0 1 0 12h-3',
  redo: 'M15 14l5-5-5-5M20 9H10a6 6 0 0 0 0 12h3',
  layout: 'M9 3h6v5H9zM3 16h6v5H3zM15 16h6v5h-6zM12 8v4M6 12h12M6 12v4M18 12v4',
  fit: 'M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5',
};

function Icon({ name }: { name: keyof typeof ICONS }) {
  return (
    <svg
      viewBox="0 0 24 24"
      width="16"
      height="16"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d={ICONS[name]} />
    </svg>
  );
}

function VersionsMenu({ flowId, version }: { flowId: string; version?: number | undefined }) {
  const versions = useVersions(flowId);
  return (
    <Popover label="Versions" button={<>Versions ▾</>}>
      {(close) => (
        <ul className="sy-menu">
          <li>
            <a href={href({ page: 'flow', flowId })} aria-current={version === undefined ? 'page' : undefined} onClick={close}>
              Draft
            </a>
          </li>
          {versions.isPending && <li className="sy-muted">Loading…</li>}
          {versions.error && <li className="error">{versions.error.message}</li>}
          {versions.data?.length === 0 && <li className="sy-muted">Not published yet</li>}
          {versions.data?.map((v) => (
            <li key={v.version}>
              <a href={href({ page: 'flow', flowId, version: v.version })} aria-current={version === v.version ? 'page' : undefined} onClick={close}>
                <strong>v{v.version}</strong> <span className="sy-muted">{new Date(v.publishedAt).toLocaleString()}</span>
                {v.note && <span className="sy-menu-note">{v.note}</span>}
              </a>
            </li>
          ))}
        </ul>
      )}
    </Popover>
  );
}

export function EditorToolbar({
  flowId,
  version,
  publishedVersion,
  unpublished,
  commands,
  saving,
  onSave,
  onPublish,
  onRun,
}: {
  flowId: string;
  version?: number | undefined;
  publishedVersion: number | null;
  /** Published once, then unpublished: nothing starts it. */
  unpublished?: boolean;
  commands: CanvasCommands;
  saving: boolean;
  onSave: () => void;
  onPublish: () => void;
  onRun: () => void;
}) {
  const name = useEditor((s) => s.name);
  const rename = useEditor((s) => s.rename);
  const dirty = useEditor((s) => s.dirty);
  const readOnly = useEditor((s) => s.readOnly);
  const canUndo = useEditor((s) => s.past.length > 0);
  const canRedo = useEditor((s) => s.future.length > 0);
  const problems = useEditor((s) => s.problems);
  const edit = !readOnly;
  const mod = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl+';

  return (
    <div className="sy-toolbar">
      <div className="sy-toolbar-group sy-toolbar-title">
        <input
          className="sy-flow-name"
          aria-label="Flow name"
          value={name}
          readOnly={readOnly}
          maxLength={200}
          onChange={(e) => rename(e.target.value)}
          onBlur={() => {
            if (!readOnly && !name.trim()) rename('Untitled flow');
          }}
        />
        <span className="sy-save-state" aria-live="polite">
          {readOnly ? 'Read-only' : saving ? 'Saving…' : dirty ? 'Unsaved changes' : 'Saved'}
        </span>
        {publishedVersion !== null &&
          (unpublished ? (
            <span className="sy-chip" title="Nothing starts this flow until it is published again">
              Unpublished (was v{publishedVersion})
            </span>
          ) : (
            <span className="sy-chip">Published v{publishedVersion}</span>
          ))}
      </div>
      {edit && (
        <div className="sy-toolbar-group">
          <button type="button" className="sy-icon-button" aria-label="Undo" title={`Undo (${mod}Z)`} disabled={!canUndo} onClick={commands.undo}>
            <Icon name="undo" />
          </button>
          <button type="button" className="sy-icon-button" aria-label="Redo" title={`Redo (${mod}Shift+Z)`} disabled={!canRedo} onClick={commands.redo}>
            <Icon name="redo" />
          </button>
          <button type="button" className="sy-icon-button" aria-label="Auto-layout" title="Arrange the steps top to bottom" onClick={commands.autoLayout}>
            <Icon name="layout" />
          </button>
          <button type="button" className="sy-icon-button" aria-label="Zoom to fit" title="Zoom to fit" onClick={commands.fit}>
            <Icon name="fit" />
          </button>
        </div>
      )}
      {!edit && (
        <div className="sy-toolbar-group">
          <button type="button" className="sy-icon-button" aria-label="Zoom to fit" title="Zoom to fit" onClick={commands.fit}>
            <Icon name="fit" />
          </button>
        </div>
      )}
      <div className="sy-toolbar-group sy-toolbar-end">
        <Popover
          label="Problems"
          buttonClass={problems.length > 0 ? 'sy-problems-button bad' : 'sy-problems-button ok'}
          button={problems.length === 0 ? 'No problems' : `${problems.length} problem${problems.length === 1 ? '' : 's'}`}
        >
          {(close) => (
            <ProblemList
              problems={problems}
              onSelect={(id, field) => {
                close();
                commands.focusField(id, field);
              }}
            />
          )}
        </Popover>
        <VersionsMenu flowId={flowId} version={version} />
        {edit && (
          <button type="button" disabled={!dirty || saving} onClick={onSave} title={`Save the draft (${mod}S)`}>
            {saving ? 'Saving…' : 'Save draft'}
          </button>
        )}
        {edit && (
          <button type="button" onClick={onPublish}>
            Publish
          </button>
        )}
        <button type="button" className="primary" onClick={onRun}>
          Run
        </button>
        <a className="sy-toolbar-link" href={href({ page: 'runs', flowId })}>
          Runs
        </a>
      </div>
    </div>
  );
}
