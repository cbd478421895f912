import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';

/** A modal `<dialog>` labelled by its heading; Escape or a click on the backdrop closes it. */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    // Focus goes back to what opened the dialog (a button) when it closes, wherever the dialog was.
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (typeof dialog.showModal === 'function') {
      if (!dialog.open) dialog.showModal();
    } else dialog.setAttribute('open', '');
    return () => {
      if (dialog.open && typeof dialog.close === 'function') dialog.close();
      if (opener?.isConnected) opener.focus();
      else focusPageHeading();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className="sy-dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div className="sy-dialog-body">
        <h2 id={titleId}>{title}</h2>
        {children}
      </div>
    </dialog>
  );
}

/** When what opened a dialog is gone (a deleted row), the focus goes to the page's heading rather than the body. */
export function focusPageHeading() {
  const heading = document.querySelector<HTMLElement>('main h1, h1');
  if (!heading) return;
  heading.tabIndex = -1;
  heading.focus();
}

/**
 * An in-app confirmation (never the browser's `confirm()`): what will happen, and two buttons; the safe one has the
 * focus. `danger` marks an action that cannot be undone.
 */
export function ConfirmDialog({
  title,
  children,
  confirm,
  danger = false,
  busy = false,
  onConfirm,
  onClose,
}: {
  title: string;
  children: ReactNode;
  confirm: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog title={title} onClose={onClose}>
      <div className="sy-confirm-body">{children}</div>
      <div className="sy-dialog-actions">
        <button type="button" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button type="button" className={danger ? 'danger' : 'primary'} onClick={onConfirm} disabled={busy}>
          {confirm}
        </button>
      </div>
    </Dialog>
  );
}

export interface ConfirmOptions {
  title: string;
  message: string;
  confirm: string;
  danger?: boolean;
}

/**
 * An in-app `confirm()`: `ask(options)` shows a ConfirmDialog and resolves true when confirmed, false when cancelled
 * or dismissed. Render `dialog` where the component renders.
 */
export function useConfirm(): { dialog: ReactNode; ask: (o: ConfirmOptions) => Promise<boolean> } {
  const [pending, setPending] = useState<{ o: ConfirmOptions; resolve: (ok: boolean) => void } | null>(null);
  const ask = useCallback((o: ConfirmOptions) => new Promise<boolean>((resolve) => setPending({ o, resolve })), []);
  const end = (ok: boolean) => {
    pending?.resolve(ok);
    setPending(null);
  };
  const dialog = pending ? (
    <ConfirmDialog
      title={pending.o.title}
      confirm={pending.o.confirm}
      danger={pending.o.danger ?? false}
      onConfirm={() => end(true)}
      onClose={() => end(false)}
    >
      {pending.o.message.split('\n\n').map((para, i) => (
        <p key={i}>{para}</p>
      ))}
    </ConfirmDialog>
  ) : null;
  return { dialog, ask };
}
