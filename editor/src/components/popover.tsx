import { useEffect, useId, useRef, useState, type ReactNode } from 'react';

/** A button that shows a panel under it; Escape or a click elsewhere closes it. */
export function Popover({
  button,
  buttonClass,
  label,
  children,
}: {
  button: ReactNode;
  buttonClass?: string;
  label: string;
  children: (close: () => void) => ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const wrap = useRef<HTMLDivElement>(null);
  const btn = useRef<HTMLButtonElement>(null);
  const panelId = useId();
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!wrap.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        btn.current?.focus();
      }
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  return (
    <div className="sy-popover-wrap" ref={wrap}>
      <button ref={btn} type="button" className={buttonClass} aria-expanded={open} aria-controls={panelId} onClick={() => setOpen((o) => !o)}>
        {button}
      </button>
      {open && (
        <div className="sy-popover" id={panelId} role="region" aria-label={label}>
          {children(() => {
            setOpen(false);
            // The item chosen goes away with the panel: the focus goes back to the button, not to the page.
            btn.current?.focus();
          })}
        </div>
      )}
    </div>
  );
}
