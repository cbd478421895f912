import { describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/helpers/database';
import * as hooks from './webhooks.repository';

async function setup() {
  const db = await openTestDatabase();
  await db.insertInto('workspaces').values({ id: 'ws_1', name: 'w', created_at: new Date().toISOString() }).execute();
  const { row } = await hooks.upsertEndpoint(db, 'ws_1', { kind: 'inbox', source: 'stripe', secretNames: ['STRIPE_WEBHOOK_SECRET'] });
  const now = new Date().toISOString();
  const delivery = (eventType = 'payment_intent.succeeded') => ({
    workspace_id: 'ws_1',
    endpoint_id: row.id,
    mode: 'live',
    received_at: now,
    claimed_at: now,
    headers: '{}',
    body: '{}',
    payload: JSON.stringify({ data: { object: { metadata: { order_id: 'A' } } } }),
    verified: 1,
    status: 'received',
    error: null,
    event_id: 'evt_1',
    event_type: eventType,
  });
  return { db, endpoint: row, delivery };
}

describe('webhook deliveries', () => {
  it('the first delivery of an event owns it; a copy is stored without its body and points at it', async () => {
    const { db, delivery } = await setup();
    const first = await hooks.insertDelivery(db, delivery(), 'evt_1');
    const copy = await hooks.insertDelivery(db, delivery(), 'evt_1');
    expect(first.owner).toBeUndefined();
    expect(copy.owner?.id).toBe(first.id);
    const stored = await hooks.deliveryById(db, copy.id);
    expect(stored).toMatchObject({ duplicate_of: first.id, body: '', payload: null, dedupe_key: null });
  });

  it('exactly one copy takes over a failed first delivery; a fresh one in progress is not taken over, a stalled one is', async () => {
    const { db, delivery } = await setup();
    const { id } = await hooks.insertDelivery(db, delivery(), 'evt_1');
    const past = new Date(Date.now() - 60_000).toISOString();
    expect(await hooks.takeOverDelivery(db, id, past)).toBe(false); // in progress, fresh
    await hooks.updateDelivery(db, id, { status: 'failed' });
    const takes = await Promise.all([hooks.takeOverDelivery(db, id, past), hooks.takeOverDelivery(db, id, past)]);
    expect(takes.filter(Boolean)).toHaveLength(1);
    expect(await hooks.takeOverDelivery(db, id, new Date(Date.now() + 60_000).toISOString())).toBe(true); // stalled
  });

  it('pairs a delivery with a wait once, whichever side comes first', async () => {
    const { db, delivery } = await setup();
    const { id } = await hooks.insertDelivery(db, delivery(), 'evt_1');
    const wait = (n: number) => ({
      id: `wf/run_${n}/paid`,
      workspace_id: 'ws_1',
      run_id: `run_${n}`,
      workflow_id: `wf${n}`,
      node_key: 'paid',
      mode: 'live',
      source: 'stripe',
      event_type: 'payment_intent.succeeded',
      match_field: 'data.object.metadata.order_id',
      match_value: 'A',
      expires_at: new Date(Date.now() + 60_000).toISOString(),
    });
    await hooks.insertWait(db, wait(1));
    await hooks.insertWait(db, wait(2));
    const results = await Promise.all([hooks.pairDeliveryWithWait(db, id, wait(1).id), hooks.pairDeliveryWithWait(db, id, wait(2).id)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const waits = await db.selectFrom('webhook_waits').select(['status']).execute();
    expect(waits.map((w) => w.status).sort()).toEqual(['matched', 'waiting']);
    expect(hooks.deliverySatisfies({ match_field: 'data.object.metadata.order_id', match_value: 'A' }, JSON.parse(delivery().payload))).toBe(true);
    expect(hooks.deliverySatisfies({ match_field: 'data.object.metadata.order_id', match_value: 'B' }, JSON.parse(delivery().payload))).toBe(false);
  });

  it('retention deletes deliveries and waits older than the cutoff, and nothing newer', async () => {
    const { db, delivery } = await setup();
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const cutoff = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const gone = await hooks.insertDelivery(db, { ...delivery(), received_at: old }, 'evt_old');
    const kept = await hooks.insertDelivery(db, delivery(), 'evt_new');
    const wait = (id: string, expires: string) => ({
      id,
      workspace_id: 'ws_1',
      run_id: 'run',
      workflow_id: 'wf',
      node_key: 'paid',
      mode: 'live',
      source: 'stripe',
      event_type: 'payment_intent.succeeded',
      match_field: null,
      match_value: null,
      expires_at: expires,
    });
    await hooks.insertWait(db, wait('wf/old', old));
    await hooks.insertWait(db, wait('wf/new', new Date(Date.now() + 86_400_000).toISOString()));
    expect(await hooks.pruneWebhookHistory(db, cutoff)).toEqual({ deliveries: 1, waits: 1 });
    expect(await hooks.deliveryById(db, gone.id)).toBeUndefined();
    expect(await hooks.deliveryById(db, kept.id)).toBeDefined();
    expect(await hooks.getWait(db, 'wf/old')).toBeUndefined();
    expect(await hooks.getWait(db, 'wf/new')).toBeDefined();
  });
});
