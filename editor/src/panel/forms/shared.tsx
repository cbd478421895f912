import { useId, useMemo, type ReactNode } from 'react';
import type { FlowGraph, FlowNode } from '#core/flow';
import type { FlowOperation } from '#core/operations';
import type { FlowProblem } from '#core/validate';
import { type Suggestion } from '../../graph/suggestions';
import { ExpressionInput } from '../expression-input';

export type Apply = (ops: FlowOperation[]) => string | undefined;

export interface Located {
  node: FlowNode;
  graph: FlowGraph;
  parentId?: string;
}

export interface EditorProps<N extends FlowNode> {
  node: N;
  apply: Apply;
  disabled: boolean;
  suggestions: readonly Suggestion[];
}

export function inputErrors(problems: FlowProblem[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of problems) {
    if (!p.field?.startsWith('inputs.')) continue;
    const key = p.field.slice('inputs.'.length);
    (out[key] ??= []).push(p.message);
  }
  return out;
}

export function ExpressionField(props: {
  label: string;
  value: string;
  onChange(v: string): void;
  disabled: boolean;
  suggestions: readonly Suggestion[];
  help?: ReactNode;
  multiline?: boolean;
}) {
  const id = useId();
  return (
    <div className="sf-field">
      <label htmlFor={id}>
        {props.label}
        <span className="sf-required" aria-hidden="true">
          *
        </span>
      </label>
      <ExpressionInput
        id={id}
        value={props.value}
        onChange={props.onChange}
        suggestions={props.suggestions}
        disabled={props.disabled}
        multiline={props.multiline}
        required
        aria-describedby={props.help ? `${id}-help` : undefined}
      />
      {props.value.trim() === '' && <p className="field-hint-error">Enter an expression</p>}
      {props.help && (
        <p id={`${id}-help`} className="sf-help">
          {props.help}
        </p>
      )}
    </div>
  );
}

/** Keeps the previous reference while the content is the same (suggestions are recomputed on every edit). */
export function useStableJson<T>(value: T): T {
  const key = JSON.stringify(value);
  // Keyed by content on purpose: a new array with the same content keeps the old reference.
  return useMemo(() => value, [key]);
}
