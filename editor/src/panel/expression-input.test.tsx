// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Suggestion } from '../graph/suggestions';
import { ExpressionInput, filterSuggestions, tokenAt } from './expression-input';

const SUGGESTIONS: Suggestion[] = [
  { path: 'trigger.data', type: 'object' },
  { path: 'trigger.id', type: 'string' },
  { path: 'nodes.fetch', type: 'object' },
  { path: 'nodes.fetch.status', type: 'integer' },
  { path: 'nodes.fetch.headers', type: 'object' },
  { path: 'nodes.fetch.body' },
  { path: 'nodes.lookup', type: 'object' },
  { path: 'nodes.lookup.plan', type: 'string' },
];

afterEach(cleanup);

/** A controlled host, as the panel uses it; `changes` records every value reported. */
function setup(initial = '') {
  const changes: string[] = [];
  function Host() {
    const [value, setValue] = useState(initial);
    return (
      <>
        <label htmlFor="e">Condition</label>
        <ExpressionInput
          id="e"
          value={value}
          suggestions={SUGGESTIONS}
          onChange={(v) => {
            changes.push(v);
            setValue(v);
          }}
        />
      </>
    );
  }
  render(<Host />);
  const input = screen.getByRole('combobox', { name: 'Condition' }) as HTMLInputElement;
  const type = (text: string) => {
    input.focus();
    fireEvent.change(input, { target: { value: text, selectionStart: text.length, selectionEnd: text.length } });
  };
  return { input, type, changes };
}

describe('tokenAt / filterSuggestions', () => {
  it('finds the dotted name before the caret', () => {
    expect(tokenAt('nodes.fetch.status = 2', 18)).toEqual({ start: 0, text: 'nodes.fetch.status' });
    expect(tokenAt('$count(nodes.f', 14)).toEqual({ start: 7, text: 'nodes.f' });
    expect(tokenAt('a and nodes.lo', 14)).toEqual({ start: 6, text: 'nodes.lo' });
  });

  it('keeps the paths that start with the token', () => {
    expect(filterSuggestions(SUGGESTIONS, 'nodes.f').map((s) => s.path)).toEqual([
      'nodes.fetch',
      'nodes.fetch.status',
      'nodes.fetch.headers',
      'nodes.fetch.body',
    ]);
  });
});

describe('ExpressionInput', () => {
  it('is a closed combobox until a root and a dot are typed', () => {
    const { input, type } = setup();
    expect(input.getAttribute('aria-expanded')).toBe('false');
    const listId = input.getAttribute('aria-controls')!;
    expect(document.getElementById(listId)?.getAttribute('role')).toBe('listbox');
    type('nodes');
    expect(input.getAttribute('aria-expanded')).toBe('false');
    type('nodes.');
    expect(input.getAttribute('aria-expanded')).toBe('true');
  });

  it('suggests nodes.fetch.status after nodes.f, with types', () => {
    const { input, type } = setup();
    type('nodes.f');
    expect(input.getAttribute('aria-expanded')).toBe('true');
    const options = screen.getAllByRole('option');
    expect(options.map((o) => o.querySelector('.expr-path')?.textContent)).toEqual([
      'nodes.fetch',
      'nodes.fetch.status',
      'nodes.fetch.headers',
      'nodes.fetch.body',
    ]);
    const status = screen.getByRole('option', { name: /nodes\.fetch\.status/ });
    expect(status.textContent).toContain('integer');
    expect(screen.queryByRole('option', { name: /nodes\.lookup/ })).toBeNull();
  });

  it('moves with the arrow keys and accepts with Enter', () => {
    const { input, type, changes } = setup();
    type('nodes.f');
    const options = () => screen.getAllByRole('option');
    expect(options()[0]!.getAttribute('aria-selected')).toBe('true');
    expect(input.getAttribute('aria-activedescendant')).toBe(options()[0]!.id);
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(options()[1]!.getAttribute('aria-selected')).toBe('true');
    expect(input.getAttribute('aria-activedescendant')).toBe(options()[1]!.id);
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    fireEvent.keyDown(input, { key: 'ArrowUp' });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(input.value).toBe('nodes.fetch.status');
    expect(changes.at(-1)).toBe('nodes.fetch.status');
    expect(input.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryAllByRole('option')).toHaveLength(0);
  });

  it('replaces only the token under the caret, and Tab accepts too', () => {
    const { input, type } = setup();
    type('nodes.fetch.status = 200 and trigger.');
    expect(screen.getAllByRole('option').map((o) => o.querySelector('.expr-path')?.textContent)).toEqual(['trigger.data', 'trigger.id']);
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    fireEvent.keyDown(input, { key: 'Tab' });
    expect(input.value).toBe('nodes.fetch.status = 200 and trigger.id');
  });

  it('closes with Escape without changing the text', () => {
    const { input, type } = setup();
    type('trigger.');
    expect(input.getAttribute('aria-expanded')).toBe('true');
    const outer = vi.fn();
    document.addEventListener('keydown', outer);
    fireEvent.keyDown(input, { key: 'Escape' });
    document.removeEventListener('keydown', outer);
    expect(input.getAttribute('aria-expanded')).toBe('false');
    expect(outer).not.toHaveBeenCalled();
    expect(input.value).toBe('trigger.');
  });

  it('accepts a suggestion by click', () => {
    const { input, type } = setup();
    type('nodes.l');
    fireEvent.click(screen.getByRole('option', { name: /nodes\.lookup\.plan/ }));
    expect(input.value).toBe('nodes.lookup.plan');
  });

  it('opens on Ctrl+Space with every suggestion', () => {
    const { input } = setup();
    input.focus();
    fireEvent.keyDown(input, { key: ' ', ctrlKey: true });
    expect(screen.getAllByRole('option')).toHaveLength(SUGGESTIONS.length);
  });

  it('shows a syntax error inline and keeps accepting input', async () => {
    const { input, type, changes } = setup();
    await act(async () => type('nodes.fetch.status = '));
    const error = await screen.findByText(/syntax error/i);
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toContain(error.id);
    await act(async () => type('nodes.fetch.status = 200'));
    expect(changes.at(-1)).toBe('nodes.fetch.status = 200');
    expect(screen.queryByText(/syntax error/i)).toBeNull();
    expect(input.getAttribute('aria-invalid')).toBeNull();
  });

  it('is disabled in read-only mode', () => {
    render(<ExpressionInput aria-label="Items" value="nodes." suggestions={SUGGESTIONS} onChange={() => undefined} disabled />);
    const input = screen.getByRole('combobox', { name: 'Items' });
    expect((input as HTMLInputElement).disabled).toBe(true);
    fireEvent.keyDown(input, { key: ' ', ctrlKey: true });
    expect(input.getAttribute('aria-expanded')).toBe('false');
  });
});
