import type { Logger } from 'pino';
import type { BlobRef } from '#core/blobs';
import { AppError } from '#core/errors';
import { LimitExceededError, type BlobStore } from '#store/blobs';

/** Stores an uploaded file of a workspace (POST /v1/files); over a workspace limit: 413 naming the limit, nothing stored. */
export async function uploadFile(blobs: BlobStore, workspaceId: string, file: { bytes: Buffer; mediaType: string; name: string }): Promise<BlobRef> {
  try {
    const ref = await blobs.putBytes({ workspaceId, workflowId: `upload:${workspaceId}`, ...file });
    return { $blob: { ...ref.$blob, name: file.name } };
  } catch (err) {
    if (err instanceof LimitExceededError) throw new AppError('PAYLOAD_TOO_LARGE', err.message, { limit: err.limit });
    throw err;
  }
}

/**
 * Keeps runs' stored values to their retention (RUN_DATA_RETENTION, default 30 days): deletes older blobs once a
 * minute after start, then hourly. A blob is deleted bytes first, then its row, so none is left half-deleted.
 */
export function startBlobRetention(o: { blobs: BlobStore; logger: Logger; retentionMs: number; everyMs?: number }): () => void {
  const prune = async () => {
    try {
      const deleted = await o.blobs.deleteOlderThan(new Date(Date.now() - o.retentionMs).toISOString());
      if (deleted > 0) o.logger.info({ deleted }, 'deleted stored run values past their retention');
    } catch (err) {
      o.logger.warn({ err }, 'could not delete stored run values past their retention');
    }
  };
  const first = setTimeout(() => void prune(), 60_000);
  const every = setInterval(() => void prune(), o.everyMs ?? 60 * 60_000);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
