import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useEffect, useState } from 'react';
import { TRIGGER_ID, type FlowDocument } from '#core/flow';
import { findNode } from '#core/operations';
import { useActions, useFlow, useSaveFlow, useVersion } from '../api/queries';
import { useCanvasCommands, useEditorShortcuts, type CanvasCommands } from '../canvas/commands';
import { PublishDialog, RunDialog } from '../canvas/dialogs';
import { FlowCanvas } from '../canvas/flow-canvas';
import { PalettePanel } from '../canvas/palette-panel';
import { ProblemList } from '../canvas/problems';
import { showToast, Toast } from '../canvas/toast';
import { EditorToolbar } from '../canvas/toolbar';
import { AssistantPanel } from '../assistant/assistant-panel';
import { CurlImport } from '../assistant/curl-import';
import { ScheduleStatus } from '../schedules/schedule-status';
import { ErrorBox } from '../components/error-box';
import { autoLayout } from '../graph/layout';
import { NodePanel } from '../panel/node-panel';
import { href, navigate } from '../router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { Flow } from '../api/types';
import { ConfirmDialog, useConfirm, type ConfirmOptions } from '../components/dialog';
import { useEditor } from '../store/editor-store';

/**
 * The flow editor: palette, canvas and step panel under a toolbar. With `version`, shows that published
 * version read-only (a snapshot has no layout: it is laid out automatically).
 */
export function FlowEditorPage({ flowId, version }: { flowId: string; version?: number }) {
  const flow = useFlow(flowId);
  const actions = useActions();
  const snapshot = useVersion(flowId, version);
  const [loaded, setLoaded] = useState(false);
  const storeFlowId = useEditor((s) => s.flowId);

  // Load once per page (the page is keyed by flow and version): later refetches of the flow (after a
  // save or a publish) must not replace the document being edited or its undo history.
  useEffect(() => {
    if (loaded || !flow.data || (!actions.data && !actions.isError)) return;
    const catalog = actions.data ?? [];
    if (version === undefined) {
      useEditor.getState().load({ id: flow.data.id, name: flow.data.name, document: flow.data.document }, catalog);
    } else {
      const snap = snapshot.data?.snapshot;
      if (!snap) return;
      const doc: FlowDocument = { ...snap, layout: {} };
      useEditor.getState().load({ id: flow.data.id, name: flow.data.name, document: { ...doc, layout: autoLayout(doc) } }, catalog, true);
    }
    setLoaded(true);
  }, [loaded, flow.data, actions.data, actions.isError, snapshot.data, version]);

  const error = flow.error ?? snapshot.error;
  if (error) {
    return (
      <div className="editor-page editor-page-message">
        <ErrorBox error={error} />
        <a href={href({ page: 'flows' })}>Back to flows</a>
      </div>
    );
  }
  if (!loaded || storeFlowId !== flowId) {
    return (
      <div className="editor-page editor-page-message">
        <p className="sy-muted" role="status">
          Loading the flow…
        </p>
      </div>
    );
  }
  return (
    <ReactFlowProvider>
      <Workspace
        flowId={flowId}
        version={version}
        publishedVersion={flow.data?.publishedVersion ?? null}
        unpublished={flow.data?.unpublished ?? false}
        actionsError={actions.error}
      />
    </ReactFlowProvider>
  );
}

function Workspace({
  flowId,
  version,
  publishedVersion,
  unpublished,
  actionsError,
}: {
  flowId: string;
  version: number | undefined;
  publishedVersion: number | null;
  unpublished: boolean;
  actionsError: unknown;
}) {
  const commands = useCanvasCommands();
  const readOnly = useEditor((s) => s.readOnly);
  const dirty = useEditor((s) => s.dirty);
  const catalog = useEditor((s) => s.actions);
  const problems = useEditor((s) => s.problems);
  const saveFlow = useSaveFlow(flowId);
  const [dialog, setDialog] = useState<'publish' | 'run' | null>(null);

  const { mutateAsync } = saveFlow;
  const save = useCallback(async (): Promise<boolean> => {
    const { doc, name, dirty: unsaved, readOnly: ro } = useEditor.getState();
    if (!doc || ro) return false;
    if (!unsaved) return true;
    try {
      await mutateAsync({ name: name.trim() || 'Untitled flow', document: doc });
      // Edits made while the request was in flight stay unsaved.
      const now = useEditor.getState();
      if (now.doc === doc && now.name === name) now.markSaved();
      return true;
    } catch (err) {
      showToast(`The draft was not saved: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }, [mutateAsync]);
  const saveNow = useCallback(() => void save(), [save]);

  useEditorShortcuts(commands, saveNow, readOnly);
  const leaving = useConfirm();
  useLeaveGuard(dirty && !readOnly, leaving.ask);

  return (
    <div className={`editor-page${readOnly ? ' read-only' : ''}`}>
      {leaving.dialog}
      {version !== undefined && (
        <div className="sy-banner" role="status">
          Version {version} (read-only) — <a href={href({ page: 'flow', flowId })}>back to draft</a> <RestoreVersion flowId={flowId} version={version} />
        </div>
      )}
      {version === undefined && publishedVersion !== null && <PublishedSchedule flowId={flowId} publishedVersion={publishedVersion} />}
      <EditorToolbar
        flowId={flowId}
        version={version}
        publishedVersion={publishedVersion}
        unpublished={unpublished}
        commands={commands}
        saving={saveFlow.isPending}
        onSave={saveNow}
        onPublish={() => setDialog('publish')}
        onRun={() => setDialog('run')}
      />
      <div className="sy-workspace">
        {!readOnly && <PalettePanel actions={catalog} onAdd={commands.addItemAtCentre} />}
        <div className="sy-canvas-wrap">
          {actionsError ? (
            <div className="sy-canvas-alert">
              <ErrorBox error={actionsError} />
            </div>
          ) : null}
          <FlowCanvas />
          <Toast />
        </div>
        <SidePanel commands={commands} problemsCount={problems.length} />
      </div>
      {dialog === 'publish' && (
        <PublishDialog
          flowId={flowId}
          dirty={dirty}
          save={save}
          onSelectProblem={commands.focusField}
          onPublished={(v) => showToast(`Published v${v}`, 'info')}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === 'run' && (
        <RunDialog
          flowId={flowId}
          version={version}
          publishedVersion={publishedVersion}
          dirty={dirty}
          onPublishFirst={readOnly ? undefined : () => setDialog('publish')}
          onClose={() => setDialog(null)}
        />
      )}
    </div>
  );
}

/** Right column: the step panel for one selected step; otherwise a hint and the flow's problems. */
function SidePanel({ commands, problemsCount }: { commands: CanvasCommands; problemsCount: number }) {
  const selection = useEditor((s) => s.selection);
  const doc = useEditor((s) => s.doc);
  const problems = useEditor((s) => s.problems);
  const readOnly = useEditor((s) => s.readOnly);
  const live = doc ? selection.filter((id) => id === TRIGGER_ID || findNode(doc, id)) : [];
  if (live.length === 1) {
    return (
      <div className="sy-side">
        <NodePanel nodeId={live[0]!} />
      </div>
    );
  }
  return (
    <div className="sy-side">
      {!readOnly && <AssistantPanel />}
      {!readOnly && <CurlImport />}
      <aside className="sy-side-hint" aria-label="Flow overview">
        {live.length > 1 ? (
          <p>
            {live.length} steps selected. {readOnly ? '' : 'Ctrl/Cmd+D duplicates them, Ctrl/Cmd+C copies them, Delete removes them.'}
          </p>
        ) : readOnly ? (
          <p className="sy-muted">Select a step to see its settings.</p>
        ) : (
          <p className="sy-muted">
            Select a step to configure it. Add steps from the left; connect them by dragging from the dot under a step to the next step. Shift-drag selects
            several.
          </p>
        )}
        <h2>
          Problems <span className="sy-count">{problemsCount}</span>
        </h2>
        <ProblemList problems={problems} onSelect={commands.focusField} />
      </aside>
    </div>
  );
}

/**
 * Warns before leaving with unsaved changes: closing the tab or reloading (the browser's own prompt), or following a
 * link in the app (an in-app confirmation; the link is followed when the user leaves anyway).
 */
function useLeaveGuard(active: boolean, ask: (o: ConfirmOptions) => Promise<boolean>) {
  useEffect(() => {
    if (!active) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
    const onClick = (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
      const link = (e.target as Element | null)?.closest?.('a[href^="#"]');
      const target = link?.getAttribute('href');
      if (!target || target === window.location.hash) return;
      e.preventDefault();
      void ask({ title: 'Leave without saving?', message: 'This flow has unsaved changes; they are lost if you leave.', confirm: 'Leave', danger: true }).then(
        (leave) => {
          if (leave) window.location.hash = target;
        },
      );
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    document.addEventListener('click', onClick, true);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      document.removeEventListener('click', onClick, true);
    };
  }, [active, ask]);
}

/** The schedule line, when the published version starts on a schedule (schedules/schedule-status.tsx). */
function PublishedSchedule({ flowId, publishedVersion }: { flowId: string; publishedVersion: number }) {
  const published = useVersion(flowId, publishedVersion);
  return published.data?.snapshot?.trigger.type === 'schedule' ? <ScheduleStatus flowId={flowId} /> : null;
}

/** Restores the version on screen as the draft (after asking: the draft is replaced), then opens the draft. */
function RestoreVersion({ flowId, version }: { flowId: string; version: number }) {
  const qc = useQueryClient();
  const [asking, setAsking] = useState(false);
  const restore = useMutation({
    mutationFn: () => api<Flow>('POST', `/api/flows/${flowId}/versions/${version}/restore`),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ['flow', flowId] });
      navigate({ page: 'flow', flowId });
    },
  });
  return (
    <>
      <button type="button" className="link-button" onClick={() => setAsking(true)}>
        Restore as the draft
      </button>
      {asking && (
        <ConfirmDialog
          title={`Restore version ${version}?`}
          confirm="Restore as the draft"
          busy={restore.isPending}
          onConfirm={() => restore.mutate()}
          onClose={() => setAsking(false)}
        >
          <p>The draft is replaced by version {version}. Nothing is published until you publish it; the published version keeps running.</p>
          <ErrorBox error={restore.error} />
        </ConfirmDialog>
      )}
    </>
  );
}
