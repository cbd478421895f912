import { useId } from 'react';
import type { ActionNode } from '#core/flow';
import { useTestStep } from '../api/queries';
import type { TestStepAnswer } from '../api/types';
import { ErrorBox } from '../components/error-box';
import { JsonView } from '../components/json-view';
import { useEditor } from '../store/editor-store';
import type { Apply } from './forms/shared';

/**
 * "Test this step" for an action: runs it once in test mode against the sample data (the trigger's pinned data, the
 * outputs of steps tested or pinned before it), shows the input it resolved and the output, error and credits, and can
 * pin the output as the sample later steps read.
 */
export function TestStepSection({ node, apply, disabled }: { node: ActionNode; apply: Apply; disabled: boolean }) {
  const id = useId();
  const flowId = useEditor((s) => s.flowId);
  const pinned = useEditor((s) => s.doc?.pinned?.[node.id]);
  const setTestOutput = useEditor((s) => s.setTestOutput);
  const test = useTestStep(flowId ?? '');
  const run = () => {
    const { doc, testOutputs } = useEditor.getState();
    if (!doc) return;
    test.mutate(
      { nodeId: node.id, document: doc, outputs: testOutputs },
      {
        onSuccess: (r) => {
          if (r.ok) setTestOutput(node.id, r.output);
        },
      },
    );
  };
  const pin = (data: unknown) => apply([{ type: 'pinData', nodeId: node.id, data }]);
  return (
    <section className="np-section step-test" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Test this step</h3>
      <p className="sf-help">Runs once in test mode (test secret values, or the sandbox), reading the trigger&apos;s sample data and the steps before it.</p>
      <button type="button" onClick={run} disabled={disabled || test.isPending || !flowId}>
        {test.isPending ? 'Testing…' : 'Test this step'}
      </button>
      {test.isError && <ErrorBox error={test.error} />}
      {test.data && <StepResult result={test.data} onPin={disabled ? undefined : pin} />}
      {pinned !== undefined && (
        <div className="step-pinned" aria-label="Pinned output">
          <JsonView label="Pinned output (what later steps read when tested)" value={pinned} open={false} />
          {!disabled && (
            <button type="button" className="link-button" onClick={() => pin(undefined)}>
              Unpin
            </button>
          )}
        </div>
      )}
    </section>
  );
}

function StepResult({ result, onPin }: { result: TestStepAnswer; onPin: ((data: unknown) => void) | undefined }) {
  return (
    <div className="step-test-result" aria-label="Test result" role="status">
      <p>
        {result.ok ? <span className="status succeeded">succeeded</span> : <span className="status failed">failed</span>} in {result.ms} ms · {result.credits}{' '}
        credit{result.credits === 1 ? '' : 's'} at list price (test runs are not charged)
        {result.ok && result.simulated ? ' · simulated: no test value, so the sandbox answered' : ''}
      </p>
      <JsonView label="Input" value={result.input} open={false} />
      {result.ok ? (
        <>
          <JsonView label="Output" value={result.output} open />
          {onPin && (
            <button type="button" onClick={() => onPin(result.output)}>
              Pin this output
            </button>
          )}
        </>
      ) : (
        <pre role="alert" className="error-box">
          {result.error.message}
        </pre>
      )}
    </div>
  );
}
