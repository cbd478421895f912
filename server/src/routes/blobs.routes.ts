import { z } from 'zod';
import { BlobInfo } from '#core/api';
import { BLOB_KEY_PATTERN } from '#core/blobs';
import { AppError } from '#core/errors';
import type { ServerDeps } from '../deps';
import { defineRoute, type RouteDef } from '../http/route';
import { requireRun } from '../services/runs.service';
import { RunParams } from './runs.routes';

const BlobParams = RunParams.extend({ key: z.string().regex(BLOB_KEY_PATTERN, 'a blob key (blob_ and 32 hex digits)') });
const PREVIEW_BYTES = 4096;

/** A run's stored values (docs/big-runs.md): what the run view shows for a `{ $blob }` reference, and its download. */
export function blobRoutes({ db, blobs }: ServerDeps): RouteDef[] {
  /** The blob's row, when it belongs to this run (its own workflow, or one of its loop batches). */
  const requireRunBlob = async (auth: Parameters<typeof requireRun>[1], runId: string, key: string) => {
    const run = await requireRun(db, auth, runId);
    const row = await blobs?.describe(auth.workspaceId, key);
    if (!blobs || !row || (row.workflow_id !== run.workflow_id && !row.workflow_id.startsWith(`${run.workflow_id}/`)))
      throw new AppError('NOT_FOUND', `Run ${runId} has no stored value ${key} (it may have passed the run data retention, RUN_DATA_RETENTION)`);
    return { row, store: blobs };
  };
  return [
    defineRoute({
      method: 'get',
      path: '/api/runs/:runId/blobs/:key',
      scope: 'runs:read',
      testKey: 'allowed',
      tag: 'Runs',
      summary: "A run's stored value (an output over 128 KiB): size, media type and a preview",
      params: BlobParams,
      responses: { 200: { description: 'The stored value', schema: BlobInfo }, 404: { description: 'No such run, or no such value in it' } },
      async handler({ params, auth }) {
        const { row, store } = await requireRunBlob(auth, params.runId, params.key);
        const bytes = await store.getBytes(auth.workspaceId, row.key);
        const text = row.media_type.includes('json') || row.media_type.startsWith('text/');
        return {
          body: {
            key: row.key,
            size: row.size,
            mediaType: row.media_type,
            preview: text ? bytes.subarray(0, PREVIEW_BYTES).toString('utf8') : '',
            createdAt: row.created_at,
            downloadUrl: `/api/runs/${encodeURIComponent(params.runId)}/blobs/${row.key}/content`,
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/runs/:runId/blobs/:key/content',
      scope: 'runs:read',
      testKey: 'allowed',
      tag: 'Runs',
      summary: "Download a run's stored value, whole",
      params: BlobParams,
      responses: {
        200: {
          description: 'The value, whole, as an attachment with its own media type (`application/json` for JSON values)',
          schema: z.string().meta({ format: 'binary' }),
          contentType: 'application/octet-stream',
        },
        404: { description: 'No such run, or no such value in it' },
      },
      async handler({ params, auth }) {
        const { row, store } = await requireRunBlob(auth, params.runId, params.key);
        const bytes = await store.getBytes(auth.workspaceId, row.key);
        const ext = row.media_type.includes('json') ? '.json' : '';
        return {
          body: bytes,
          contentType: row.media_type,
          headers: { 'content-disposition': `attachment; filename="${row.name ?? row.key + ext}"`, 'x-content-type-options': 'nosniff' },
        };
      },
    }),
  ];
}
