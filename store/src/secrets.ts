import type { RunMode } from '#core/catalog-sdk';
import { decrypt, decryptBytes, DecryptionError, encrypt, encryptBytes, masterKeyFrom, type MasterKey } from './crypto';
import crypto from 'node:crypto';
import type { Db } from './database';
import { nowIso } from './database';
import { newId } from './ids';

export interface SecretSummary {
  name: string;
  live: { last4: string } | null;
  test: { last4: string } | null;
  updatedAt: string;
}

/** `…` + the last four characters: enough to recognise a key, never enough to use it. */
function last4(value: string): string {
  return value.length <= 8 ? '…' : `…${value.slice(-4)}`;
}

const valueAad = (workspaceId: string, name: string, mode: RunMode) => `secret:${workspaceId}:${name}:${mode}`;
const keyAad = (workspaceId: string) => `data-key:${workspaceId}`;

/**
 * The workspace secret store: values are encrypted with the workspace's data key (AES-256-GCM), which is
 * stored wrapped by the master key. Nothing here ever returns a value except `resolve`, which only the
 * worker's activities call at execution time.
 */
export class SecretStore {
  private readonly dataKeys = new Map<string, Buffer>();

  constructor(
    private readonly db: Db,
    private readonly master: MasterKey,
  ) {}

  private async dataKey(workspaceId: string, create: boolean): Promise<Buffer | undefined> {
    const cached = this.dataKeys.get(workspaceId);
    if (cached) return cached;
    const row = await this.db.selectFrom('workspace_keys').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (row) {
      const key = unwrap(this.master, row.wrapped_key, row.master_fingerprint, workspaceId);
      this.dataKeys.set(workspaceId, key);
      return key;
    }
    if (!create) return undefined;
    const key = crypto.randomBytes(32);
    await this.db
      .insertInto('workspace_keys')
      .values({
        workspace_id: workspaceId,
        wrapped_key: encrypt(this.master.key, key, keyAad(workspaceId)),
        master_fingerprint: this.master.fingerprint,
        created_at: nowIso(),
        rotated_at: null,
      })
      .onConflict((oc) => oc.column('workspace_id').doNothing())
      .execute();
    // Another process may have won the race: read back what is stored.
    this.dataKeys.delete(workspaceId);
    return this.dataKey(workspaceId, false);
  }

  /** Sets the live and/or test value (`null` removes that value, `undefined` leaves it). */
  async put(workspaceId: string, name: string, values: { live?: string | null; test?: string | null }): Promise<SecretSummary> {
    const key = (await this.dataKey(workspaceId, true))!;
    const now = nowIso();
    const columns: Partial<{ live_value: string | null; live_last4: string | null; test_value: string | null; test_last4: string | null }> = {};
    for (const mode of ['live', 'test'] as const) {
      const value = values[mode];
      if (value === undefined) continue;
      columns[`${mode}_value`] = value === null ? null : encrypt(key, Buffer.from(value, 'utf8'), valueAad(workspaceId, name, mode));
      columns[`${mode}_last4`] = value === null ? null : last4(value);
    }
    await this.db
      .insertInto('secrets')
      .values({
        id: newId('key').replace('key_', 'sec_'),
        workspace_id: workspaceId,
        name,
        live_value: null,
        live_last4: null,
        test_value: null,
        test_last4: null,
        ...columns,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['workspace_id', 'name']).doUpdateSet({ ...columns, updated_at: now }))
      .execute();
    return (await this.summary(workspaceId, name))!;
  }

  async remove(workspaceId: string, name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('secrets').where('workspace_id', '=', workspaceId).where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async summary(workspaceId: string, name: string): Promise<SecretSummary | undefined> {
    const row = await this.db
      .selectFrom('secrets')
      .select(['name', 'live_last4', 'test_last4', 'updated_at'])
      .where('workspace_id', '=', workspaceId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toSummary(row);
  }

  async list(workspaceId: string): Promise<SecretSummary[]> {
    const rows = await this.db
      .selectFrom('secrets')
      .select(['name', 'live_last4', 'test_last4', 'updated_at'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('name')
      .execute();
    return rows.map(toSummary);
  }

  /** Which of these names have a live and a test value. */
  async presence(workspaceId: string, names: string[]): Promise<Map<string, { live: boolean; test: boolean }>> {
    const out = new Map(names.map((n) => [n, { live: false, test: false }]));
    if (names.length === 0) return out;
    const rows = await this.db
      .selectFrom('secrets')
      .select(['name', 'live_last4', 'test_last4'])
      .where('workspace_id', '=', workspaceId)
      .where('name', 'in', names)
      .execute();
    for (const r of rows) out.set(r.name, { live: r.live_last4 !== null, test: r.test_last4 !== null });
    return out;
  }

  /** The plain value for a run of this mode, or undefined. Throws a DecryptionError naming the secret. */
  async resolve(workspaceId: string, name: string, mode: RunMode): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('secrets')
      .select(['live_value', 'test_value'])
      .where('workspace_id', '=', workspaceId)
      .where('name', '=', name)
      .executeTakeFirst();
    const payload = mode === 'test' ? row?.test_value : row?.live_value;
    if (!payload) return undefined;
    const key = (await this.dataKey(workspaceId, false))!;
    return decrypt(key, payload, valueAad(workspaceId, name, mode), `The ${mode} value of secret ${name}`).toString('utf8');
  }

  /**
   * Encrypts a value that is not a named secret (OAuth tokens, a PKCE verifier) with the workspace's data key, bound to
   * `binding` (its AAD, e.g. `oauth-token:<ws>:<connection>:<mode>`): the same envelope as secret values.
   */
  async seal(workspaceId: string, binding: string, plaintext: string): Promise<string> {
    const key = (await this.dataKey(workspaceId, true))!;
    return encrypt(key, Buffer.from(plaintext, 'utf8'), binding);
  }

  /** Decrypts what `seal` made with the same binding; throws a DecryptionError naming `what`. */
  async open(workspaceId: string, binding: string, payload: string, what: string): Promise<string> {
    const key = await this.dataKey(workspaceId, false);
    if (!key) throw new DecryptionError(`${what} cannot be decrypted: workspace ${workspaceId} has no data key`);
    return decrypt(key, payload, binding, what).toString('utf8');
  }

  /** Binary `seal` for large values (blobs): the workspace's data key, bound to `binding`. */
  async sealBytes(workspaceId: string, binding: string, plaintext: Buffer): Promise<Buffer> {
    const key = (await this.dataKey(workspaceId, true))!;
    return encryptBytes(key, plaintext, binding);
  }

  /** Decrypts what `sealBytes` made with the same binding; throws a DecryptionError naming `what`. */
  async openBytes(workspaceId: string, binding: string, sealed: Buffer, what: string): Promise<Buffer> {
    const key = await this.dataKey(workspaceId, false);
    if (!key) throw new DecryptionError(`${what} cannot be decrypted: workspace ${workspaceId} has no data key`);
    return decryptBytes(key, sealed, binding, what);
  }

  /** Decrypts every stored value (startup check and rotation check); throws on the first that fails. */
  async verifyAll(): Promise<{ workspaces: number; values: number }> {
    const rows = await this.db.selectFrom('secrets').select(['workspace_id', 'name', 'live_value', 'test_value']).execute();
    let values = 0;
    const workspaces = new Set<string>();
    for (const row of rows) {
      workspaces.add(row.workspace_id);
      const key = (await this.dataKey(row.workspace_id, false))!;
      for (const mode of ['live', 'test'] as const) {
        const payload = mode === 'live' ? row.live_value : row.test_value;
        if (!payload) continue;
        decrypt(key, payload, valueAad(row.workspace_id, row.name, mode), `The ${mode} value of secret ${row.name} (workspace ${row.workspace_id})`);
        values++;
      }
    }
    return { workspaces: workspaces.size, values };
  }
}

function toSummary(row: { name: string; live_last4: string | null; test_last4: string | null; updated_at: string }): SecretSummary {
  return {
    name: row.name,
    live: row.live_last4 ? { last4: row.live_last4 } : null,
    test: row.test_last4 ? { last4: row.test_last4 } : null,
    updatedAt: row.updated_at,
  };
}

function unwrap(master: MasterKey, wrapped: string, fingerprint: string, workspaceId: string): Buffer {
  if (fingerprint !== master.fingerprint) {
    throw new DecryptionError(
      `The master key from ${master.source} (fingerprint ${master.fingerprint}) is not the one that protects workspace ${workspaceId}'s secrets (fingerprint ${fingerprint}). Start with the original SWITCHYARD_MASTER_KEY or data/master.key, or rotate from it.`,
    );
  }
  return decrypt(master.key, wrapped, keyAad(workspaceId), `The data key of workspace ${workspaceId}`);
}

/**
 * Re-wraps every workspace data key with a new master key, in one transaction. Secret values are not
 * touched (they are encrypted with the data keys). Afterwards the old master key opens nothing.
 */
export async function rotateMasterKey(db: Db, from: MasterKey, to: MasterKey): Promise<{ rotated: number }> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('workspace_keys').selectAll().execute();
    const now = nowIso();
    for (const row of rows) {
      const key = unwrap(from, row.wrapped_key, row.master_fingerprint, row.workspace_id);
      await trx
        .updateTable('workspace_keys')
        .set({ wrapped_key: encrypt(to.key, key, keyAad(row.workspace_id)), master_fingerprint: to.fingerprint, rotated_at: now })
        .where('workspace_id', '=', row.workspace_id)
        .execute();
    }
    return { rotated: rows.length };
  });
}

export { DecryptionError };

/** A store with a throwaway master key, for benchmarks and tools that never keep secrets. */
export function ephemeralSecretStore(db: Db): SecretStore {
  return new SecretStore(db, masterKeyFrom(crypto.randomBytes(32), 'an ephemeral key'));
}
