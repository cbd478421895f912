import { describe, expect, it } from 'vitest';
import { actionRef } from '#core/catalog-sdk';
import { evaluateExpression, type ExpressionScope } from '#core/expressions';
import { integrations } from './index';

/**
 * Every catalog action carries an example input (the integration's page and prompt show it as its example usage), and
 * every example is one the action itself accepts: parsed by its own input schema, as a run parses it.
 */
describe('catalog examples', () => {
  const actions = integrations.flatMap((i) => i.actions.map((a) => ({ ref: actionRef(i, a), action: a })));

  it.each(actions.map((a) => [a.ref, a] as const))('%s has an example its input schema accepts', (_ref, { action }) => {
    expect(action.example, 'an example input (ActionDefinition.example)').toBeDefined();
    const parsed = action.input.safeParse(action.example);
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
    expect(Object.keys(action.example as object).length, 'an empty example shows nothing').toBeGreaterThan(0);
  });
});

describe('webhook event examples', () => {
  const events = integrations.flatMap((i) =>
    (i.webhooks ?? []).flatMap((s) => (s.events ?? []).filter((e) => e.example).map((e) => ({ source: s.id, event: e }))),
  );

  it('every webhook source that lists its events has an example payload', () => {
    const sources = integrations.flatMap((i) => (i.webhooks ?? []).filter((s) => s.events?.length).map((s) => s.id));
    expect(new Set(events.map((e) => e.source))).toEqual(new Set(sources));
  });

  it.each(events.map((e) => [`${e.source} ${e.event.type}`, e] as const))('%s: each common field reads a value from the example', async (_name, { event }) => {
    for (const [field, expression] of Object.entries(event.fields ?? {})) {
      const value = await evaluateExpression(expression, event.example as ExpressionScope);
      expect(value, `${field}: ${expression}`).toBeDefined();
    }
  });
});
