import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DecryptionError, loadMasterKey, masterKeyFrom, type MasterKey } from './crypto';
import { openDatabase, type Db } from './database';
import { migrateToLatest } from './migrate';
import { rotateMasterKey, SecretStore } from './secrets';
import { createWorkspace } from './workspaces.repository';
import { testDatabaseUrl, usingPostgres } from '../../test/helpers/database';

const newMaster = (label: string): MasterKey => masterKeyFrom(crypto.randomBytes(32), label);

describe('secret store', () => {
  let db: Db;
  let dir: string;
  let url: string;
  let ws: string;
  let other: string;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-secrets-'));
    url = await testDatabaseUrl(dir);
    db = openDatabase(url);
    await migrateToLatest(db);
    ws = (await createWorkspace(db, 'a')).id;
    other = (await createWorkspace(db, 'b')).id;
  });

  afterEach(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores live and test values encrypted and lists only name, modes, last four and time', async () => {
    const store = new SecretStore(db, newMaster('m'));
    const live = 'sk_live_' + crypto.randomBytes(16).toString('hex');
    await store.put(ws, 'STRIPE_SECRET_KEY', { live, test: 'sk_test_abcdefgh1234' });
    expect(await store.list(ws)).toEqual([
      { name: 'STRIPE_SECRET_KEY', live: { last4: `…${live.slice(-4)}` }, test: { last4: '…1234' }, updatedAt: expect.any(String) },
    ]);
    expect(await store.resolve(ws, 'STRIPE_SECRET_KEY', 'live')).toBe(live);
    expect(await store.resolve(ws, 'STRIPE_SECRET_KEY', 'test')).toBe('sk_test_abcdefgh1234');
    expect(await store.list(other)).toEqual([]);
    expect(await store.resolve(other, 'STRIPE_SECRET_KEY', 'live')).toBeUndefined();
    if (usingPostgres) {
      // No file to read: every row of the table, as PostgreSQL stores it, holds no plain value.
      const rows = await db.selectFrom('secrets').selectAll().execute();
      expect(JSON.stringify(rows).includes(live)).toBe(false);
    } else {
      await db.destroy();
      const bytes = fs.readFileSync(url);
      expect(bytes.includes(Buffer.from(live))).toBe(false);
      db = openDatabase(url);
    }
  });

  it('updates one mode without touching the other, and removes a value with null', async () => {
    const store = new SecretStore(db, newMaster('m'));
    await store.put(ws, 'API_TOKEN', { live: 'live-value-1111', test: 'test-value-2222' });
    await store.put(ws, 'API_TOKEN', { test: null });
    expect(await store.resolve(ws, 'API_TOKEN', 'live')).toBe('live-value-1111');
    expect(await store.resolve(ws, 'API_TOKEN', 'test')).toBeUndefined();
    expect((await store.presence(ws, ['API_TOKEN', 'NOPE'])).get('API_TOKEN')).toEqual({ live: true, test: false });
    expect(await store.remove(ws, 'API_TOKEN')).toBe(true);
    expect(await store.remove(ws, 'API_TOKEN')).toBe(false);
  });

  it('refuses a tampered ciphertext with an error naming the secret', async () => {
    const store = new SecretStore(db, newMaster('m'));
    await store.put(ws, 'SLACK_BOT_TOKEN', { live: 'xoxb-123456789' });
    const row = await db.selectFrom('secrets').select('live_value').where('name', '=', 'SLACK_BOT_TOKEN').executeTakeFirstOrThrow();
    const parts = row.live_value!.split('.');
    const flipped = Buffer.from(parts[3]!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    await db
      .updateTable('secrets')
      .set({ live_value: [...parts.slice(0, 3), flipped.toString('base64url')].join('.') })
      .execute();
    await expect(store.resolve(ws, 'SLACK_BOT_TOKEN', 'live')).rejects.toThrow(/SLACK_BOT_TOKEN.*altered/);
    await expect(store.verifyAll()).rejects.toBeInstanceOf(DecryptionError);
  });

  it('binds each value to its secret, mode and workspace: a copied ciphertext does not decrypt', async () => {
    const store = new SecretStore(db, newMaster('m'));
    await store.put(ws, 'A_KEY', { live: 'value-of-a-1234' });
    await store.put(ws, 'B_KEY', { live: 'value-of-b-5678' });
    const a = await db.selectFrom('secrets').select('live_value').where('name', '=', 'A_KEY').executeTakeFirstOrThrow();
    await db.updateTable('secrets').set({ live_value: a.live_value, test_value: a.live_value, test_last4: '…1234' }).where('name', '=', 'B_KEY').execute();
    await expect(store.resolve(ws, 'B_KEY', 'live')).rejects.toThrow(/B_KEY/);
    await expect(store.resolve(ws, 'B_KEY', 'test')).rejects.toThrow(/B_KEY/);
  });

  it('names the problem when started with an unknown master key', async () => {
    await new SecretStore(db, newMaster('the first key')).put(ws, 'GITHUB_TOKEN', { live: 'ghp_abcdefghijkl' });
    const wrong = new SecretStore(db, newMaster('the wrong key'));
    await expect(wrong.verifyAll()).rejects.toThrow(/the wrong key.*not the one that protects workspace/);
    await expect(wrong.resolve(ws, 'GITHUB_TOKEN', 'live')).rejects.toBeInstanceOf(DecryptionError);
  });

  it('rotation: after re-wrapping, 100% of secrets decrypt with the new key and the old key opens nothing', async () => {
    const oldKey = newMaster('old');
    const store = new SecretStore(db, oldKey);
    const expected = new Map<string, string>();
    for (const [w, count] of [
      [ws, 30],
      [other, 20],
    ] as const) {
      for (let i = 0; i < count; i++) {
        const live = `live-${w}-${i}-${crypto.randomBytes(8).toString('hex')}`;
        const test = `test-${w}-${i}-${crypto.randomBytes(8).toString('hex')}`;
        await store.put(w, `SECRET_${i}`, { live, test });
        expected.set(`${w}/SECRET_${i}/live`, live);
        expected.set(`${w}/SECRET_${i}/test`, test);
      }
    }
    const newKey = newMaster('new');
    expect(await rotateMasterKey(db, oldKey, newKey)).toEqual({ rotated: 2 });

    const rotated = new SecretStore(db, newKey);
    expect(await rotated.verifyAll()).toEqual({ workspaces: 2, values: 100 });
    let decrypted = 0;
    for (const [slot, value] of expected) {
      const [w, name, mode] = slot.split('/') as [string, string, 'live' | 'test'];
      expect(await rotated.resolve(w, name, mode)).toBe(value);
      decrypted++;
    }
    expect(decrypted).toBe(expected.size);

    const stale = new SecretStore(db, oldKey);
    await expect(stale.verifyAll()).rejects.toBeInstanceOf(DecryptionError);
    await expect(stale.resolve(ws, 'SECRET_0', 'live')).rejects.toThrow(/not the one that protects/);
    // Even with the fingerprint check bypassed, the old key cannot unwrap the new data keys.
    const row = await db.selectFrom('workspace_keys').selectAll().where('workspace_id', '=', ws).executeTakeFirstOrThrow();
    await db.updateTable('workspace_keys').set({ master_fingerprint: oldKey.fingerprint }).where('workspace_id', '=', ws).execute();
    await expect(new SecretStore(db, oldKey).resolve(ws, 'SECRET_0', 'live')).rejects.toThrow(/cannot be decrypted/);
    await db.updateTable('workspace_keys').set({ master_fingerprint: row.master_fingerprint }).where('workspace_id', '=', ws).execute();
  });

  it('creates the master key file with mode 0600 on first start and reuses it', () => {
    const first = loadMasterKey({}, dir);
    const file = path.join(dir, 'master.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadMasterKey({}, dir).fingerprint).toBe(first.fingerprint);
    const fromEnv = loadMasterKey({ SWITCHYARD_MASTER_KEY: crypto.randomBytes(32).toString('hex') }, dir);
    expect(fromEnv.source).toBe('SWITCHYARD_MASTER_KEY');
    expect(() => loadMasterKey({ SWITCHYARD_MASTER_KEY: 'short' }, dir)).toThrow(/32 bytes/);
  });
});
