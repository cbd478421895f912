import { useId } from 'react';
import { CopyButton } from './copy-button';

export function prettyJson(value: unknown): string {
  if (value === undefined) return '';
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A JSON value, pretty-printed in a collapsible block with a copy button. Long values start collapsed
 * unless `open` says otherwise.
 */
export function JsonView({ label, value, open, empty = 'Nothing' }: { label: string; value: unknown; open?: boolean; empty?: string }) {
  const id = useId();
  const text = prettyJson(value);
  if (!text) {
    return (
      <div className="json-view json-empty">
        <span className="json-label">{label}</span> <span className="muted">{empty}</span>
      </div>
    );
  }
  const lines = text.split('\n').length;
  return (
    <details className="json-view" open={open ?? lines <= 30}>
      <summary>
        <span className="json-label" id={id}>
          {label}
        </span>
        <span className="muted json-size">
          {lines} line{lines === 1 ? '' : 's'}
        </span>
      </summary>
      <div className="json-body">
        <CopyButton text={text} label={`Copy ${label.toLowerCase()}`} className="json-copy" />
        <pre aria-labelledby={id} tabIndex={0}>
          {text}
        </pre>
      </div>
    </details>
  );
}
