import { z } from 'zod';
import { BlobInfo, LoopItems } from '#core/api';
import { BLOB_KEY_PATTERN, blobRefsIn, isBlobRef } from '#core/blobs';
import { AppError } from '#core/errors';
import type { ServerDeps } from '../deps';
import { defineRoute, type RouteDef } from '../http/route';
import { requireRun, runDetail } from '../services/runs.service';
import { RunParams } from './runs.routes';

const BlobParams = RunParams.extend({ key: z.string().regex(BLOB_KEY_PATTERN, 'a blob key (blob_ and 32 hex digits)') });
const PREVIEW_BYTES = 4096;

/** A run's stored values (docs/big-runs.md): what the run view shows for a `{ $blob }` reference, and its download. */
export function blobRoutes({ db, blobs, temporal }: ServerDeps): RouteDef[] {
  /**
   * The blob's row, when it belongs to this run: stored by its own workflow or one of its loop batches, or a file its
   * trigger carried (an upload through /v1/files, a webhook's form file), which is stored before the run exists.
   */
  const requireRunBlob = async (auth: Parameters<typeof requireRun>[1], runId: string, key: string) => {
    const run = await requireRun(db, auth, runId);
    const row = await blobs?.describe(auth.workspaceId, key);
    const ownBlob = (workflowId: string) => workflowId === run.workflow_id || workflowId.startsWith(`${run.workflow_id}/`);
    const triggerFile = () => blobRefsIn(run.trigger).some((ref) => ref.$blob.key === key);
    if (!blobs || !row || !(ownBlob(row.workflow_id) || triggerFile()))
      throw new AppError('NOT_FOUND', `Run ${runId} has no stored value ${key} (it may have passed the run data retention, RUN_DATA_RETENTION)`);
    return { row, store: blobs };
  };
  return [
    defineRoute({
      method: 'get',
      path: '/api/runs/:runId/nodes/:nodeKey/items',
      scope: 'runs:read',
      testKey: 'allowed',
      tag: 'Runs',
      summary: "A page of a forEach's items and their outputs (a big loop's outputs are stored, not in the run's detail)",
      params: RunParams.extend({ nodeKey: z.string().min(1).max(200) }),
      query: z.object({ offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(200).default(50) }),
      responses: { 200: { description: 'The page', schema: LoopItems }, 404: { description: 'No such run, or no finished forEach with this key in it' } },
      async handler({ params, query, auth }) {
        const run = await runDetail(db, temporal, auth, params.runId);
        const node = run.nodes.find((n) => n.key === params.nodeKey);
        if (!node || node.type !== 'forEach')
          throw new AppError('NOT_FOUND', `Run ${params.runId} has no forEach step "${params.nodeKey}"; its steps are ${run.nodes.map((n) => n.key).join(', ')}`);
        let outputs = node.output;
        if (isBlobRef(outputs)) {
          if (!blobs) throw new AppError('NOT_FOUND', `The outputs of "${params.nodeKey}" are stored, and this server keeps no stored values`);
          outputs = await blobs.getJson(auth.workspaceId, outputs.$blob.key);
        }
        if (!Array.isArray(outputs))
          throw new AppError('NOT_FOUND', `"${params.nodeKey}" has no outputs yet (it is ${node.status}); its items are listed once it has finished`);
        const page = outputs.slice(query.offset, query.offset + query.limit);
        return { body: { nodeKey: node.key, total: outputs.length, offset: query.offset, items: page.map((output, i) => ({ index: query.offset + i, output })) } };
      },
    }),
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
