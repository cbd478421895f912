import { lazy, Suspense, useId, useMemo, useState } from 'react';
import { CODE_ALLOWED_IMPORTS, type TestCodeStepResult } from '#core/code';
import { resolveMapping } from '#core/expressions';
import type { CodeNode } from '#core/flow';
import { api } from '../../api/client';
import { useSecrets, useTestCodeStep } from '../../api/queries';
import type { RunDetail, RunSummary } from '../../api/types';
import { useEditor } from '../../store/editor-store';
import { ErrorBox } from '../../components/error-box';
import { type EditorProps } from './shared';

// CodeMirror is only loaded when a code step is opened: the editor's initial JavaScript stays small.
const CodeSourceEditor = lazy(() => import('../code-source-editor'));

/** The code step's form: language, source, input mapping, declared secrets, and "Test this step". */
export function CodeStepEditor({ node, apply, disabled }: EditorProps<CodeNode>) {
  const id = useId();
  const update = (patch: Partial<CodeNode>) => apply([{ type: 'updateNode', nodeId: node.id, patch }]);
  const inputNames = useMemo(() => Object.keys(node.inputs), [node.inputs]);
  return (
    <>
      <div className="sf-field">
        <label htmlFor={`${id}-lang`}>Language</label>
        <select id={`${id}-lang`} value={node.language} disabled={disabled} onChange={(e) => update({ language: e.target.value as CodeNode['language'] })}>
          <option value="typescript">TypeScript</option>
          <option value="javascript">JavaScript</option>
        </select>
      </div>
      <div className="sf-field">
        <label htmlFor={`${id}-src`}>
          Source
          <span className="sf-required" aria-hidden="true">
            *
          </span>
        </label>
        <Suspense fallback={<textarea id={`${id}-src`} className="code-source-loading" value={node.source} readOnly rows={12} aria-busy="true" />}>
          <CodeSourceEditor
            id={`${id}-src`}
            value={node.source}
            language={node.language}
            inputNames={inputNames}
            secrets={node.secrets}
            disabled={disabled}
            onChange={(source) => update({ source })}
          />
        </Suspense>
        <p className="sf-help">
          <code>export default async function (input, ctx)</code>: <code>ctx.fetch</code> (1 credit per request), <code>ctx.log</code>, <code>ctx.secrets</code>
          , <code>ctx.idempotencyKey</code>. Imports: {CODE_ALLOWED_IMPORTS.join(', ')}. Types are not checked when it runs.
        </p>
      </div>
      <InputsField node={node} disabled={disabled} onChange={(inputs) => update({ inputs })} />
      <SecretsField node={node} disabled={disabled} onChange={(secrets) => update({ secrets })} />
      <TestStep node={node} />
    </>
  );
}

/** The input mapping as JSON: literals, and `{ "$expr": "trigger.data.x" }` for expressions. */
function InputsField({ node, disabled, onChange }: { node: CodeNode; disabled: boolean; onChange(inputs: Record<string, unknown>): void }) {
  const id = useId();
  const [text, setText] = useState(() => JSON.stringify(node.inputs, null, 2));
  const [error, setError] = useState<string | undefined>();
  return (
    <div className="sf-field">
      <label htmlFor={id}>Input (JSON mapping)</label>
      <textarea
        id={id}
        rows={4}
        value={text}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-help`}
        onChange={(e) => {
          setText(e.target.value);
          try {
            const parsed = JSON.parse(e.target.value) as unknown;
            if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('an object of input names');
            setError(undefined);
            onChange(parsed as Record<string, unknown>);
          } catch (err) {
            setError(err instanceof Error ? err.message : String(err));
          }
        }}
      />
      <p id={`${id}-help`} className="sf-help">
        {error ? (
          <span role="alert">Not saved: {error}</span>
        ) : (
          <>
            What the function receives as <code>input</code>; use {'{ "$expr": "trigger.data.email" }'} for expressions.
          </>
        )}
      </p>
    </div>
  );
}

/** The secrets the code may read: picked from the workspace's. */
function SecretsField({ node, disabled, onChange }: { node: CodeNode; disabled: boolean; onChange(secrets: string[]): void }) {
  const secrets = useSecrets();
  const names = [...new Set([...(secrets.data?.map((s) => s.name) ?? []), ...node.secrets])].sort();
  return (
    <fieldset className="sf-field">
      <legend>Secrets the code may read</legend>
      {secrets.isError && <ErrorBox error={secrets.error} />}
      {names.length === 0 && <p className="sf-help">{secrets.isPending ? 'Loading secrets…' : 'The workspace has no secrets yet (add them under Secrets).'}</p>}
      {names.map((name) => (
        <label key={name} className="sf-check">
          <input
            type="checkbox"
            checked={node.secrets.includes(name)}
            disabled={disabled}
            onChange={(e) => onChange(e.target.checked ? [...node.secrets, name].sort() : node.secrets.filter((s) => s !== name))}
          />{' '}
          <code>{name}</code>
        </label>
      ))}
    </fieldset>
  );
}

/** Literal inputs are the sample; an expression has no value outside a run, so it starts as null. */
function sampleOf(inputs: Record<string, unknown>): Record<string, unknown> {
  const isExpr = (v: unknown) => typeof v === 'object' && v !== null && '$expr' in v;
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, isExpr(v) ? null : v]));
}

/**
 * The step's input as the flow's last run would have given it: its `inputs` mapping resolved over that run's trigger
 * payload and node outputs (the trigger's sample or a previous run's data).
 */
async function lastRunSample(flowId: string, node: CodeNode): Promise<unknown> {
  const { runs } = await api<{ runs: RunSummary[] }>('GET', `/api/runs?flowId=${encodeURIComponent(flowId)}&limit=1`);
  const last = runs[0];
  if (!last) return undefined;
  const run = await api<RunDetail>('GET', `/api/runs/${encodeURIComponent(last.id)}`);
  const nodes = Object.fromEntries(run.nodes.filter((n) => n.key === n.nodeId).map((n) => [n.nodeId, n.output]));
  return resolveMapping(node.inputs, { trigger: run.trigger, nodes });
}

/** "Test this step": runs the code once in test mode with a sample input; shows output, logs, errors, credits. */
function TestStep({ node }: { node: CodeNode }) {
  const id = useId();
  const flowId = useEditor((s) => s.flowId);
  const [sample, setSample] = useState(() => JSON.stringify(sampleOf(node.inputs), null, 2));
  const [sampleError, setSampleError] = useState<string | undefined>();
  const [sampleNote, setSampleNote] = useState<string | undefined>();
  const fromLastRun = async () => {
    setSampleNote(undefined);
    try {
      const input = flowId ? await lastRunSample(flowId, node) : undefined;
      if (input === undefined) setSampleNote('This flow has no run yet: send an event or start a test run first.');
      else setSample(JSON.stringify(input, null, 2));
    } catch (err) {
      setSampleNote(`Could not use the last run: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const test = useTestCodeStep();
  const run = () => {
    let input: unknown;
    try {
      input = JSON.parse(sample);
      setSampleError(undefined);
    } catch (err) {
      setSampleError(err instanceof Error ? err.message : String(err));
      return;
    }
    test.mutate({
      nodeId: node.id,
      source: node.source,
      language: node.language,
      input,
      secrets: node.secrets,
      ...(node.limits ? { limits: node.limits } : {}),
    });
  };
  return (
    <section className="code-test" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Test this step</h3>
      <label htmlFor={`${id}-sample`}>Sample input (JSON)</label>
      <textarea id={`${id}-sample`} rows={4} value={sample} onChange={(e) => setSample(e.target.value)} aria-invalid={sampleError ? true : undefined} />
      {sampleError && <p role="alert">The sample is not JSON: {sampleError}</p>}
      <button type="button" className="link-button" onClick={() => void fromLastRun()}>
        Use the last run&apos;s data
      </button>
      {sampleNote && <p className="sf-help">{sampleNote}</p>}
      <button type="button" onClick={run} disabled={test.isPending}>
        {test.isPending ? 'Testing…' : 'Test this step'}
      </button>
      <p className="sf-help">Runs once in test mode: test secret values, no live credits.</p>
      {test.isError && <ErrorBox error={test.error} />}
      {test.data && <TestResult result={test.data} />}
    </section>
  );
}

function TestResult({ result }: { result: TestCodeStepResult }) {
  return (
    <div className="code-test-result" aria-label="Test result">
      <p>
        {result.ok ? <span className="status succeeded">succeeded</span> : <span className="status failed">failed</span>} in {result.ms} ms ·{' '}
        <span className="code-test-credits">
          {result.credits} credit{result.credits === 1 ? '' : 's'}
        </span>{' '}
        in a live run
      </p>
      {result.ok ? (
        <>
          <h4>Output</h4>
          <pre className="code-test-output">{JSON.stringify(result.output, null, 2)}</pre>
        </>
      ) : (
        <pre role="alert" className="error-box code-test-error">
          {result.error.message}
        </pre>
      )}
      <h4>Logs</h4>
      {result.logs.length === 0 ? <p className="sf-help">Nothing logged.</p> : <pre className="code-test-logs">{result.logs.join('\n')}</pre>}
    </div>
  );
}
