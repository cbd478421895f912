import { useCallback, useId, useMemo, useState, type ReactNode } from 'react';
import type { ActionInfo, RetryPolicy } from '../../../core/src/catalog-sdk';
import type {
  ActionNode,
  ConditionNode,
  DelayNode,
  EndNode,
  FlowDocument,
  FlowEdge,
  FlowGraph,
  FlowNode,
  FlowTrigger,
  ForEachNode,
  SwitchNode,
} from '../../../core/src/flow';
import { TRIGGER_ID, walkNodes } from '../../../core/src/graph';
import type { FlowOperation } from '../../../core/src/operations';
import type { FlowProblem } from '../../../core/src/validate';
import { expressionSuggestions, type Suggestion } from '../graph/suggestions';
import { useEditor } from '../store/editor-store';
import { DurationInput, JsonTextarea, NumberInput } from './controls';
import { ExpressionInput } from './expression-input';
import { SchemaForm } from './schema-form';
import { SecretPicker, SetupSection } from './secret-picker';
import { WaitForWebhookEditor, WebhookTriggerFields } from './webhook-fields';
import { DEFAULT_ACTION_RETRY, DEFAULT_ACTION_TIMEOUT } from '../../../core/src/run';

/**
 * The configuration panel of the selected node (`nodeId` 'trigger' edits the trigger). Every edit is a
 * typed operation applied through the editor store, so it is one undo step and re-validated at once.
 */

/** The worker's defaults when neither the node nor the catalog sets them (worker/src/workflows/run-flow.workflow.ts). */
const PLATFORM_RETRY = DEFAULT_ACTION_RETRY;
const PLATFORM_TIMEOUT = DEFAULT_ACTION_TIMEOUT;

const KIND_LABELS: Record<FlowNode['type'] | 'trigger', string> = {
  trigger: 'Trigger',
  action: 'Action',
  condition: 'Condition',
  switch: 'Switch',
  delay: 'Delay',
  waitForWebhook: 'Wait for webhook',
  forEach: 'For each',
  end: 'End',
};

type Apply = (ops: FlowOperation[]) => string | undefined;

interface Located {
  node: FlowNode;
  graph: FlowGraph;
  parentId?: string;
}

function locate(doc: FlowDocument, id: string): Located | undefined {
  for (const w of walkNodes(doc)) if (w.node.id === id) return { node: w.node, graph: w.graph, ...(w.parent ? { parentId: w.parent.id } : {}) };
  return undefined;
}

/** Keeps the previous reference while the content is the same (suggestions are recomputed on every edit). */
function useStableJson<T>(value: T): T {
  const key = JSON.stringify(value);
  // Keyed by content on purpose: a new array with the same content keeps the old reference.
  return useMemo(() => value, [key]);
}

export function NodePanel({ nodeId }: { nodeId: string }) {
  const doc = useEditor((s) => s.doc);
  if (!doc) return <p className="empty">No flow is open.</p>;
  // A new node starts with fresh drafts.
  return <NodePanelBody key={nodeId} nodeId={nodeId} doc={doc} />;
}

function NodePanelBody({ nodeId, doc }: { nodeId: string; doc: FlowDocument }) {
  const actions = useEditor((s) => s.actions);
  const problems = useEditor((s) => s.problems);
  const readOnly = useEditor((s) => s.readOnly);
  const storeApply = useEditor((s) => s.apply);
  const flowId = useEditor((s) => s.flowId);
  const [error, setError] = useState<string | undefined>();
  const apply = useCallback<Apply>(
    (ops) => {
      const err = storeApply(ops);
      setError(err);
      return err;
    },
    [storeApply],
  );
  const titleId = useId();
  const isTrigger = nodeId === TRIGGER_ID;
  const located = isTrigger ? undefined : locate(doc, nodeId);
  const nodeProblems = useStableJson(problems.filter((p) => (isTrigger ? p.nodeId === undefined : p.nodeId === nodeId)));
  const exists = located !== undefined;
  const suggestions = useStableJson(useMemo(() => (exists ? expressionSuggestions(doc, nodeId, actions) : []), [doc, nodeId, actions, exists]));

  if (!isTrigger && !located) {
    return (
      <aside className="np" aria-label="Node settings">
        <p className="empty">
          There is no node <code>{nodeId}</code> in this flow.
        </p>
      </aside>
    );
  }

  const node = located?.node;
  const info = node?.type === 'action' ? actions.find((a) => a.ref === node.action) : undefined;
  let body: ReactNode;
  if (!node) body = <TriggerEditor trigger={doc.trigger} apply={apply} disabled={readOnly} flowId={flowId} />;
  else {
    const props = { apply, disabled: readOnly, suggestions };
    switch (node.type) {
      case 'action':
        body = <ActionEditor node={node} info={info} problems={nodeProblems} located={located!} {...props} />;
        break;
      case 'condition':
        body = <ConditionEditor node={node} {...props} />;
        break;
      case 'switch':
        body = <SwitchEditor node={node} located={located!} {...props} />;
        break;
      case 'delay':
        body = <DelayEditor node={node} {...props} />;
        break;
      case 'waitForWebhook':
        body = <WaitForWebhookEditor node={node} {...props} />;
        break;
      case 'forEach':
        body = <ForEachEditor node={node} {...props} />;
        break;
      case 'end':
        body = <EndEditor node={node} {...props} />;
        break;
    }
  }

  return (
    <aside className="np" aria-labelledby={titleId}>
      <header className="np-head">
        <h2 id={titleId}>
          <code>{nodeId}</code> <span className="np-kind">{KIND_LABELS[node?.type ?? 'trigger']}</span>
        </h2>
        {info && (
          <p className="np-action">
            {info.title} <code>{info.ref}</code>
          </p>
        )}
        {node && <LabelField node={node} apply={apply} disabled={readOnly} />}
        {readOnly && <p className="sf-help">Read-only: this version cannot be changed.</p>}
      </header>
      {nodeProblems.length > 0 && <ProblemList problems={nodeProblems} />}
      {error && (
        <p role="alert" className="error-box">
          {error}
        </p>
      )}
      {/* A disabled fieldset also disables every control inside it, whatever its own props say. */}
      <fieldset className="np-body" disabled={readOnly}>
        <legend className="sr-only">Settings of {nodeId}</legend>
        {body}
      </fieldset>
    </aside>
  );
}

function LabelField({ node, apply, disabled }: { node: FlowNode; apply: Apply; disabled: boolean }) {
  const id = useId();
  return (
    <div className="sf-field">
      <label htmlFor={id}>Label</label>
      <input
        id={id}
        type="text"
        value={node.label ?? ''}
        placeholder={node.id}
        maxLength={200}
        disabled={disabled}
        onChange={(e) => apply([{ type: 'updateNode', nodeId: node.id, patch: { label: e.target.value === '' ? undefined : e.target.value } }])}
      />
    </div>
  );
}

function ProblemList({ problems }: { problems: FlowProblem[] }) {
  const id = useId();
  return (
    <section className="np-problems" aria-labelledby={id}>
      <h3 id={id}>
        {problems.length} {problems.length === 1 ? 'problem' : 'problems'}
      </h3>
      <ul>
        {problems.map((p, i) => (
          <li key={i}>
            {p.field && <code className="np-problem-field">{p.field}</code>} {p.message}
          </li>
        ))}
      </ul>
    </section>
  );
}

// ---------------------------------------------------------------------------------------------------
// Trigger

const EVENT_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;

function cronIssue(cron: string): string | undefined {
  const t = cron.trim();
  if (t === '') return 'Enter a cron expression';
  if (t.startsWith('@')) return undefined;
  const fields = t.split(/\s+/).length;
  return fields === 5 || fields === 6 ? undefined : 'Five fields: minute hour day-of-month month day-of-week, e.g. "0 9 * * 1-5"';
}

const TIME_ZONES: string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];

function TriggerEditor({ trigger, apply, disabled, flowId }: { trigger: FlowTrigger; apply: Apply; disabled: boolean; flowId: string | null }) {
  const id = useId();
  // What the other trigger types held, so switching back and forth loses nothing.
  const [memory, setMemory] = useState({
    event: trigger.type === 'event' ? trigger.event : 'user.signed_up',
    cron: trigger.type === 'schedule' ? trigger.cron : '0 9 * * *',
    timezone: trigger.type === 'schedule' ? (trigger.timezone ?? '') : '',
    webhook: trigger.type === 'webhook' ? trigger : ({ type: 'webhook', source: 'stripe' } as FlowTrigger),
  });
  const set = (next: FlowTrigger) => {
    if (next.type === 'event') setMemory((m) => ({ ...m, event: next.event }));
    if (next.type === 'schedule') setMemory((m) => ({ ...m, cron: next.cron, timezone: next.timezone ?? '' }));
    if (next.type === 'webhook') setMemory((m) => ({ ...m, webhook: next }));
    apply([{ type: 'setTrigger', trigger: next }]);
  };
  const schedule = (cron: string, timezone: string): FlowTrigger => ({ type: 'schedule', cron, ...(timezone ? { timezone } : {}) });
  const eventIssue = trigger.type === 'event' && !EVENT_PATTERN.test(trigger.event) ? 'Letters, digits and . _ : - (e.g. user.signed_up)' : undefined;
  const cronProblem = trigger.type === 'schedule' ? cronIssue(trigger.cron) : undefined;

  return (
    <>
      <div className="sf-field">
        <label htmlFor={`${id}-type`}>Starts on</label>
        <select
          id={`${id}-type`}
          value={trigger.type}
          disabled={disabled}
          onChange={(e) => {
            const type = e.target.value as FlowTrigger['type'];
            set(
              type === 'event'
                ? { type, event: memory.event }
                : type === 'manual'
                  ? { type }
                  : type === 'webhook'
                    ? memory.webhook
                    : schedule(memory.cron, memory.timezone),
            );
          }}
        >
          <option value="event">An app event</option>
          <option value="manual">Manual start</option>
          <option value="schedule">A schedule</option>
          <option value="webhook">A webhook</option>
        </select>
      </div>
      {trigger.type === 'webhook' && <WebhookTriggerFields trigger={trigger} flowId={flowId} onChange={set} disabled={disabled} />}
      {trigger.type === 'event' && (
        <div className="sf-field">
          <label htmlFor={`${id}-event`}>
            Event name
            <span className="sf-required" aria-hidden="true">
              *
            </span>
          </label>
          <input
            id={`${id}-event`}
            type="text"
            value={trigger.event}
            placeholder="user.signed_up"
            disabled={disabled}
            aria-required
            aria-invalid={eventIssue ? true : undefined}
            aria-describedby={`${id}-event-help`}
            onChange={(e) => set({ type: 'event', event: e.target.value })}
          />
          <p id={`${id}-event-help`} className={eventIssue ? 'field-hint-error' : 'sf-help'}>
            {eventIssue ?? (
              <>
                Your app sends it with <code>POST /v1/events</code>; the flow reads its data as <code>trigger.data</code>.
              </>
            )}
          </p>
        </div>
      )}
      {trigger.type === 'manual' && <p className="sf-help">Started by hand from the editor or through the API.</p>}
      {trigger.type === 'schedule' && (
        <>
          <div className="sf-field">
            <label htmlFor={`${id}-cron`}>
              Cron
              <span className="sf-required" aria-hidden="true">
                *
              </span>
            </label>
            <input
              id={`${id}-cron`}
              type="text"
              value={trigger.cron}
              placeholder="0 9 * * 1-5"
              disabled={disabled}
              spellCheck={false}
              aria-required
              aria-invalid={cronProblem ? true : undefined}
              aria-describedby={`${id}-cron-help`}
              onChange={(e) => set(schedule(e.target.value, trigger.timezone ?? ''))}
            />
            <p id={`${id}-cron-help`} className={cronProblem ? 'field-hint-error' : 'sf-help'}>
              {cronProblem ?? 'minute hour day-of-month month day-of-week'}
            </p>
          </div>
          <div className="sf-field">
            <label htmlFor={`${id}-tz`}>Time zone</label>
            <input
              id={`${id}-tz`}
              type="text"
              list={`${id}-tz-list`}
              value={trigger.timezone ?? ''}
              placeholder="UTC"
              disabled={disabled}
              onChange={(e) => set(schedule(trigger.cron, e.target.value))}
            />
            <datalist id={`${id}-tz-list`}>
              {TIME_ZONES.map((tz) => (
                <option key={tz} value={tz} />
              ))}
            </datalist>
          </div>
        </>
      )}
    </>
  );
}

// ---------------------------------------------------------------------------------------------------
// Nodes

interface EditorProps<N extends FlowNode> {
  node: N;
  apply: Apply;
  disabled: boolean;
  suggestions: readonly Suggestion[];
}

function inputErrors(problems: FlowProblem[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of problems) {
    if (!p.field?.startsWith('inputs.')) continue;
    const key = p.field.slice('inputs.'.length);
    (out[key] ??= []).push(p.message);
  }
  return out;
}

function ActionEditor({
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
        />
      </section>
      <RetrySection node={node} info={info} located={located} apply={apply} disabled={disabled} />
    </>
  );
}

function RetrySection({ node, info, located, apply, disabled }: { node: ActionNode; info: ActionInfo; located: Located; apply: Apply; disabled: boolean }) {
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

function ExpressionField(props: {
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

function ConditionEditor({ node, apply, disabled, suggestions }: EditorProps<ConditionNode>) {
  return (
    <ExpressionField
      label="Condition"
      value={node.condition}
      disabled={disabled}
      suggestions={suggestions}
      onChange={(condition) => apply([{ type: 'updateNode', nodeId: node.id, patch: { condition } }])}
      help={
        <>
          When true the run follows the <code>true</code> edge, else the <code>false</code> edge. E.g. <code>nodes.fetch.status = 200</code>
        </>
      }
    />
  );
}

function SwitchEditor({ node, located, apply, disabled, suggestions }: EditorProps<SwitchNode> & { located: Located }) {
  const id = useId();
  const parent = located.parentId ? { parentId: located.parentId } : {};
  const edgesWith = (branch: string): FlowEdge[] => located.graph.edges.filter((e) => e.from === node.id && e.branch === branch);

  const rename = (index: number, to: string) => {
    const from = node.cases[index]!;
    const cases = node.cases.map((c, i) => (i === index ? to : c));
    // The case's edges follow it, in the same undo step.
    const moves = edgesWith(from).flatMap((edge): FlowOperation[] => [
      { type: 'disconnect', edge, ...parent },
      { type: 'connect', edge: { ...edge, branch: to }, ...parent },
    ]);
    apply([{ type: 'updateNode', nodeId: node.id, patch: { cases } }, ...moves]);
  };
  const remove = (index: number) => {
    const gone = node.cases[index]!;
    const cases = node.cases.filter((_, i) => i !== index);
    apply([
      { type: 'updateNode', nodeId: node.id, patch: { cases } },
      ...edgesWith(gone).map((edge): FlowOperation => ({ type: 'disconnect', edge, ...parent })),
    ]);
  };
  const add = () => {
    let n = node.cases.length + 1;
    while (node.cases.includes(`case${n}`)) n++;
    apply([{ type: 'updateNode', nodeId: node.id, patch: { cases: [...node.cases, `case${n}`] } }]);
  };

  return (
    <>
      <ExpressionField
        label="Value"
        value={node.value}
        disabled={disabled}
        suggestions={suggestions}
        onChange={(value) => apply([{ type: 'updateNode', nodeId: node.id, patch: { value } }])}
        help="Its text picks the edge of the matching case, else the default edge."
      />
      <fieldset className="sf-group" aria-describedby={`${id}-help`}>
        <legend>Cases</legend>
        <p id={`${id}-help`} className="sf-help">
          Each case is a branch; a renamed case keeps its edge. Values that match no case take <code>default</code>.
        </p>
        {node.cases.map((c, i) => (
          <CaseRow
            key={i}
            index={i}
            value={c}
            others={node.cases.filter((_, j) => j !== i)}
            disabled={disabled}
            canRemove={node.cases.length > 1}
            onRename={(to) => rename(i, to)}
            onRemove={() => remove(i)}
          />
        ))}
        <button type="button" className="sf-add" disabled={disabled || node.cases.length >= 50} onClick={add}>
          Add case
        </button>
      </fieldset>
    </>
  );
}

/** A case name is committed when the field is left or Enter is pressed: a half-typed name must not move edges. */
function CaseRow(props: {
  index: number;
  value: string;
  others: string[];
  disabled: boolean;
  canRemove: boolean;
  onRename(to: string): void;
  onRemove(): void;
}) {
  const { index, value } = props;
  const id = useId();
  const [draft, setDraft] = useState(value);
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    setSeen(value);
    setDraft(value);
  }
  const issue =
    draft === ''
      ? 'A case needs a value'
      : draft === 'default'
        ? '"default" is the branch for values that match no case'
        : props.others.includes(draft)
          ? 'Another case has this value'
          : draft.length > 100
            ? 'At most 100 characters'
            : undefined;
  const commit = () => {
    if (!issue && draft !== value) props.onRename(draft);
  };
  return (
    <div className="sf-row">
      <div className="sf-row-value">
        <input
          id={id}
          type="text"
          value={draft}
          disabled={props.disabled}
          aria-label={`Case ${index + 1}`}
          aria-invalid={issue ? true : undefined}
          aria-describedby={issue ? `${id}-issue` : undefined}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit();
            if (e.key === 'Escape') setDraft(value);
          }}
        />
        {issue && (
          <p id={`${id}-issue`} className="field-hint-error">
            {issue}
          </p>
        )}
      </div>
      <button type="button" className="sf-remove" disabled={props.disabled || !props.canRemove} aria-label={`Remove case ${value}`} onClick={props.onRemove}>
        ×
      </button>
    </div>
  );
}

function DelayEditor({ node, apply, disabled }: EditorProps<DelayNode>) {
  const id = useId();
  return (
    <div className="sf-field">
      <label htmlFor={id}>
        Duration
        <span className="sf-required" aria-hidden="true">
          *
        </span>
      </label>
      <DurationInput
        id={id}
        value={node.duration}
        required
        disabled={disabled}
        aria-describedby={`${id}-help`}
        onChange={(duration) => {
          if (duration !== undefined) apply([{ type: 'updateNode', nodeId: node.id, patch: { duration } }]);
        }}
      />
      <p id={`${id}-help`} className="sf-help">
        E.g. <code>30s</code>, <code>5m</code>, <code>1h</code>, <code>1d</code>. The wait is durable: it survives restarts.
      </p>
    </div>
  );
}

function ForEachEditor({ node, apply, disabled, suggestions }: EditorProps<ForEachNode>) {
  const id = useId();
  return (
    <>
      <ExpressionField
        label="Items"
        value={node.items}
        disabled={disabled}
        suggestions={suggestions}
        onChange={(items) => apply([{ type: 'updateNode', nodeId: node.id, patch: { items } }])}
        help={
          <>
            A list; the steps inside run once per item and read <code>item</code> and <code>index</code>.
          </>
        }
      />
      <div className="sf-field">
        <label htmlFor={id}>Concurrency</label>
        <NumberInput
          id={id}
          integer
          min={1}
          max={100}
          required
          value={node.concurrency}
          placeholder="1"
          disabled={disabled}
          aria-describedby={`${id}-help`}
          onChange={(concurrency) => {
            if (concurrency !== undefined) apply([{ type: 'updateNode', nodeId: node.id, patch: { concurrency } }]);
          }}
        />
        <p id={`${id}-help`} className="sf-help">
          How many items run at once (1 to 100).
        </p>
      </div>
    </>
  );
}

function EndEditor({ node, apply, disabled, suggestions }: EditorProps<EndNode>) {
  const id = useId();
  const roots = suggestions.filter((s) => s.path.split('.').length === 2).slice(0, 8);
  return (
    <div className="sf-field">
      <label htmlFor={id}>Output</label>
      <JsonTextarea
        id={id}
        rows={8}
        value={node.output}
        disabled={disabled}
        placeholder={'{\n  "id": { "$expr": "nodes.fetch.body.id" }\n}'}
        aria-describedby={`${id}-help`}
        onChange={(output) => apply([{ type: 'updateNode', nodeId: node.id, patch: { output } }])}
      />
      <p id={`${id}-help`} className="sf-help">
        JSON; <code>{'{ "$expr": "…" }'}</code> anywhere is an expression, <code>{'{ "$literal": … }'}</code> keeps a value as is. Empty: the run&apos;s output
        is every node&apos;s output.
        {roots.length > 0 && (
          <>
            {' '}
            Available:{' '}
            {roots.map((s, i) => (
              <span key={s.path}>
                {i > 0 && ', '}
                <code>{s.path}</code>
              </span>
            ))}
          </>
        )}
      </p>
    </div>
  );
}
