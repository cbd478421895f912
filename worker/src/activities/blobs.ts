import {
  BLOB_INLINE_LIMIT_BYTES,
  BlobActivities,
  containsBlobRef,
  isBlobRef,
  replaceBlobRefs,
  type BlobEvaluateInput,
  type BlobJoinInput,
  type BlobSliceInput,
  type WorkspaceLimits,
} from '#core/blobs';
import { resolveMapping } from '#core/expressions';
import { workspaceLimits, type BlobStore } from '#store/blobs';
import type { Db } from '#store/database';

/** Replaces every JSON blob reference inside `value` by the stored value (the activity side of "expressions read into blobs"). */
export function hydrateBlobs(blobs: BlobStore, workspaceId: string, value: unknown): Promise<unknown> {
  if (!containsBlobRef(value)) return Promise.resolve(value);
  const cache = new Map<string, Promise<unknown>>();
  return replaceBlobRefs(value, (ref) => {
    // A file (audio, an image…) stays a reference: the action that needs its bytes reads them.
    if (!ref.$blob.mediaType.includes('json')) return Promise.resolve(ref);
    let loaded = cache.get(ref.$blob.key);
    if (!loaded) cache.set(ref.$blob.key, (loaded = blobs.getJson(workspaceId, ref.$blob.key)));
    return loaded;
  });
}

/**
 * What may enter Temporal's history: the value itself when its JSON is at most BLOB_INLINE_LIMIT_BYTES, else a
 * reference to it in the blob store (the run's blob, deleted with its data).
 */
export async function offloadIfLarge(blobs: BlobStore | undefined, o: { workspaceId: string; workflowId: string }, value: unknown): Promise<unknown> {
  if (!blobs || value === undefined || isBlobRef(value)) return value;
  const json = JSON.stringify(value);
  if (json === undefined || Buffer.byteLength(json, 'utf8') <= BLOB_INLINE_LIMIT_BYTES) return value;
  const ref = await blobs.putJson({ ...o, value, json });
  return Array.isArray(value) ? { $blob: { ...ref.$blob, length: value.length } } : ref;
}

/** Local activities of the interpreter that read or write blobs; the workflow sandbox never sees blob bytes. */
export function createBlobActivities(blobs: BlobStore, db: Db) {
  return {
    /** Resolves a mapping over a scope holding blob references: loads them here, evaluates, offloads a large result. */
    [BlobActivities.evaluate]: async ({ workspaceId, workflowId, mapping, scope }: BlobEvaluateInput): Promise<unknown> => {
      const loaded = (await hydrateBlobs(blobs, workspaceId, scope)) as Record<string, unknown>;
      return offloadIfLarge(blobs, { workspaceId, workflowId }, await resolveMapping(mapping, loaded));
    },
    /** Joins a big loop's batch outputs (each a list, inline or a blob) into one list; large: one blob. */
    [BlobActivities.joinLists]: async ({ workspaceId, workflowId, parts }: BlobJoinInput): Promise<unknown> => {
      const lists = (await hydrateBlobs(blobs, workspaceId, parts)) as unknown[][];
      return offloadIfLarge(blobs, { workspaceId, workflowId }, lists.flat());
    },
    [BlobActivities.slice]: async ({ workspaceId, ref, from, count }: BlobSliceInput): Promise<unknown[]> => {
      const list = await blobs.getJson(workspaceId, ref.$blob.key);
      if (!Array.isArray(list)) throw new Error(`Blob ${ref.$blob.key} holds no list, so a forEach cannot run over it`);
      return list.slice(from, from + count);
    },
    [BlobActivities.limits]: ({ workspaceId }: { workspaceId: string }): Promise<WorkspaceLimits> => workspaceLimits(db, workspaceId),
  };
}
