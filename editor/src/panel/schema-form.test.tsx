// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { catalog } from '#catalog';
import type { JsonSchema } from '#core/catalog-sdk';
import type { Suggestion } from '../graph/suggestions';
import { fieldLabel, mappingToExpression, SchemaForm, schemaKind, normalizeSchema, type SecretFieldProps } from './schema-form';

const schema = catalog.getAction('http.request@1')!.inputSchema;

afterEach(cleanup);

const SUGGESTIONS: Suggestion[] = [
  { path: 'trigger.data', type: 'object' },
  { path: 'nodes.fetch', type: 'object' },
  { path: 'nodes.fetch.status', type: 'integer' },
];

/** The form over a controlled inputs object, as the panel holds it; every onChange is recorded. */
function setup(
  initial: Record<string, unknown> = {},
  extra: {
    disabled?: boolean;
    errors?: Record<string, string[]>;
    SecretField?: (p: SecretFieldProps) => React.ReactNode;
    ConnectionField?: (p: SecretFieldProps) => React.ReactNode;
  } = {},
) {
  const calls: [string, unknown][] = [];
  let current = initial;
  function Host() {
    const [inputs, setInputs] = useState(initial);
    return (
      <SchemaForm
        schema={schema}
        value={inputs}
        suggestions={SUGGESTIONS}
        {...extra}
        onChange={(name, value) => {
          calls.push([name, value]);
          setInputs((old) => {
            const next = { ...old };
            if (value === undefined) delete next[name];
            else next[name] = value;
            current = next;
            return next;
          });
        }}
      />
    );
  }
  render(<Host />);
  return { calls, inputs: () => current };
}

const group = (name: string) => screen.getByRole('group', { name: new RegExp(`^${name}`) });

describe('schema helpers', () => {
  it('classifies the http.request@1 inputs', () => {
    const props = schema.properties as Record<string, JsonSchema>;
    const kinds = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, schemaKind(normalizeSchema(s, schema), schema)]));
    expect(kinds).toEqual({
      url: 'string',
      method: 'enum',
      headers: 'record',
      query: 'record',
      body: 'any',
      bodyFile: 'object',
      responseAs: 'enum',
      failOnErrorStatus: 'boolean',
      idempotencyHeader: 'string',
      auth: 'union',
      timeoutMs: 'integer',
    });
  });

  it('labels fields for people', () => {
    expect(fieldLabel('failOnErrorStatus')).toBe('Fail on error status');
    expect(fieldLabel('timeoutMs')).toBe('Timeout (ms)');
    expect(fieldLabel('url')).toBe('URL');
  });

  it('turns a mapping into one expression', () => {
    expect(mappingToExpression('https://x')).toBe('"https://x"');
    expect(mappingToExpression({ a: 1, b: { $expr: 'nodes.x' } })).toBe('{"a": 1, "b": (nodes.x)}');
  });
});

describe('SchemaForm over http.request@1', () => {
  it('renders every input with required markers, help and defaults', () => {
    setup();
    const url = screen.getByRole('textbox', { name: 'URL' });
    expect(url.getAttribute('aria-required')).toBe('true');
    const urlLabel = document.querySelector(`label[for="${url.id}"]`)!;
    expect(urlLabel.querySelector('.sf-required')?.textContent).toBe('*');
    // The description is the field's help text.
    expect(url.getAttribute('aria-describedby')).toBeTruthy();
    expect(document.getElementById(url.getAttribute('aria-describedby')!.split(' ')[0]!)?.textContent).toBe(
      'The full URL, e.g. https://api.example.com/v1/items',
    );
    // Optional fields have no marker.
    const timeout = screen.getByRole('textbox', { name: 'Timeout (ms)' });
    expect(document.querySelector(`label[for="${timeout.id}"] .sf-required`)).toBeNull();
    expect(screen.getByRole('checkbox', { name: 'Fail on error status' })).toHaveProperty('checked', true);
    expect(group('Headers')).toBeTruthy();
    expect(group('Query')).toBeTruthy();
    expect(group('Auth')).toBeTruthy();
    expect(screen.getByRole('textbox', { name: 'Body' }).tagName).toBe('TEXTAREA');
    // Every field has its fx toggle.
    for (const name of ['URL', 'Method', 'Headers', 'Query', 'Body', 'Fail on error status', 'Auth', 'Timeout (ms)'])
      expect(screen.getByRole('button', { name: `fx: use an expression for ${name}` })).toBeTruthy();
  });

  it('offers a file input as a mapping (a file travels by reference), never as fields of its reference', () => {
    const { calls } = setup();
    const field = document.querySelector('[data-field="bodyFile"]')!;
    expect(field.textContent).toMatch(/A file is passed by reference/);
    expect(field.querySelector('input')).toBeNull();
    fireEvent.click(within(field as HTMLElement).getByRole('button', { name: 'Map a file' }));
    expect(calls.at(-1)).toEqual(['bodyFile', { $expr: 'trigger.data.file' }]);
  });

  it('shows the method enum as a select with its default', () => {
    const { calls } = setup();
    const method = screen.getByRole('combobox', { name: 'Method' }) as HTMLSelectElement;
    expect(method.tagName).toBe('SELECT');
    const options = within(method)
      .getAllByRole('option')
      .map((o) => o.textContent);
    expect(options).toEqual(['Default (GET)', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);
    fireEvent.change(method, { target: { value: '1' } });
    expect(calls.at(-1)).toEqual(['method', 'POST']);
    fireEvent.change(method, { target: { value: '' } });
    expect(calls.at(-1)).toEqual(['method', undefined]);
  });

  it('commits strings, clears them, and keeps numbers as drafts until valid', () => {
    const { calls } = setup();
    const url = screen.getByRole('textbox', { name: 'URL' });
    fireEvent.change(url, { target: { value: 'https://api.example.com' } });
    expect(calls.at(-1)).toEqual(['url', 'https://api.example.com']);
    fireEvent.change(url, { target: { value: '' } });
    expect(calls.at(-1)).toEqual(['url', undefined]);

    const timeout = screen.getByRole('textbox', { name: 'Timeout (ms)' }) as HTMLInputElement;
    fireEvent.change(timeout, { target: { value: '2500' } });
    expect(calls.at(-1)).toEqual(['timeoutMs', 2500]);
    const before = calls.length;
    fireEvent.change(timeout, { target: { value: '2500.5' } });
    expect(calls.length).toBe(before);
    expect(timeout.value).toBe('2500.5');
    expect(screen.getByText('Enter a whole number')).toBeTruthy();
    fireEvent.change(timeout, { target: { value: '50' } });
    expect(screen.getByText('At least 100')).toBeTruthy();
  });

  it('leaves a boolean at its default out of the inputs', () => {
    const { calls } = setup();
    const box = screen.getByRole('checkbox', { name: 'Fail on error status' });
    fireEvent.click(box);
    expect(calls.at(-1)).toEqual(['failOnErrorStatus', false]);
    fireEvent.click(box);
    expect(calls.at(-1)).toEqual(['failOnErrorStatus', undefined]);
  });

  it('edits a record as key/value rows', () => {
    const { calls, inputs } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Add headers entry' }));
    const name = screen.getByRole('textbox', { name: 'Name of Headers entry 1' });
    fireEvent.change(name, { target: { value: 'x-api-version' } });
    const value = within(group('Headers: x-api-version')).getByRole('textbox', { name: 'Headers x-api-version value' });
    fireEvent.change(value, { target: { value: '2' } });
    expect(calls.at(-1)).toEqual(['headers', { 'x-api-version': '2' }]);
    fireEvent.click(screen.getByRole('button', { name: 'Remove Headers entry 1' }));
    expect(calls.at(-1)).toEqual(['headers', undefined]);
    expect(inputs()).toEqual({});
  });

  it('offers the variants of a union value in a record row', () => {
    const { calls } = setup({ query: { page: 1 } });
    const row = group('Query: page');
    const kind = within(row).getByRole('combobox', { name: 'Query page value kind' }) as HTMLSelectElement;
    expect(
      within(kind)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['string', 'number', 'boolean']);
    expect(kind.value).toBe('1');
    fireEvent.change(kind, { target: { value: '2' } });
    expect(calls.at(-1)).toEqual(['query', { page: false }]);
  });

  it('edits the auth discriminated union through a variant select', () => {
    const { calls } = setup();
    const auth = group('Auth');
    const type = within(auth).getByRole('combobox', { name: 'Auth type' }) as HTMLSelectElement;
    expect(
      within(type)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['Not set', 'bearer', 'basic', 'header', 'query', 'connection']);
    fireEvent.change(type, { target: { value: '0' } });
    expect(calls.at(-1)).toEqual(['auth', { type: 'bearer' }]);
    fireEvent.change(within(auth).getByRole('textbox', { name: 'Secret' }), { target: { value: 'API_TOKEN' } });
    expect(calls.at(-1)).toEqual(['auth', { type: 'bearer', secret: 'API_TOKEN' }]);
    // Switching keeps what the other variant also has.
    fireEvent.change(type, { target: { value: '1' } });
    expect(calls.at(-1)).toEqual(['auth', { type: 'basic', secret: 'API_TOKEN' }]);
    expect(within(auth).getByRole('textbox', { name: 'Username' }).getAttribute('aria-required')).toBe('true');
    fireEvent.change(type, { target: { value: '' } });
    expect(calls.at(-1)).toEqual(['auth', undefined]);
  });

  it('hands secret-name fields to the secret picker', () => {
    const seen: string[] = [];
    function FakeSecret(p: SecretFieldProps) {
      seen.push(p.label);
      return <input id={p.id} data-testid="secret" value={p.value ?? ''} onChange={(e) => p.onChange(e.target.value)} />;
    }
    const { calls } = setup({ auth: { type: 'header', header: 'x-key', secret: 'KEY' } }, { SecretField: FakeSecret });
    expect(seen).toContain('Secret');
    fireEvent.change(screen.getByTestId('secret'), { target: { value: 'OTHER_KEY' } });
    expect(calls.at(-1)).toEqual(['auth', { type: 'header', header: 'x-key', secret: 'OTHER_KEY' }]);
  });

  it('hands an OAuth connection field (auth type connection) to the connection picker', () => {
    function FakeConnection(p: SecretFieldProps) {
      return <input id={p.id} data-testid="connection" value={p.value ?? ''} onChange={(e) => p.onChange(e.target.value)} />;
    }
    const { calls } = setup({ auth: { type: 'connection', connection: 'con_00000000000000000000' } }, { ConnectionField: FakeConnection });
    fireEvent.change(screen.getByTestId('connection'), { target: { value: 'con_11111111111111111111' } });
    expect(calls.at(-1)).toEqual(['auth', { type: 'connection', connection: 'con_11111111111111111111' }]);
  });

  it('validates JSON in the body before committing it', () => {
    const { calls } = setup();
    const body = screen.getByRole('textbox', { name: 'Body' });
    fireEvent.change(body, { target: { value: '{"name": ' } });
    expect(calls).toHaveLength(0);
    expect(screen.getByText(/Not valid JSON/)).toBeTruthy();
    fireEvent.change(body, { target: { value: '{"name": "Ada"}' } });
    expect(calls.at(-1)).toEqual(['body', { name: 'Ada' }]);
  });

  it('switches a field to an expression and back', () => {
    const { calls } = setup({ url: 'https://api.example.com' });
    const fx = screen.getByRole('button', { name: 'fx: use an expression for URL' });
    expect(fx.getAttribute('aria-pressed')).toBe('false');
    fireEvent.click(fx);
    expect(calls.at(-1)).toEqual(['url', { $expr: '"https://api.example.com"' }]);
    expect(fx.getAttribute('aria-pressed')).toBe('true');
    const expr = screen.getByRole('combobox', { name: 'URL' });
    fireEvent.change(expr, { target: { value: 'trigger.data.url' } });
    expect(calls.at(-1)).toEqual(['url', { $expr: 'trigger.data.url' }]);
    // Expression fields autocomplete.
    fireEvent.change(expr, { target: { value: 'nodes.f', selectionStart: 7, selectionEnd: 7 } });
    expect(screen.getByRole('option', { name: /nodes\.fetch\.status/ })).toBeTruthy();
    // Back to a literal: only plain JSON survives.
    fireEvent.click(fx);
    expect(calls.at(-1)).toEqual(['url', undefined]);
    expect(screen.getByRole('textbox', { name: 'URL' })).toBeTruthy();
  });

  it('switches an empty nested field to an expression', () => {
    const { calls } = setup({ auth: { type: 'bearer', secret: 'A' } });
    fireEvent.click(screen.getByRole('button', { name: 'fx: use an expression for Secret' }));
    expect(calls.at(-1)).toEqual(['auth', { type: 'bearer', secret: { $expr: '"A"' } }]);
    fireEvent.click(screen.getByRole('button', { name: 'fx: use an expression for Timeout (ms)' }));
    expect(calls.at(-1)).toEqual(['timeoutMs', { $expr: '' }]);
  });

  it('shows problems at their field', () => {
    setup({}, { errors: { url: ['Node "fetch" (HTTP request) needs the input "url"'] } });
    const url = screen.getByRole('textbox', { name: 'URL' });
    const ids = url.getAttribute('aria-describedby')!.split(' ');
    expect(ids.map((id) => document.getElementById(id)?.textContent).join(' ')).toContain('needs the input "url"');
  });

  it('disables everything when read-only', () => {
    setup({ headers: { a: 'b' } }, { disabled: true });
    const controls = [...document.querySelectorAll('input, select, textarea, button')] as HTMLInputElement[];
    expect(controls.length).toBeGreaterThan(10);
    expect(controls.filter((c) => !c.disabled && !c.readOnly)).toEqual([]);
  });

  it('does not remount fields while typing', () => {
    setup();
    const url = screen.getByRole('textbox', { name: 'URL' });
    const method = screen.getByRole('combobox', { name: 'Method' });
    url.focus();
    fireEvent.change(url, { target: { value: 'h' } });
    fireEvent.change(url, { target: { value: 'ht' } });
    expect(screen.getByRole('textbox', { name: 'URL' })).toBe(url);
    expect(screen.getByRole('combobox', { name: 'Method' })).toBe(method);
    expect(document.activeElement).toBe(url);
  });
});

describe('SchemaForm over other shapes', () => {
  const custom: JsonSchema = {
    type: 'object',
    properties: {
      tags: { type: 'array', items: { type: 'string' }, description: 'Labels to add' },
      recipients: {
        type: 'array',
        items: { type: 'object', properties: { email: { type: 'string' }, name: { type: 'string' } }, required: ['email'] },
      },
      options: { type: 'object', properties: { priority: { type: 'integer', enum: [1, 2, 3] }, notify: { type: 'boolean' } } },
      target: { anyOf: [{ type: 'string' }, { type: 'object', properties: { channel: { type: 'string' } }, required: ['channel'] }] },
      apiKeySecret: { type: 'string', description: 'The name of the secret holding the API key' },
      maybe: { anyOf: [{ type: 'number' }, { type: 'null' }], default: 3 },
    },
    required: ['tags'],
  };

  function setupCustom(initial: Record<string, unknown> = {}, SecretField?: (p: SecretFieldProps) => React.ReactNode) {
    const calls: [string, unknown][] = [];
    function Host() {
      const [inputs, setInputs] = useState(initial);
      return (
        <SchemaForm
          schema={custom}
          value={inputs}
          SecretField={SecretField}
          onChange={(name, value) => {
            calls.push([name, value]);
            setInputs((old) => {
              const next = { ...old };
              if (value === undefined) delete next[name];
              else next[name] = value;
              return next;
            });
          }}
        />
      );
    }
    render(<Host />);
    return calls;
  }

  it('adds, edits and removes array rows', () => {
    const calls = setupCustom();
    fireEvent.click(screen.getByRole('button', { name: 'Add tags item' }));
    expect(calls.at(-1)).toEqual(['tags', ['']]);
    fireEvent.change(screen.getByRole('textbox', { name: 'Tags item 1' }), { target: { value: 'urgent' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add tags item' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Tags item 2' }), { target: { value: 'vip' } });
    expect(calls.at(-1)).toEqual(['tags', ['urgent', 'vip']]);
    fireEvent.click(screen.getByRole('button', { name: 'Remove Tags item 1' }));
    expect(calls.at(-1)).toEqual(['tags', ['vip']]);
    expect((screen.getByRole('textbox', { name: 'Tags item 1' }) as HTMLInputElement).value).toBe('vip');
    // The array is required: emptied, it stays an empty list.
    fireEvent.click(screen.getByRole('button', { name: 'Remove Tags item 1' }));
    expect(calls.at(-1)).toEqual(['tags', []]);
  });

  it('edits arrays of objects and nested objects as fieldsets', () => {
    const calls = setupCustom();
    fireEvent.click(screen.getByRole('button', { name: 'Add recipients item' }));
    expect(calls.at(-1)).toEqual(['recipients', [{}]]);
    const row = group('Recipients item 1');
    fireEvent.change(within(row).getByRole('textbox', { name: 'Email' }), { target: { value: 'a@b.c' } });
    expect(calls.at(-1)).toEqual(['recipients', [{ email: 'a@b.c' }]]);

    const options = group('Options');
    fireEvent.change(within(options).getByRole('combobox', { name: 'Priority' }), { target: { value: '2' } });
    expect(calls.at(-1)).toEqual(['options', { priority: 3 }]);
    fireEvent.click(within(options).getByRole('checkbox', { name: 'Notify' }));
    expect(calls.at(-1)).toEqual(['options', { priority: 3, notify: true }]);
  });

  it('switches a plain union between a string and an object', () => {
    const calls = setupCustom({ target: '#general' });
    const target = group('Target');
    const kind = within(target).getByRole('combobox', { name: 'Target kind' }) as HTMLSelectElement;
    expect(kind.value).toBe('0');
    fireEvent.change(kind, { target: { value: '1' } });
    expect(calls.at(-1)).toEqual(['target', {}]);
    fireEvent.change(within(target).getByRole('textbox', { name: 'Channel' }), { target: { value: 'C123' } });
    expect(calls.at(-1)).toEqual(['target', { channel: 'C123' }]);
  });

  it('treats a nullable number as a number with its default as placeholder', () => {
    setupCustom();
    expect(screen.getByRole('textbox', { name: 'Maybe' }).getAttribute('placeholder')).toBe('3');
  });

  it('recognises a secret name by its description', () => {
    const labels: string[] = [];
    setupCustom({}, (p) => {
      labels.push(p.label);
      return <select id={p.id} />;
    });
    expect(labels).toContain('API key secret');
  });

  it('labels every control', () => {
    setupCustom({ tags: ['a'], recipients: [{ email: 'x' }], target: { channel: 'c' } });
    for (const el of document.querySelectorAll('input, select, textarea, button')) {
      const named =
        (el as HTMLInputElement).labels?.length ||
        el.getAttribute('aria-label') ||
        el.getAttribute('aria-labelledby') ||
        (el.tagName === 'BUTTON' && el.textContent?.trim());
      expect(named, el.outerHTML).toBeTruthy();
    }
  });
});
