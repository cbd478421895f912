import { useId } from 'react';
import type { ActionInfo, RetryPolicy } from '#core/catalog-sdk';
import type { ActionNode } from '#core/flow';
import type { FlowOperation } from '#core/operations';
import type { FlowProblem } from '#core/validate';
import { DurationInput, NumberInput } from '../controls';
import { SchemaForm } from '../schema-form';
import { SecretPicker, SetupSection } from '../secret-picker';
import { ConnectionPicker } from '../connection-picker';
import { TestStepSection } from '../test-step';
import { DEFAULT_ACTION_RETRY, DEFAULT_ACTION_TIMEOUT } from '#core/run';
import { inputErrors, useStableJson, type Apply, type EditorProps, type Located } from './shared';

/** The worker's defaults when neither the node nor the catalog sets them (worker/src/workflows/run-flow.workflow.ts). */
export const PLATFORM_RETRY = DEFAULT_ACTION_RETRY;

export const PLATFORM_TIMEOUT = DEFAULT_ACTION_TIMEOUT;

export function ActionEditor({
  node,
  info,
  problems,
  located,
  apply,
  disabled,
  suggestions,
}: EditorProps<ActionNode> & { info: ActionInfo | undefined; problems: FlowProblem[]; located: Located }) {
  const errors = useStableJson(inputErrors(problems));
  const onChange = (input: string, value: unknown) => {
    if (value !== undefined) apply([{ type: 'updateInput', nodeId: node.id, input, value }]);
    else if (input in node.inputs) apply([{ type: 'removeInput', nodeId: node.id, input }]);
  };
  if (!info) {
    return (
      <p className="field-hint-error">
        The action <code>{node.action}</code> is not in the catalog. Replace this node with one from the palette.
      </p>
    );
  }
  return (
    <>
      <p className="sf-help">{info.description}</p>
      <SetupSection integration={info.integration} />
      <section className="np-section" aria-label="Inputs">
        <h3>Inputs</h3>
        <SchemaForm
          schema={info.inputSchema}
          value={node.inputs}
          onChange={onChange}
          disabled={disabled}
          suggestions={suggestions}
          errors={errors}
          SecretField={SecretPicker}
          ConnectionField={ConnectionPicker}
        />
      </section>
      <TestStepSection node={node} apply={apply} disabled={disabled} />
      <RetrySection node={node} info={info} located={located} apply={apply} disabled={disabled} />
    </>
  );
}

export function RetrySection({
  node,
  info,
  located,
  apply,
  disabled,
}: {
  node: ActionNode;
  info: ActionInfo;
  located: Located;
  apply: Apply;
  disabled: boolean;
}) {
  const id = useId();
  const defaults = { ...PLATFORM_RETRY, ...info.retry };
  const retry = node.retry ?? {};
  const setRetry = <K extends keyof RetryPolicy>(key: K, value: RetryPolicy[K] | undefined) => {
    const next: RetryPolicy = { ...retry };
    if (value === undefined) delete next[key];
    else next[key] = value;
    apply([{ type: 'updateNode', nodeId: node.id, patch: { retry: Object.keys(next).length > 0 ? next : undefined } }]);
  };
  const setOnError = (mode: string) => {
    const ops: FlowOperation[] = [{ type: 'updateNode', nodeId: node.id, patch: { onError: mode === 'branch' || mode === 'fail' ? mode : undefined } }];
    // Without the error branch the node's `error` edges would be invalid: they go in the same undo step.
    if (mode !== 'branch') {
      const parent = located.parentId ? { parentId: located.parentId } : {};
      for (const edge of located.graph.edges) if (edge.from === node.id && edge.branch === 'error') ops.push({ type: 'disconnect', edge, ...parent });
    }
    apply(ops);
  };
  return (
    <fieldset className="sf-group np-section">
      <legend>Retries and timeout</legend>
      <p className="sf-help">Empty fields use the action&apos;s defaults, shown in grey.</p>
      <div className="sf-field">
        <label htmlFor={`${id}-attempts`}>Maximum attempts</label>
        <NumberInput
          id={`${id}-attempts`}
          integer
          min={1}
          max={1000}
          value={retry.maximumAttempts}
          placeholder={String(defaults.maximumAttempts)}
          disabled={disabled}
          onChange={(v) => setRetry('maximumAttempts', v)}
        />
      </div>
      <div className="sf-field">
        <label htmlFor={`${id}-initial`}>Initial interval</label>
        <DurationInput
          id={`${id}-initial`}
          value={retry.initialInterval}
          placeholder={String(defaults.initialInterval)}
          disabled={disabled}
          onChange={(v) => setRetry('initialInterval', v)}
        />
      </div>
      <div className="sf-field">
        <label htmlFor={`${id}-backoff`}>Backoff coefficient</label>
        <NumberInput
          id={`${id}-backoff`}
          min={1}
          max={100}
          value={retry.backoffCoefficient}
          placeholder={String(defaults.backoffCoefficient)}
          disabled={disabled}
          onChange={(v) => setRetry('backoffCoefficient', v)}
        />
      </div>
      <div className="sf-field">
        <label htmlFor={`${id}-max`}>Maximum interval</label>
        <DurationInput
          id={`${id}-max`}
          value={retry.maximumInterval}
          placeholder={String(defaults.maximumInterval)}
          disabled={disabled}
          onChange={(v) => setRetry('maximumInterval', v)}
        />
      </div>
      <div className="sf-field">
        <label htmlFor={`${id}-timeout`}>Timeout of one attempt</label>
        <DurationInput
          id={`${id}-timeout`}
          value={node.timeout}
          placeholder={info.timeout ?? PLATFORM_TIMEOUT}
          disabled={disabled}
          onChange={(v) => apply([{ type: 'updateNode', nodeId: node.id, patch: { timeout: v } }])}
        />
      </div>
      <div className="sf-field">
        <label htmlFor={`${id}-onerror`}>When all attempts fail</label>
        <select
          id={`${id}-onerror`}
          value={node.onError ?? 'pause'}
          disabled={disabled}
          aria-describedby={`${id}-onerror-help`}
          onChange={(e) => setOnError(e.target.value)}
        >
          <option value="pause">Pause the run and wait for me (retry, skip or abort)</option>
          <option value="branch">Follow the error branch</option>
          <option value="fail">Fail the run</option>
        </select>
        <p id={`${id}-onerror-help`} className="sf-help">
          {node.onError === 'branch' ? (
            <>
              Connect the node&apos;s <code>error</code> edge; the next nodes read <code>nodes.{node.id}.error</code>.
            </>
          ) : node.onError === 'fail' ? (
            'The run stops with this node’s error; it can be retried later from this step.'
          ) : (
            'The node is parked with its error; the rest of the run goes on, and you decide in the run view. It gives up after 7 days.'
          )}
        </p>
      </div>
    </fieldset>
  );
}
