import { createContext, memo, useCallback, useContext, useId, useMemo, useRef, useState, type ComponentType, type ReactNode } from 'react';
import type { JsonSchema } from '#core/catalog-sdk';
import { isExpr } from '#core/expressions';
import type { Suggestion } from '../graph/suggestions';
import { JsonTextarea, NumberInput } from './controls';
import { ExpressionInput } from './expression-input';
import {
  MAX_DEPTH,
  isPlainObject,
  isLiteralWrap,
  resolveRef,
  normalizeSchema,
  variantsOf,
  schemaKind,
  discriminatorOf,
  discriminatorValue,
  fits,
  isScalarUnion,
  emptyValue,
  mappingToExpression,
  expressionToLiteral,
  fieldLabel,
  isConnectionField,
  isSecretNameField,
  stringIssue,
  isLongString,
  placeholderOf,
  variantLabel,
  type Kind,
} from '../graph/json-schema-form';

// The form's JSON-Schema logic lives in graph/json-schema-form.ts; these are re-exported for its callers.
export { fieldLabel, mappingToExpression, normalizeSchema, resolveRef, schemaKind } from '../graph/json-schema-form';

/**
 * A form generated from a JSON Schema (an action's `inputSchema`, as zod's `toJSONSchema` writes it).
 * Every field can hold a literal or an expression (`{ "$expr": "…" }`, the "fx" toggle). The form is
 * controlled: `value` is the node's `inputs`, and each edit reports the whole new value of one top-level
 * input (`undefined` when it is cleared). It knows nothing of the store or the API: the secret picker
 * is passed in.
 */

export interface SecretFieldProps {
  id: string;
  value: string | undefined;
  onChange(value: string | undefined): void;
  disabled: boolean;
  required: boolean;
  label: string;
  'aria-describedby'?: string;
}

export interface SchemaFormProps {
  schema: JsonSchema;
  value: Readonly<Record<string, unknown>>;
  /** The whole new value of one top-level input; `undefined` means remove it. */
  onChange(input: string, value: unknown): void;
  disabled?: boolean;
  /** What expressions may read (expressionSuggestions). */
  suggestions?: readonly Suggestion[];
  /** Messages by field path (`url`, `auth.secret`, `headers.x-id`), e.g. the node's problems. */
  errors?: Readonly<Record<string, readonly string[]>>;
  /** Renders string fields that hold a secret's name (`secret`, or described as a secret name). */
  SecretField?: ComponentType<SecretFieldProps>;
  /** Renders string fields that hold an OAuth connection's id (`connection`, `con_…`). */
  ConnectionField?: ComponentType<SecretFieldProps>;
}

// ---------------------------------------------------------------------------------------------------
// Schema helpers (pure)

let rowCounter = 0;
const newRowId = () => `r${++rowCounter}`;

// ---------------------------------------------------------------------------------------------------
// Components

interface FormContextValue {
  root: JsonSchema;
  disabled: boolean;
  suggestions: readonly Suggestion[];
  errors: Readonly<Record<string, readonly string[]>>;
  SecretField: ComponentType<SecretFieldProps> | undefined;
  ConnectionField?: ComponentType<SecretFieldProps> | undefined;
}

const NO_SUGGESTIONS: readonly Suggestion[] = [];
const NO_ERRORS: Readonly<Record<string, readonly string[]>> = {};

const FormContext = createContext<FormContextValue>({ root: {}, disabled: false, suggestions: NO_SUGGESTIONS, errors: NO_ERRORS, SecretField: undefined });

export function SchemaForm({
  schema,
  value,
  onChange,
  disabled = false,
  suggestions = NO_SUGGESTIONS,
  errors = NO_ERRORS,
  SecretField,
  ConnectionField,
}: SchemaFormProps) {
  // A stable commit function lets unchanged fields skip rendering while another one is typed in.
  const latest = useRef(onChange);
  latest.current = onChange;
  const commit = useCallback((name: string, v: unknown) => latest.current(name, v), []);
  const ctx = useMemo<FormContextValue>(
    () => ({ root: schema, disabled, suggestions, errors, SecretField, ConnectionField }),
    [schema, disabled, suggestions, errors, SecretField, ConnectionField],
  );
  const root = resolveRef(schema, schema);
  const properties = (isPlainObject(root.properties) ? root.properties : {}) as Record<string, JsonSchema>;
  const required = new Set((root.required as string[] | undefined) ?? []);
  const unknown = root.additionalProperties === undefined || root.additionalProperties === false ? Object.keys(value).filter((k) => !(k in properties)) : [];

  return (
    <FormContext value={ctx}>
      <div className="sf">
        {Object.keys(properties).length === 0 && <p className="sf-help">This action takes no inputs.</p>}
        {Object.entries(properties).map(([name, s]) => (
          <TopField key={name} name={name} schema={s} value={value[name]} required={required.has(name)} commit={commit} />
        ))}
        {unknown.length > 0 && (
          <div className="sf-unknown" role="group" aria-label="Inputs this action does not take">
            <p className="sf-help">This action does not take these inputs:</p>
            <ul>
              {unknown.map((name) => (
                <li key={name}>
                  <code>{name}</code>{' '}
                  <button type="button" className="link" disabled={disabled} onClick={() => commit(name, undefined)}>
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </FormContext>
  );
}

const TopField = memo(function TopField(props: {
  name: string;
  schema: JsonSchema;
  value: unknown;
  required: boolean;
  commit(name: string, v: unknown): void;
}) {
  const { name, commit } = props;
  const onChange = useCallback((v: unknown) => commit(name, v), [commit, name]);
  return (
    <Field
      name={name}
      label={fieldLabel(name, props.schema)}
      schema={props.schema}
      value={props.value}
      required={props.required}
      onChange={onChange}
      path={name}
      depth={0}
    />
  );
});

interface FieldProps {
  /** The property name (for secret detection); a row's value inherits its collection's. */
  name: string;
  label: string;
  schema: JsonSchema;
  value: unknown;
  /** `undefined` clears the field. */
  onChange(value: unknown): void;
  required: boolean;
  /** Dotted path, for messages. */
  path: string;
  depth: number;
  /** The label is read by screen readers only (rows, whose group says what they are). */
  hideLabel?: boolean;
  /** No fx toggle (the enclosing union has it). */
  noFx?: boolean;
}

function RequiredMark({ required }: { required: boolean }) {
  return required ? (
    <span className="sf-required" aria-hidden="true" title="required">
      *
    </span>
  ) : null;
}

function FxToggle({ pressed, label, onClick, disabled }: { pressed: boolean; label: string; onClick(): void; disabled: boolean }) {
  return (
    <button
      type="button"
      className="sf-fx"
      aria-pressed={pressed}
      aria-label={`fx: use an expression for ${label}`}
      title={pressed ? 'Using an expression; press for a fixed value' : 'Use an expression'}
      disabled={disabled}
      onClick={onClick}
    >
      fx
    </button>
  );
}

function Field(props: FieldProps) {
  const { label, value, onChange, required, path, depth } = props;
  const ctx = useContext(FormContext);
  const id = useId();
  const schema = useMemo(() => normalizeSchema(props.schema, ctx.root), [props.schema, ctx.root]);
  const kind: Kind = depth > MAX_DEPTH ? 'any' : schemaKind(schema, ctx.root);
  const exprMode = isExpr(value);
  const literal = isLiteralWrap(value) ? value.$literal : value;

  const description = typeof schema.description === 'string' ? schema.description : undefined;
  const helpId = description ? `${id}-help` : undefined;
  const errors = ctx.errors[path];
  const errorsId = errors?.length ? `${id}-errors` : undefined;
  const describedBy = [helpId, errorsId].filter(Boolean).join(' ') || undefined;

  const toggle = () => onChange(exprMode ? expressionToLiteral(value.$expr) : { $expr: mappingToExpression(value) });
  const fx = props.noFx ? null : <FxToggle pressed={exprMode} label={label} onClick={toggle} disabled={ctx.disabled} />;
  const labelText = (
    <>
      {label}
      <RequiredMark required={required} />
    </>
  );
  const help = description && (
    <p id={helpId} className="sf-help">
      {description}
    </p>
  );
  const errorList = errors?.length ? (
    <ul id={errorsId} className="sf-errors">
      {errors.map((m, i) => (
        <li key={i}>{m}</li>
      ))}
    </ul>
  ) : null;

  // A file travels by reference (docs/big-runs.md, "Files"): it is mapped from the trigger or a step, never typed in.
  if (!exprMode && schema.format === 'switchyard-file') {
    return (
      <div className="sf-field sf-file" data-field={path}>
        <div className="sf-head">
          <span className={props.hideLabel ? 'sr-only' : undefined}>{labelText}</span>
          {fx}
        </div>
        <p id={helpId ?? `${id}-help`} className="sf-help">
          A file is passed by reference: map it from the trigger (a file uploaded with <code>POST /v1/files</code>, or sent in a form to a webhook) or from an
          earlier step&apos;s output.
        </p>
        <button type="button" className="link" disabled={ctx.disabled} onClick={() => onChange({ $expr: 'trigger.data.file' })} aria-describedby={helpId ?? `${id}-help`}>
          Map a file
        </button>
        {errorList}
      </div>
    );
  }

  if (!exprMode && (kind === 'object' || kind === 'record' || kind === 'array' || (kind === 'union' && !isScalarUnion(schema, ctx.root)))) {
    const body: ReactNode =
      kind === 'object' ? (
        <ObjectBody schema={schema} value={literal} onChange={onChange} path={path} depth={depth} />
      ) : kind === 'record' ? (
        <RecordRows schema={schema} value={literal} onChange={onChange} path={path} depth={depth} label={label} name={props.name} required={required} />
      ) : kind === 'array' ? (
        <ArrayRows schema={schema} value={literal} onChange={onChange} path={path} depth={depth} label={label} name={props.name} required={required} />
      ) : (
        <UnionBody schema={schema} value={literal} onChange={onChange} path={path} depth={depth} label={label} name={props.name} required={required} id={id} />
      );
    return (
      <fieldset className={`sf-group sf-${kind}`} aria-describedby={describedBy} data-field={path}>
        <legend>
          <span className={props.hideLabel ? 'sr-only' : undefined}>{labelText}</span>
          {fx}
        </legend>
        {help}
        {body}
        {errorList}
      </fieldset>
    );
  }

  if (!exprMode && kind === 'boolean') {
    const effective = typeof literal === 'boolean' ? literal : schema.default === true;
    return (
      <div className="sf-field sf-boolean" data-field={path}>
        <div className="sf-head">
          <input
            id={id}
            type="checkbox"
            checked={effective}
            disabled={ctx.disabled}
            aria-describedby={describedBy}
            onChange={(e) => {
              const v = e.target.checked;
              // Back to the default: leave the input out, the action applies its default.
              onChange(!required && depth === 0 && schema.default === v ? undefined : v);
            }}
          />
          <label htmlFor={id} className={props.hideLabel ? 'sr-only' : undefined}>
            {labelText}
          </label>
          {fx}
        </div>
        {help}
        {errorList}
      </div>
    );
  }

  const control: ReactNode = exprMode ? (
    <ExpressionInput
      id={id}
      value={value.$expr}
      onChange={(src) => onChange({ $expr: src })}
      suggestions={ctx.suggestions}
      disabled={ctx.disabled}
      required={required}
      multiline={kind === 'any' || kind === 'object' || kind === 'record' || kind === 'array' || isLongString(schema)}
      aria-describedby={describedBy}
    />
  ) : kind === 'union' ? (
    <UnionBody
      schema={schema}
      value={literal}
      onChange={onChange}
      path={path}
      depth={depth}
      label={label}
      name={props.name}
      required={required}
      id={id}
      compact
      describedBy={describedBy}
    />
  ) : (
    <ScalarControl
      id={id}
      kind={kind}
      schema={schema}
      name={props.name}
      label={label}
      value={literal}
      onChange={onChange}
      required={required}
      describedBy={describedBy}
    />
  );
  return (
    <div className={`sf-field sf-${exprMode ? 'expr' : kind}`} data-field={path}>
      {props.hideLabel ? (
        <>
          <label htmlFor={id} className="sr-only">
            {labelText}
          </label>
          <div className="sf-inline">
            <div className="sf-control">{control}</div>
            {fx}
          </div>
        </>
      ) : (
        <>
          <div className="sf-head">
            <label htmlFor={id}>{labelText}</label>
            {fx}
          </div>
          {control}
        </>
      )}
      {help}
      {errorList}
    </div>
  );
}

function ScalarControl(props: {
  id: string;
  kind: Kind;
  schema: JsonSchema;
  name: string;
  label: string;
  value: unknown;
  onChange(v: unknown): void;
  required: boolean;
  describedBy: string | undefined;
}) {
  const { id, kind, schema, value, onChange, required, describedBy } = props;
  const ctx = useContext(FormContext);
  const placeholder = placeholderOf(schema);
  switch (kind) {
    case 'enum': {
      const options = schema.enum as unknown[];
      const index = options.findIndex((o) => JSON.stringify(o) === JSON.stringify(value));
      return (
        <select
          id={id}
          value={index < 0 ? '' : String(index)}
          disabled={ctx.disabled}
          aria-required={required || undefined}
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.value === '' ? undefined : options[Number(e.target.value)])}
        >
          <option value="">{schema.default !== undefined ? `Default (${String(schema.default)})` : required ? 'Choose…' : 'Not set'}</option>
          {options.map((o, i) => (
            <option key={i} value={String(i)}>
              {String(o)}
            </option>
          ))}
        </select>
      );
    }
    case 'number':
    case 'integer':
      return (
        <NumberInput
          id={id}
          value={typeof value === 'number' ? value : undefined}
          onChange={onChange}
          integer={kind === 'integer'}
          min={typeof schema.minimum === 'number' && schema.minimum > Number.MIN_SAFE_INTEGER ? schema.minimum : undefined}
          max={typeof schema.maximum === 'number' && schema.maximum < Number.MAX_SAFE_INTEGER ? schema.maximum : undefined}
          placeholder={placeholder}
          disabled={ctx.disabled}
          required={required}
          aria-describedby={describedBy}
        />
      );
    case 'boolean':
      return (
        <input
          id={id}
          type="checkbox"
          checked={value === true}
          disabled={ctx.disabled}
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.checked)}
        />
      );
    case 'const':
      return <input id={id} type="text" readOnly value={JSON.stringify(schema.const)} disabled={ctx.disabled} aria-describedby={describedBy} />;
    case 'null':
      return <input id={id} type="text" readOnly value="null" disabled={ctx.disabled} aria-describedby={describedBy} />;
    case 'any':
      return (
        <JsonTextarea
          id={id}
          value={value}
          onChange={onChange}
          disabled={ctx.disabled}
          required={required}
          placeholder={placeholder ?? 'JSON, e.g. {"name": "Ada"} or "text"'}
          aria-describedby={describedBy}
        />
      );
    default: {
      const text = typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value);
      const ConnectionField = ctx.ConnectionField;
      if (ConnectionField && isConnectionField(props.name, schema)) {
        return (
          <ConnectionField
            id={id}
            value={text || undefined}
            onChange={(v) => onChange(v)}
            disabled={ctx.disabled}
            required={required}
            label={props.label}
            aria-describedby={describedBy}
          />
        );
      }
      const SecretField = ctx.SecretField;
      if (SecretField && isSecretNameField(props.name, schema)) {
        return (
          <SecretField
            id={id}
            value={text || undefined}
            onChange={(v) => onChange(v)}
            disabled={ctx.disabled}
            required={required}
            label={props.label}
            aria-describedby={describedBy}
          />
        );
      }
      const issue = stringIssue(schema, text);
      const issueId = `${id}-issue`;
      const common = {
        id,
        value: text,
        placeholder,
        disabled: ctx.disabled,
        maxLength: typeof schema.maxLength === 'number' ? schema.maxLength : undefined,
        'aria-required': required || undefined,
        'aria-invalid': issue ? true : undefined,
        'aria-describedby': [describedBy, issue ? issueId : undefined].filter(Boolean).join(' ') || undefined,
        onChange: (e: { target: { value: string } }) => onChange(e.target.value === '' ? undefined : e.target.value),
      };
      return (
        <>
          {isLongString(schema) ? <textarea {...common} rows={3} /> : <input {...common} type={schema.format === 'uri' ? 'url' : 'text'} />}
          {issue && (
            <p id={issueId} className="field-hint-error">
              {issue}
            </p>
          )}
        </>
      );
    }
  }
}

interface BodyProps {
  schema: JsonSchema;
  value: unknown;
  onChange(v: unknown): void;
  path: string;
  depth: number;
}

function ObjectBody({ schema, value, onChange, path, depth, omit }: BodyProps & { omit?: string }) {
  const obj = isPlainObject(value) ? value : {};
  const properties = schema.properties as Record<string, JsonSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const setKey = (key: string, v: unknown) => {
    const next = { ...obj };
    if (v === undefined) delete next[key];
    else next[key] = v;
    onChange(Object.keys(next).length === 0 ? undefined : next);
  };
  return (
    <>
      {Object.entries(properties)
        .filter(([key]) => key !== omit)
        .map(([key, s]) => (
          <Field
            key={key}
            name={key}
            label={fieldLabel(key, s)}
            schema={s}
            value={obj[key]}
            onChange={(v) => setKey(key, v)}
            required={required.has(key)}
            path={`${path}.${key}`}
            depth={depth + 1}
          />
        ))}
    </>
  );
}

interface CollectionProps extends BodyProps {
  label: string;
  name: string;
  required: boolean;
}

interface Row {
  id: string;
  key: string;
  value: unknown;
}

/** Key/value rows of a record (`additionalProperties`). Rows with an empty or repeated name are kept here until fixed. */
function RecordRows({ schema, value, onChange, path, depth, label, name, required }: CollectionProps) {
  const ctx = useContext(FormContext);
  const valueSchema: JsonSchema = isPlainObject(schema.additionalProperties) ? (schema.additionalProperties as JsonSchema) : {};
  const obj = isPlainObject(value) ? value : {};
  const rowsOf = (o: Record<string, unknown>): Row[] => Object.entries(o).map(([key, v]) => ({ id: newRowId(), key, value: v }));
  const [rows, setRows] = useState<Row[]>(() => rowsOf(obj));
  const fromRows = (list: Row[]) => {
    const out: Record<string, unknown> = {};
    for (const row of list) if (row.key !== '' && !(row.key in out)) out[row.key] = row.value;
    return out;
  };
  // The value changed elsewhere (undo, expression toggle): start again from it, unless the rows mean it already.
  const objKey = JSON.stringify(obj);
  const [syncedKey, setSyncedKey] = useState(objKey);
  let shown = rows;
  if (syncedKey !== objKey) {
    setSyncedKey(objKey);
    if (JSON.stringify(fromRows(rows)) !== objKey) {
      shown = rowsOf(obj);
      setRows(shown);
    }
  }
  const update = (next: Row[]) => {
    setRows(next);
    const out = fromRows(next);
    onChange(Object.keys(out).length === 0 && !required ? undefined : out);
  };
  const seen = new Set<string>();
  return (
    <>
      {shown.length === 0 && <p className="sf-help">No entries.</p>}
      {shown.map((row, i) => {
        const duplicate = row.key !== '' && seen.has(row.key);
        seen.add(row.key);
        const entry = row.key || `entry ${i + 1}`;
        return (
          <div key={row.id} className="sf-row" role="group" aria-label={`${label}: ${entry}`}>
            <input
              type="text"
              className="sf-key"
              value={row.key}
              placeholder="name"
              disabled={ctx.disabled}
              aria-label={`Name of ${label} entry ${i + 1}`}
              aria-invalid={duplicate || row.key === '' ? true : undefined}
              onChange={(e) => update(shown.map((r) => (r.id === row.id ? { ...r, key: e.target.value } : r)))}
            />
            <div className="sf-row-value">
              <Field
                name={name}
                label={`${label} ${entry} value`}
                hideLabel
                schema={valueSchema}
                value={row.value}
                onChange={(v) => update(shown.map((r) => (r.id === row.id ? { ...r, value: v === undefined ? emptyValue(valueSchema, ctx.root) : v } : r)))}
                required
                path={`${path}.${row.key}`}
                depth={depth + 1}
              />
              {(duplicate || row.key === '') && (
                <p className="field-hint-error">{duplicate ? 'This name is used above; this entry is ignored' : 'Enter a name'}</p>
              )}
            </div>
            <button
              type="button"
              className="sf-remove"
              disabled={ctx.disabled}
              aria-label={`Remove ${label} entry ${i + 1}`}
              onClick={() => update(shown.filter((r) => r.id !== row.id))}
            >
              ×
            </button>
          </div>
        );
      })}
      <button
        type="button"
        className="sf-add"
        disabled={ctx.disabled}
        onClick={() => update([...shown, { id: newRowId(), key: '', value: emptyValue(valueSchema, ctx.root) }])}
      >
        Add {label.toLowerCase()} entry
      </button>
    </>
  );
}

function ArrayRows({ schema, value, onChange, path, depth, label, name, required }: CollectionProps) {
  const ctx = useContext(FormContext);
  const itemSchema = schema.items as JsonSchema;
  const list = Array.isArray(value) ? value : [];
  const [keys, setKeys] = useState<string[]>(() => list.map(newRowId));
  let shownKeys = keys;
  if (keys.length !== list.length) {
    shownKeys = keys.slice(0, list.length);
    while (shownKeys.length < list.length) shownKeys.push(newRowId());
    setKeys(shownKeys);
  }
  const maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : Infinity;
  const emit = (next: unknown[]) => onChange(next.length === 0 && !required ? undefined : next);
  return (
    <>
      {list.length === 0 && <p className="sf-help">No items.</p>}
      {list.map((item, i) => (
        <div key={shownKeys[i]} className="sf-row">
          <div className="sf-row-value">
            <Field
              name={name}
              label={`${label} item ${i + 1}`}
              hideLabel
              schema={itemSchema}
              value={item}
              onChange={(v) => emit(list.map((old, j) => (j === i ? (v === undefined ? emptyValue(itemSchema, ctx.root) : v) : old)))}
              required
              path={`${path}.${i}`}
              depth={depth + 1}
            />
          </div>
          <button
            type="button"
            className="sf-remove"
            disabled={ctx.disabled}
            aria-label={`Remove ${label} item ${i + 1}`}
            onClick={() => {
              setKeys(shownKeys.filter((_, j) => j !== i));
              emit(list.filter((_, j) => j !== i));
            }}
          >
            ×
          </button>
        </div>
      ))}
      <button
        type="button"
        className="sf-add"
        disabled={ctx.disabled || list.length >= maxItems}
        onClick={() => {
          setKeys([...shownKeys, newRowId()]);
          emit([...list, emptyValue(itemSchema, ctx.root)]);
        }}
      >
        Add {label.toLowerCase()} item
      </button>
    </>
  );
}

/** `anyOf`/`oneOf`: a select of the variants, then the chosen variant's fields. */
function UnionBody({
  schema,
  value,
  onChange,
  path,
  depth,
  label,
  name,
  required,
  id,
  compact = false,
  describedBy,
}: CollectionProps & { id: string; compact?: boolean; describedBy?: string }) {
  const ctx = useContext(FormContext);
  const variants = useMemo(() => variantsOf(schema, ctx.root), [schema, ctx.root]);
  const disc = useMemo(() => discriminatorOf(variants), [variants]);
  const matched =
    disc && isPlainObject(value)
      ? variants.findIndex((v) => JSON.stringify(discriminatorValue(v, disc)) === JSON.stringify(value[disc]))
      : value === undefined
        ? -1
        : variants.findIndex((v) => fits(v, value, ctx.root));
  const [chosen, setChosen] = useState(matched >= 0 ? matched : required ? 0 : -1);
  // What was picked wins while the value is still empty (a new string variant holds nothing yet).
  const blank = value === undefined || value === '' || value === null;
  const current = chosen >= 0 && (blank || fits(variants[chosen]!, value, ctx.root)) ? chosen : matched >= 0 ? matched : chosen;
  const variant = current >= 0 ? variants[current] : undefined;
  const selectId = `${id}-variant`;

  const choose = (index: number) => {
    setChosen(index);
    const next = variants[index];
    if (!next) return onChange(undefined);
    if (disc) {
      // Keep what the new variant also has (a secret name, a username).
      const old = isPlainObject(value) ? value : {};
      const props = next.properties as Record<string, JsonSchema>;
      const carried = Object.fromEntries(Object.entries(old).filter(([k]) => k !== disc && k in props));
      return onChange({ ...(emptyValue(next, ctx.root) as Record<string, unknown>), ...carried, [disc]: discriminatorValue(next, disc) });
    }
    const kind = schemaKind(next, ctx.root);
    onChange(kind === 'string' || kind === 'number' || kind === 'integer' ? undefined : emptyValue(next, ctx.root));
  };

  const options = (
    <>
      {(!required || current < 0) && <option value="">{required ? 'Choose…' : 'Not set'}</option>}
      {variants.map((v, i) => (
        <option key={i} value={String(i)}>
          {disc ? String(discriminatorValue(v, disc)) : variantLabel(v, i, ctx.root)}
        </option>
      ))}
    </>
  );

  if (compact) {
    // The field's label names the value control; the kind select names itself.
    return (
      <div className="sf-inline">
        <select
          id={variant ? undefined : id}
          className="sf-kind"
          aria-label={`${label} kind`}
          value={current < 0 ? '' : String(current)}
          disabled={ctx.disabled}
          onChange={(e) => choose(e.target.value === '' ? -1 : Number(e.target.value))}
        >
          {options}
        </select>
        {variant && (
          <div className="sf-control">
            <ScalarControl
              id={id}
              kind={schemaKind(variant, ctx.root)}
              schema={variant}
              name={name}
              label={label}
              value={value}
              onChange={onChange}
              required={required}
              describedBy={describedBy}
            />
          </div>
        )}
      </div>
    );
  }

  return (
    <>
      <label htmlFor={selectId}>{disc ? `${label} ${fieldLabel(disc).toLowerCase()}` : `${label} kind`}</label>
      <select
        id={selectId}
        value={current < 0 ? '' : String(current)}
        disabled={ctx.disabled}
        onChange={(e) => choose(e.target.value === '' ? -1 : Number(e.target.value))}
      >
        {options}
      </select>
      {variant &&
        (disc ? (
          <ObjectBody schema={variant} value={value} onChange={onChange} path={path} depth={depth} omit={disc} />
        ) : (
          <Field
            name={name}
            label={`${label} (${variantLabel(variant, current, ctx.root)})`}
            hideLabel
            noFx
            schema={variant}
            value={value}
            onChange={onChange}
            required={required}
            path={path}
            depth={depth + 1}
          />
        ))}
    </>
  );
}
