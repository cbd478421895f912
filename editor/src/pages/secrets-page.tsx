import { useConfirm } from '../components/dialog';
import { useEffect, useId, useState } from 'react';
import { useDeleteSecret, usePutSecret, useSecrets } from '../api/queries';
import type { SecretSummary } from '../api/types';
import { ErrorBox } from '../components/error-box';
import { formatTime } from '../components/format';

import { SECRET_NAME_PATTERN as SECRET_NAME } from '#core/names';

type Mode = 'live' | 'test';

/** Workspace secrets: names and which values are set (never the values), an add form and per-value actions. */
export function SecretsPage({ name: wanted, mode: wantedMode }: { name?: string; mode?: Mode }) {
  const secrets = useSecrets();
  const remove = useDeleteSecret();
  const put = usePutSecret();
  const [editing, setEditing] = useState<{ name: string; mode: Mode } | null>(null);
  // A link that names a secret (from a publish problem, the Catalog, a step's setup) opens its value form once loaded.
  const [opened, setOpened] = useState(false);
  useEffect(() => {
    if (opened || !wanted || !secrets.data) return;
    setOpened(true);
    if (secrets.data.some((s) => s.name === wanted)) setEditing({ name: wanted, mode: wantedMode ?? 'live' });
  }, [opened, wanted, wantedMode, secrets.data]);
  const wantedIsNew = wanted !== undefined && secrets.data !== undefined && !secrets.data.some((s) => s.name === wanted);

  const confirmation = useConfirm();
  const removeValue = async (s: SecretSummary, mode: Mode) => {
    const other = mode === 'live' ? s.test : s.live;
    const note = other ? '' : `It is the only value: ${s.name} will stay with no value until you set one.`;
    if (await confirmation.ask({ title: `Remove the ${mode} value of ${s.name}?`, message: note || 'The other value stays.', confirm: 'Remove', danger: true }))
      put.mutate({ name: s.name, [mode]: null });
  };
  const deleteSecret = async (s: SecretSummary) => {
    const ok = await confirmation.ask({
      title: `Delete the secret ${s.name}?`,
      message: 'Its live and test values go. Flows that use it stop working until it is added again.',
      confirm: 'Delete secret',
      danger: true,
    });
    if (ok) remove.mutate(s.name);
  };

  return (
    <section className="secrets-page">
      {confirmation.dialog}
      <div className="page-head">
        <div>
          <h1>Secrets</h1>
          <p className="muted lead">API keys and passwords your flows use, each with a live value and a test value. Test runs use the test value.</p>
        </div>
      </div>
      <p className="hint" id="secrets-hint">
        Values are write-only: once saved they are encrypted and never shown again, not here and not by the API. You see only the last four characters. To
        change a value, replace it.
      </p>

      <AddSecretForm key={wantedIsNew ? wanted : ''} existing={new Set(secrets.data?.map((s) => s.name))} initialName={wantedIsNew ? wanted : ''} />

      <ErrorBox error={secrets.error ?? remove.error ?? put.error} />
      {!secrets.data && !secrets.error && <p className="muted">Loading secrets…</p>}
      {secrets.data && secrets.data.length === 0 && <p className="empty">No secrets yet. Add one above, or from an integration in the Catalog.</p>}
      {secrets.data && secrets.data.length > 0 && (
        <table className="table secrets-table" aria-describedby="secrets-hint">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Live value</th>
              <th scope="col">Test value</th>
              <th scope="col">Updated</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {secrets.data.map((s) => (
              <tr key={s.name}>
                <td>
                  <code>{s.name}</code>
                </td>
                {(['live', 'test'] as const).map((mode) => (
                  <td key={mode}>
                    {editing?.name === s.name && editing.mode === mode ? (
                      <ReplaceValueForm name={s.name} mode={mode} replacing={!!s[mode]} onDone={() => setEditing(null)} />
                    ) : (
                      <ValueCell secret={s} mode={mode} onSet={() => setEditing({ name: s.name, mode })} onRemove={() => removeValue(s, mode)} />
                    )}
                  </td>
                ))}
                <td>{formatTime(s.updatedAt)}</td>
                <td className="cell-actions">
                  <button type="button" className="danger" onClick={() => deleteSecret(s)} aria-label={`Delete secret ${s.name}`} disabled={remove.isPending}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ValueCell({ secret, mode, onSet, onRemove }: { secret: SecretSummary; mode: Mode; onSet: () => void; onRemove: () => void }) {
  const value = secret[mode];
  return (
    <div className="value-cell">
      {value ? (
        <span className="value-set" title={`A ${mode} value ending in ${value.last4} is set`}>
          <span className="check" aria-hidden="true">
            ✓
          </span>{' '}
          <code>…{value.last4}</code>
          <span className="sr-only"> {mode} value set</span>
        </span>
      ) : (
        <span className="muted">not set</span>
      )}
      <span className="value-actions">
        <button type="button" className="link" onClick={onSet} aria-label={`${value ? 'Replace' : 'Set'} the ${mode} value of ${secret.name}`}>
          {value ? 'Replace' : 'Set'}
        </button>
        {value && (
          <button type="button" className="link danger-link" onClick={onRemove} aria-label={`Remove the ${mode} value of ${secret.name}`}>
            Remove
          </button>
        )}
      </span>
    </div>
  );
}

function ReplaceValueForm({ name, mode, replacing, onDone }: { name: string; mode: Mode; replacing: boolean; onDone: () => void }) {
  const id = useId();
  const put = usePutSecret();
  const [value, setValue] = useState('');
  return (
    <form
      className="replace-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (value) put.mutate({ name, [mode]: value }, { onSuccess: onDone });
      }}
    >
      <label htmlFor={id} className="sr-only">
        {replacing ? 'New' : ''} {mode} value of {name}
      </label>
      <input
        id={id}
        type="password"
        autoComplete="new-password"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        placeholder={`${mode} value`}
        autoFocus
        onKeyDown={(e) => e.key === 'Escape' && onDone()}
      />
      <button type="submit" className="primary" disabled={!value || put.isPending}>
        Save
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
      <ErrorBox error={put.error} />
    </form>
  );
}

function AddSecretForm({ existing, initialName }: { existing: Set<string>; initialName: string }) {
  const id = useId();
  const put = usePutSecret();
  const [name, setName] = useState(initialName);
  const [live, setLive] = useState('');
  const [test, setTest] = useState('');
  const [touched, setTouched] = useState(false);
  const [submitted, setSubmitted] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const nameError = !name
    ? 'Give the secret a name.'
    : SECRET_NAME.test(name)
      ? null
      : 'Use UPPER_SNAKE_CASE: capital letters, digits and underscores, starting with a letter (at most 100 characters), e.g. STRIPE_SECRET_KEY.';
  const showNameError = touched && nameError;
  const exists = !nameError && existing.has(name);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setTouched(true);
    setSubmitted(true);
    if (nameError || (!live && !test)) return;
    put.mutate(
      { name, ...(live ? { live } : {}), ...(test ? { test } : {}) },
      {
        onSuccess: () => {
          setSaved(name);
          setName('');
          setLive('');
          setTest('');
          setTouched(false);
          setSubmitted(false);
        },
      },
    );
  };
  return (
    <form className="card add-secret" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Add a secret</h2>
      <div className="add-secret-fields">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setSaved(null);
            }}
            onBlur={() => setTouched(true)}
            placeholder="STRIPE_SECRET_KEY"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={showNameError ? true : undefined}
            aria-describedby={`${id}-name-help`}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-live`}>Live value</label>
          <input id={`${id}-live`} type="password" autoComplete="new-password" value={live} onChange={(e) => setLive(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-test`}>Test value</label>
          <input id={`${id}-test`} type="password" autoComplete="new-password" value={test} onChange={(e) => setTest(e.target.value)} />
        </div>
        <button type="submit" className="primary" disabled={put.isPending}>
          {put.isPending ? 'Saving…' : exists ? 'Replace values' : 'Add secret'}
        </button>
      </div>
      <p id={`${id}-name-help`} className={showNameError ? 'hint error' : 'hint'}>
        {showNameError
          ? nameError
          : exists
            ? `${name} exists: the values you fill in replace its current ones; an empty field leaves that value unchanged.`
            : 'UPPER_SNAKE_CASE, e.g. STRIPE_SECRET_KEY. Give a live value, a test value, or both.'}
      </p>
      {submitted && !nameError && !live && !test && (
        <p className="hint error" role="alert">
          Give a live value, a test value, or both.
        </p>
      )}
      {saved && (
        <p className="hint ok-text" role="status">
          Saved {saved}.
        </p>
      )}
      <ErrorBox error={put.error} />
    </form>
  );
}
