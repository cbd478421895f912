import { createContext, useContext, useDeferredValue, useEffect, useState } from 'react';
import { evaluateExpression, type ExpressionScope } from '#core/expressions';

/**
 * The sample data the selected step's expressions are previewed against (core's sampleScope: pinned samples and
 * Test this step outputs), provided by the node panel; none when there is no sample yet.
 */
export const PreviewScope = createContext<ExpressionScope | undefined>(undefined);

type Preview = { value: unknown } | { error: string } | undefined;

/** The value of an expression against the sample scope, evaluated as typing settles (JSONata, as in a run). */
export function useExpressionPreview(source: string): Preview {
  const scope = useContext(PreviewScope);
  const deferred = useDeferredValue(source);
  const [preview, setPreview] = useState<Preview>(undefined);
  useEffect(() => {
    if (!scope || !deferred.trim()) {
      setPreview(undefined);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      evaluateExpression(deferred, scope).then(
        (value) => current && setPreview({ value }),
        (err: unknown) => current && setPreview({ error: err instanceof Error ? err.message : String(err) }),
      );
    }, 150);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [deferred, scope]);
  return preview;
}

/** One line under an expression field: `Preview: "Ada"` (or why it has no value), against the sample data. */
export function ExpressionPreview({ source, id }: { source: string; id: string }) {
  const preview = useExpressionPreview(source);
  if (!preview) return null;
  const text =
    'error' in preview ? preview.error : preview.value === undefined ? 'no value (the path is not in the sample)' : clip(JSON.stringify(preview.value));
  return (
    <p id={id} className={`expr-preview${'error' in preview ? ' bad' : ''}`} aria-live="polite">
      <span className="expr-preview-label">Preview</span> <code>{text}</code>
    </p>
  );
}

const clip = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);
