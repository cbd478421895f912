import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BLOB_KEY_PATTERN, BLOB_PREVIEW_CHARS, DEFAULT_WORKSPACE_LIMITS, LIMIT_EXCEEDED, type BlobRef, type WorkspaceLimits } from '#core/blobs';
import type { Db } from './database';
import { nowIso } from './database';
import type { SecretStore } from './secrets';

/** Where blob bytes live: the local file system (default) or S3-compatible object storage. Keys are `<workspace>/<blob key>`. */
export interface BlobBackend {
  put(key: string, bytes: Buffer): Promise<void>;
  /** The bytes, or undefined when there is no such blob. */
  get(key: string): Promise<Buffer | undefined>;
  delete(key: string): Promise<void>;
}

/** Blobs as files under a folder (`<DATA_DIR>/blobs`); written to a temporary name and renamed, so a crash leaves no half blob. */
export class FileBlobBackend implements BlobBackend {
  constructor(private readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, ...key.split('/'));
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const file = this.file(key);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.partial`;
    await fs.promises.writeFile(partial, bytes, { mode: 0o600 });
    await fs.promises.rename(partial, file);
  }

  async get(key: string): Promise<Buffer | undefined> {
    return fs.promises.readFile(this.file(key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
  }

  async delete(key: string): Promise<void> {
    await fs.promises.rm(this.file(key), { force: true });
  }
}

/** A limit of big runs was reached: the message names the limit, its value and how to raise it. */
export class LimitExceededError extends Error {
  override readonly name = LIMIT_EXCEEDED;
  constructor(
    readonly limit: keyof WorkspaceLimits,
    message: string,
  ) {
    super(message);
  }
}

export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFound';
}

/** A workspace's limits of big runs: its `workspace_limits` row over the defaults. */
export async function workspaceLimits(db: Db, workspaceId: string): Promise<WorkspaceLimits> {
  const row = await db.selectFrom('workspace_limits').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
  return {
    maxLoopItems: row?.max_loop_items ?? DEFAULT_WORKSPACE_LIMITS.maxLoopItems,
    maxBlobBytes: row?.max_blob_bytes ?? DEFAULT_WORKSPACE_LIMITS.maxBlobBytes,
    maxStorageBytes: row?.max_storage_bytes ?? DEFAULT_WORKSPACE_LIMITS.maxStorageBytes,
  };
}

export async function setWorkspaceLimits(db: Db, workspaceId: string, limits: Partial<WorkspaceLimits>): Promise<void> {
  const values = {
    max_loop_items: limits.maxLoopItems ?? null,
    max_blob_bytes: limits.maxBlobBytes ?? null,
    max_storage_bytes: limits.maxStorageBytes ?? null,
    updated_at: nowIso(),
  };
  await db
    .insertInto('workspace_limits')
    .values({ workspace_id: workspaceId, ...values })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet(values))
    .execute();
}

/**
 * The blob store: values too large for Temporal's history, encrypted with the workspace's data key (AES-256-GCM,
 * bound to the workspace and blob key, so a blob copied elsewhere does not decrypt), with a row each for
 * retention and limits. The row is written after the bytes: a crash in between leaves an unreferenced file, never a
 * row without bytes.
 */
export class BlobStore {
  constructor(
    private readonly db: Db,
    private readonly secrets: SecretStore,
    private readonly backend: BlobBackend,
  ) {}

  private static binding(workspaceId: string, key: string): string {
    return `blob:${workspaceId}:${key}`;
  }

  /** Stores bytes for a run (workflow id) and returns the reference. Refuses (LimitExceededError) beyond the workspace's limits. */
  async putBytes(o: { workspaceId: string; workflowId: string; bytes: Buffer; mediaType: string; name?: string; preview?: string }): Promise<BlobRef> {
    const limits = await workspaceLimits(this.db, o.workspaceId);
    if (o.bytes.length > limits.maxBlobBytes) {
      throw new LimitExceededError(
        'maxBlobBytes',
        `The value is ${o.bytes.length} bytes, over this workspace's blob size limit (maxBlobBytes = ${limits.maxBlobBytes}); return less data, or ask an admin to raise the limit`,
      );
    }
    const used = await this.usedBytes(o.workspaceId);
    if (used + o.bytes.length > limits.maxStorageBytes) {
      throw new LimitExceededError(
        'maxStorageBytes',
        `Storing ${o.bytes.length} more bytes would take this workspace past its total storage limit (maxStorageBytes = ${limits.maxStorageBytes}; ${used} used); delete old runs' data or ask an admin to raise the limit`,
      );
    }
    const key = `blob_${crypto.randomBytes(16).toString('hex')}`;
    const sealed = await this.secrets.sealBytes(o.workspaceId, BlobStore.binding(o.workspaceId, key), o.bytes);
    await this.backend.put(`${o.workspaceId}/${key}`, sealed);
    await this.db
      .insertInto('blobs')
      .values({
        key,
        workspace_id: o.workspaceId,
        workflow_id: o.workflowId,
        size: o.bytes.length,
        media_type: o.mediaType,
        name: o.name ?? null,
        created_at: nowIso(),
      })
      .execute();
    const preview =
      o.preview ?? (o.mediaType.includes('json') || o.mediaType.startsWith('text/') ? o.bytes.subarray(0, BLOB_PREVIEW_CHARS * 2).toString('utf8') : '');
    return { $blob: { key, size: o.bytes.length, mediaType: o.mediaType, preview: preview.slice(0, BLOB_PREVIEW_CHARS), ...(o.name ? { name: o.name } : {}) } };
  }

  /** Stores a JSON value. */
  putJson(o: { workspaceId: string; workflowId: string; value: unknown; json?: string }): Promise<BlobRef> {
    const json = o.json ?? JSON.stringify(o.value);
    return this.putBytes({ workspaceId: o.workspaceId, workflowId: o.workflowId, bytes: Buffer.from(json, 'utf8'), mediaType: 'application/json' });
  }

  async describe(workspaceId: string, key: string) {
    if (!BLOB_KEY_PATTERN.test(key)) return undefined;
    return this.db.selectFrom('blobs').selectAll().where('workspace_id', '=', workspaceId).where('key', '=', key).executeTakeFirst();
  }

  /** The decrypted bytes of a workspace's blob; BlobNotFoundError when it is not this workspace's or was deleted. */
  async getBytes(workspaceId: string, key: string): Promise<Buffer> {
    const row = await this.describe(workspaceId, key);
    const sealed = row ? await this.backend.get(`${workspaceId}/${key}`) : undefined;
    if (!row || !sealed) throw new BlobNotFoundError(`Blob ${key} does not exist in this workspace (it may have passed the run data retention)`);
    return this.secrets.openBytes(workspaceId, BlobStore.binding(workspaceId, key), sealed, `Blob ${key}`);
  }

  async getJson(workspaceId: string, key: string): Promise<unknown> {
    return JSON.parse((await this.getBytes(workspaceId, key)).toString('utf8')) as unknown;
  }

  async usedBytes(workspaceId: string): Promise<number> {
    const row = await this.db
      .selectFrom('blobs')
      .select((eb) => eb.fn.sum<number>('size').as('total'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst();
    return Number(row?.total ?? 0);
  }

  /** Deletes the blobs created before `before` (run data retention); returns how many. Bytes first, then the row. */
  async deleteOlderThan(before: string, batch = 500): Promise<number> {
    let deleted = 0;
    for (;;) {
      const rows = await this.db.selectFrom('blobs').select(['key', 'workspace_id']).where('created_at', '<', before).limit(batch).execute();
      if (rows.length === 0) return deleted;
      for (const r of rows) await this.backend.delete(`${r.workspace_id}/${r.key}`);
      await this.db
        .deleteFrom('blobs')
        .where(
          'key',
          'in',
          rows.map((r) => r.key),
        )
        .execute();
      deleted += rows.length;
    }
  }

  /** Deletes every blob of one run (its workflow id and its loop batches' `<id>/…`). */
  async deleteOfWorkflow(workspaceId: string, workflowId: string): Promise<number> {
    const rows = await this.db
      .selectFrom('blobs')
      .select('key')
      .where('workspace_id', '=', workspaceId)
      .where((eb) => eb.or([eb('workflow_id', '=', workflowId), eb('workflow_id', 'like', `${workflowId}/%`)]))
      .execute();
    for (const r of rows) await this.backend.delete(`${workspaceId}/${r.key}`);
    if (rows.length > 0)
      await this.db
        .deleteFrom('blobs')
        .where(
          'key',
          'in',
          rows.map((r) => r.key),
        )
        .execute();
    return rows.length;
  }
}
