import type { Logger } from 'pino';
import type { BlobStore } from '#store/blobs';

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
