import { useState, type ReactNode } from 'react';

/**
 * Small controls that keep what the person typed (a draft) while it is not yet a valid value, and commit
 * only valid values: `1.` stays on screen while the document keeps `1`. When the value changes from
 * elsewhere (undo, another field), the draft follows.
 */

interface DraftResult<T> {
  ok: boolean;
  value?: T;
  message?: string;
}

function useDraft<T>(value: T | undefined, format: (v: T) => string, parse: (text: string) => DraftResult<T>) {
  const [text, setText] = useState(() => (value === undefined ? '' : format(value)));
  const [seen, setSeen] = useState(value);
  if (!sameValue(seen, value)) {
    // Derived state: adopt an outside change unless the draft already means that value.
    setSeen(value);
    const parsed = parse(text);
    if (!(parsed.ok && sameValue(parsed.value, value))) setText(value === undefined ? '' : format(value));
  }
  return [text, setText] as const;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

interface BaseProps<T> {
  id: string;
  value: T | undefined;
  /** Called with a valid value, or undefined when the field is emptied (never while the text is invalid). */
  onChange(value: T | undefined): void;
  disabled?: boolean;
  placeholder?: string;
  required?: boolean;
  'aria-describedby'?: string;
  'aria-label'?: string;
}

function Hint({ id, children }: { id: string; children: ReactNode }) {
  return (
    <p id={id} className="field-hint-error" aria-live="polite">
      {children}
    </p>
  );
}

function describedBy(...ids: (string | undefined)[]): string | undefined {
  return ids.filter(Boolean).join(' ') || undefined;
}

export interface NumberInputProps extends BaseProps<number> {
  integer?: boolean;
  min?: number;
  max?: number;
}

/** A number as text (no browser spinner quirks with partial input such as `-` or `1.`). */
export function NumberInput(props: NumberInputProps) {
  const { id, integer, min, max } = props;
  const parse = (text: string): DraftResult<number> => {
    const t = text.trim();
    if (t === '') return props.required ? { ok: false, message: 'Enter a number' } : { ok: true };
    const n = Number(t);
    if (!Number.isFinite(n)) return { ok: false, message: 'Enter a number' };
    if (integer && !Number.isInteger(n)) return { ok: false, message: 'Enter a whole number' };
    if (min !== undefined && n < min) return { ok: false, message: `At least ${min}` };
    if (max !== undefined && n > max) return { ok: false, message: `At most ${max}` };
    return { ok: true, value: n };
  };
  const [text, setText] = useDraft(props.value, String, parse);
  const state = parse(text);
  const hintId = `${id}-hint`;
  return (
    <>
      <input
        id={id}
        type="text"
        inputMode={integer ? 'numeric' : 'decimal'}
        value={text}
        disabled={props.disabled}
        placeholder={props.placeholder}
        aria-label={props['aria-label']}
        aria-required={props.required || undefined}
        aria-invalid={state.ok ? undefined : true}
        aria-describedby={describedBy(props['aria-describedby'], state.ok ? undefined : hintId)}
        onChange={(e) => {
          setText(e.target.value);
          const parsed = parse(e.target.value);
          if (parsed.ok) props.onChange(parsed.value);
        }}
      />
      {!state.ok && <Hint id={hintId}>{state.message}</Hint>}
    </>
  );
}

export const DURATION_PATTERN = /^\d+(\.\d+)?\s*(ms|s|m|h|d)$/;

/** Parses what a person types as a flow Duration: `30s`, `5m`, `1h`, `1d`, `250ms`, or plain milliseconds. */
export function parseDuration(text: string): string | number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  return DURATION_PATTERN.test(t) ? t : undefined;
}

export function DurationInput(props: BaseProps<string | number>) {
  const { id } = props;
  const parse = (text: string): DraftResult<string | number> => {
    if (text.trim() === '') return props.required ? { ok: false, message: 'Enter a duration' } : { ok: true };
    const d = parseDuration(text);
    return d === undefined ? { ok: false, message: "A duration such as '30s', '5m', '1h' or '1d'" } : { ok: true, value: d };
  };
  const [text, setText] = useDraft(props.value, String, parse);
  const state = parse(text);
  const hintId = `${id}-hint`;
  return (
    <>
      <input
        id={id}
        type="text"
        value={text}
        disabled={props.disabled}
        placeholder={props.placeholder ?? "e.g. '30s', '5m', '1h', '1d'"}
        aria-label={props['aria-label']}
        aria-required={props.required || undefined}
        aria-invalid={state.ok ? undefined : true}
        aria-describedby={describedBy(props['aria-describedby'], state.ok ? undefined : hintId)}
        onChange={(e) => {
          setText(e.target.value);
          const parsed = parse(e.target.value);
          if (parsed.ok) props.onChange(parsed.value);
        }}
      />
      {!state.ok && <Hint id={hintId}>{state.message}</Hint>}
    </>
  );
}

/** A JSON value in a textarea, validated before it is committed. */
export function JsonTextarea(props: BaseProps<unknown> & { rows?: number }) {
  const { id } = props;
  const parse = (text: string): DraftResult<unknown> => {
    if (text.trim() === '') return props.required ? { ok: false, message: 'Enter a JSON value' } : { ok: true };
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch (err) {
      return { ok: false, message: `Not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
    }
  };
  const [text, setText] = useDraft(props.value, (v) => JSON.stringify(v, null, 2), parse);
  const state = parse(text);
  const hintId = `${id}-hint`;
  return (
    <>
      <textarea
        id={id}
        className="json-input"
        rows={props.rows ?? 4}
        value={text}
        spellCheck={false}
        disabled={props.disabled}
        placeholder={props.placeholder}
        aria-label={props['aria-label']}
        aria-required={props.required || undefined}
        aria-invalid={state.ok ? undefined : true}
        aria-describedby={describedBy(props['aria-describedby'], state.ok ? undefined : hintId)}
        onChange={(e) => {
          setText(e.target.value);
          const parsed = parse(e.target.value);
          if (parsed.ok) props.onChange(parsed.value);
        }}
      />
      {!state.ok && <Hint id={hintId}>{state.message}</Hint>}
    </>
  );
}
