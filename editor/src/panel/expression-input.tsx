import { useDeferredValue, useId, useLayoutEffect, useMemo, useRef, useState, type ChangeEvent, type KeyboardEvent } from 'react';
import { checkExpressionSyntax, ExpressionError } from '#core/expressions';
import type { Suggestion } from '../graph/suggestions';
import { ExpressionPreview } from './expression-preview';

/**
 * A JSONata expression field with autocomplete over what the node may read (`expressionSuggestions`).
 * ARIA combobox pattern: the text field is the combobox, the suggestions are a listbox; arrows move,
 * Enter/Tab accept, Escape closes. Syntax errors are shown inline and never block typing.
 */
export interface ExpressionInputProps {
  id?: string;
  value: string;
  onChange(value: string): void;
  suggestions: readonly Suggestion[];
  disabled?: boolean;
  /** A textarea instead of a one-line input (Enter still accepts a suggestion while the list is open). */
  multiline?: boolean;
  placeholder?: string;
  required?: boolean;
  'aria-label'?: string;
  'aria-describedby'?: string;
}

/** Roots whose paths open the list as soon as a dot is typed after them. */
const ROOTS = new Set(['nodes', 'trigger', 'item']);
const MAX_OPTIONS = 100;

/** The dotted name the caret is in: `nodes.fe|` → start 0, text `nodes.fe`. */
export function tokenAt(value: string, caret: number): { start: number; text: string } {
  let start = caret;
  while (start > 0 && /[A-Za-z0-9_.-]/.test(value[start - 1]!)) start--;
  // A leading `-` or `.` is an operator or a path step, not part of the name.
  while (start < caret && /[-.]/.test(value[start]!)) start++;
  return { start, text: value.slice(start, caret) };
}

/** Suggestions whose path starts with the token (then those that contain it), in document order. */
export function filterSuggestions(suggestions: readonly Suggestion[], token: string): Suggestion[] {
  const t = token.toLowerCase();
  const starts: Suggestion[] = [];
  const contains: Suggestion[] = [];
  for (const s of suggestions) {
    const p = s.path.toLowerCase();
    if (p.startsWith(t)) starts.push(s);
    else if (t.length > 1 && p.includes(t)) contains.push(s);
  }
  return [...starts, ...contains].slice(0, MAX_OPTIONS);
}

/** The syntax error of an expression, phrased for the field (without repeating the source). */
export function syntaxError(source: string): string | undefined {
  if (source.trim() === '') return undefined;
  try {
    checkExpressionSyntax(source);
    return undefined;
  } catch (err) {
    if (!(err instanceof ExpressionError)) return String(err);
    const prefix = `Expression "${source}"`;
    const rest = err.message.startsWith(prefix) ? err.message.slice(prefix.length).replace(/^:\s*/, '') : err.message;
    return `Syntax error${rest.startsWith(' at') ? rest : `: ${rest}`}`;
  }
}

function wantsList(token: string): boolean {
  const dot = token.indexOf('.');
  return dot > 0 && ROOTS.has(token.slice(0, dot));
}

export function ExpressionInput(props: ExpressionInputProps) {
  const { value, onChange, suggestions, disabled = false, multiline = false } = props;
  const autoId = useId();
  const id = props.id ?? `${autoId}-expr`;
  const listId = `${id}-list`;
  const errorId = `${id}-error`;
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState(value.length);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const pendingCaret = useRef<number | null>(null);

  const token = useMemo(() => tokenAt(value, Math.min(caret, value.length)), [value, caret]);
  const options = useMemo(() => (open ? filterSuggestions(suggestions, token.text) : []), [open, suggestions, token.text]);
  const expanded = open && options.length > 0 && !disabled;
  const activeIndex = Math.min(active, options.length - 1);

  // The syntax check trails typing slightly: React renders the keystroke first.
  const deferred = useDeferredValue(value);
  const error = useMemo(() => syntaxError(deferred), [deferred]);

  useLayoutEffect(() => {
    const at = pendingCaret.current;
    if (at === null || !ref.current) return;
    pendingCaret.current = null;
    ref.current.setSelectionRange(at, at);
  }, [value]);

  const caretOf = (el: HTMLInputElement | HTMLTextAreaElement) => el.selectionStart ?? el.value.length;

  const handleChange = (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => {
    const next = e.target.value;
    const at = caretOf(e.target);
    setCaret(at);
    setOpen(wantsList(tokenAt(next, at).text));
    setActive(0);
    onChange(next);
  };

  const accept = (index: number) => {
    const chosen = options[index];
    if (!chosen) return;
    const end = Math.min(caret, value.length);
    const next = value.slice(0, token.start) + chosen.path + value.slice(end);
    const at = token.start + chosen.path.length;
    pendingCaret.current = at;
    setCaret(at);
    setOpen(false);
    onChange(next);
  };

  const handleKeyDown = (e: KeyboardEvent<HTMLInputElement | HTMLTextAreaElement>) => {
    if (disabled) return;
    const openList = (e.key === ' ' && e.ctrlKey) || (!expanded && e.key === 'ArrowDown' && (e.altKey || !multiline));
    if (openList) {
      e.preventDefault();
      setCaret(caretOf(e.currentTarget));
      setOpen(true);
      setActive(0);
      return;
    }
    if (!expanded) return;
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        setActive((activeIndex + 1) % options.length);
        break;
      case 'ArrowUp':
        e.preventDefault();
        setActive((activeIndex - 1 + options.length) % options.length);
        break;
      case 'Enter':
      case 'Tab':
        e.preventDefault();
        accept(activeIndex);
        break;
      case 'Escape':
        // Close the list only; the panel around must not treat this Escape as its own.
        e.preventDefault();
        e.stopPropagation();
        setOpen(false);
        break;
    }
  };

  const describedBy = [props['aria-describedby'], error ? errorId : undefined].filter(Boolean).join(' ') || undefined;
  const common = {
    ref,
    id,
    role: 'combobox',
    value,
    disabled,
    placeholder: props.placeholder ?? 'e.g. nodes.fetch.body.id',
    spellCheck: false,
    autoComplete: 'off',
    autoCapitalize: 'off',
    'aria-label': props['aria-label'],
    'aria-describedby': describedBy,
    'aria-invalid': error ? true : undefined,
    'aria-required': props.required ? true : undefined,
    'aria-autocomplete': 'list' as const,
    'aria-expanded': expanded,
    'aria-controls': listId,
    'aria-activedescendant': expanded ? `${listId}-${activeIndex}` : undefined,
    className: 'expr-input',
    onChange: handleChange,
    onKeyDown: handleKeyDown,
    onSelect: (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => setCaret(caretOf(e.currentTarget)),
    onBlur: () => setOpen(false),
  };

  return (
    <div className="expr">
      <div className="expr-box">
        {multiline ? <textarea {...common} rows={3} /> : <input {...common} type="text" />}
        <ul id={listId} role="listbox" aria-label="Suggestions" className="expr-list" hidden={!expanded}>
          {expanded &&
            options.map((s, i) => (
              <li
                key={s.path}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === activeIndex}
                className={i === activeIndex ? 'active' : undefined}
                title={s.description}
                // Keep the focus (and the caret) in the field.
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => accept(i)}
              >
                <span className="expr-path">{s.path}</span>
                {s.type && <span className="expr-type">{s.type}</span>}
              </li>
            ))}
        </ul>
      </div>
      {error ? (
        <p id={errorId} className="expr-error" aria-live="polite">
          {error}
        </p>
      ) : (
        <ExpressionPreview source={value} id={`${id}-preview`} />
      )}
    </div>
  );
}
