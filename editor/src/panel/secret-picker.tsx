import { useId, useState, type ReactNode } from 'react';
import { useIntegration, usePutSecret, useSecrets } from '../api/queries';
import { href } from '../router';
import { ErrorBox } from '../components/error-box';
import type { SecretFieldProps } from './schema-form';

/**
 * Secret fields hold a secret's NAME; the value stays in the encrypted store. The picker lists the
 * workspace's secrets and can create one inline; the values typed there are never shown again.
 */

// Not a valid secret name (those start with a capital letter), so it cannot clash.
const NEW = '__new__';
import { SECRET_NAME_PATTERN } from '#core/names';

export function SecretPicker({ id, value, onChange, disabled, required, 'aria-describedby': describedBy }: SecretFieldProps) {
  const secrets = useSecrets();
  const [creating, setCreating] = useState(false);
  const names = secrets.data?.map((s) => s.name) ?? [];
  const known = value === undefined || names.includes(value);

  if (secrets.isError) {
    // Without the list, the name can still be typed.
    return (
      <>
        <input
          id={id}
          type="text"
          value={value ?? ''}
          disabled={disabled}
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.value || undefined)}
        />
        <ErrorBox error={secrets.error} />
      </>
    );
  }

  return (
    <div className="secret-picker">
      <select
        id={id}
        value={value ?? ''}
        disabled={disabled}
        aria-required={required || undefined}
        aria-describedby={describedBy}
        onChange={(e) => {
          if (e.target.value === NEW) setCreating(true);
          else onChange(e.target.value || undefined);
        }}
      >
        <option value="">{secrets.isPending ? 'Loading secrets…' : 'Choose a secret…'}</option>
        {secrets.data?.map((s) => (
          <option key={s.name} value={s.name}>
            {s.name}
            {s.live || s.test ? ` (${[s.live && 'live', s.test && 'test'].filter(Boolean).join(', ')})` : ' (no value)'}
          </option>
        ))}
        {!known && <option value={value}>{value} (not found)</option>}
        <option value={NEW}>New secret…</option>
      </select>
      {!known && !secrets.isPending && (
        <p className="field-hint-error">
          There is no secret named <code>{value}</code>. Create it here or on the <a href="#/secrets">Secrets</a> page.
        </p>
      )}
      {creating && (
        <NewSecretForm
          existing={names}
          disabled={disabled}
          onCancel={() => setCreating(false)}
          onCreated={(name) => {
            setCreating(false);
            onChange(name);
          }}
        />
      )}
    </div>
  );
}

function NewSecretForm({
  existing,
  disabled,
  onCreated,
  onCancel,
}: {
  existing: string[];
  disabled: boolean;
  onCreated(name: string): void;
  onCancel(): void;
}) {
  const id = useId();
  const put = usePutSecret();
  const [name, setName] = useState('');
  const [live, setLive] = useState('');
  const [test, setTest] = useState('');
  const nameIssue =
    name === ''
      ? undefined
      : !SECRET_NAME_PATTERN.test(name)
        ? 'Capital letters, digits and _, starting with a letter: MY_API_TOKEN'
        : existing.includes(name)
          ? 'A secret with this name exists: pick it from the list'
          : undefined;
  const canSave = !disabled && !put.isPending && name !== '' && !nameIssue && (live !== '' || test !== '');

  const save = () => {
    if (!canSave) return;
    put.mutate(
      { name, ...(live ? { live } : {}), ...(test ? { test } : {}) },
      {
        onSuccess: () => {
          // The values are gone from the page once stored.
          setLive('');
          setTest('');
          onCreated(name);
        },
      },
    );
  };

  return (
    <fieldset className="secret-new" disabled={disabled}>
      <legend>New secret</legend>
      <label htmlFor={`${id}-name`}>Name</label>
      <input
        id={`${id}-name`}
        type="text"
        value={name}
        autoComplete="off"
        placeholder="MY_API_TOKEN"
        aria-invalid={nameIssue ? true : undefined}
        aria-describedby={nameIssue ? `${id}-name-issue` : undefined}
        onChange={(e) => setName(e.target.value.toUpperCase().replace(/[^A-Z0-9_]/g, '_'))}
      />
      {nameIssue && (
        <p id={`${id}-name-issue`} className="field-hint-error">
          {nameIssue}
        </p>
      )}
      <label htmlFor={`${id}-live`}>Live value</label>
      <input id={`${id}-live`} type="password" autoComplete="new-password" value={live} onChange={(e) => setLive(e.target.value)} />
      <label htmlFor={`${id}-test`}>Test value</label>
      <input id={`${id}-test`} type="password" autoComplete="new-password" value={test} onChange={(e) => setTest(e.target.value)} />
      <p className="sf-help">Stored encrypted and never shown again. Test runs use the test value.</p>
      <ErrorBox error={put.error} />
      <div className="inline-form">
        <button type="button" className="primary" disabled={!canSave} onClick={save}>
          {put.isPending ? 'Saving…' : 'Save secret'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </fieldset>
  );
}

/** Turns the URLs in a sentence into links. */
function linkify(text: string): ReactNode[] {
  return text.split(/(https?:\/\/[^\s)]+)/g).map((part, i) =>
    /^https?:\/\//.test(part) ? (
      <a key={i} href={part} target="_blank" rel="noreferrer">
        {part}
      </a>
    ) : (
      part
    ),
  );
}

/** The integration's setup variables and whether this workspace has set them. */
export function SetupSection({ integration }: { integration: string }) {
  const query = useIntegration(integration);
  const headingId = useId();
  if (query.isPending) return <p className="sf-help">Checking setup…</p>;
  if (query.isError) return <ErrorBox error={query.error} />;
  const variables = query.data.setupStatus ?? query.data.setup;
  if (variables.length === 0) return null;
  return (
    <section className="np-section setup" aria-labelledby={headingId}>
      <h3 id={headingId}>Setup</h3>
      <ul className="setup-list">
        {variables.map((v) => {
          const missing = !v.live && !v.test;
          const testOnly = v.test && !v.live && v.required;
          return (
            <li key={v.name} className={missing ? 'missing' : testOnly ? 'test-only' : 'ok'}>
              <div>
                <code>{v.name}</code>
                {!v.required && <span className="sf-help"> (optional)</span>}
                <span className="setup-status">
                  {v.live && <span className="status succeeded">✓ live</span>}
                  {v.test && <span className="status succeeded">✓ test</span>}
                  {testOnly && <span className="status warn">test only</span>}
                  {missing && <span className={v.required ? 'status failed' : 'status'}>missing</span>}
                </span>
              </div>
              <p className="sf-help">{v.description}</p>
              {testOnly && <p className="sf-help">Test runs work; live runs would stop here, and publishing is refused until it has a live value.</p>}
              {missing && <p className="sf-help">{linkify(v.whereToGet)}</p>}
              {(missing || !v.live || !v.test) && (
                <a href={href({ page: 'secrets', name: v.name, mode: v.live ? 'test' : 'live' })}>
                  Set the {v.live ? 'test' : 'live'} value of {v.name}
                </a>
              )}
            </li>
          );
        })}
      </ul>
      <a href={href({ page: 'secrets' })}>All secrets</a>
    </section>
  );
}
