import { z } from 'zod';
import { UploadedFile } from '#core/api';
import { FILE_MEDIA_TYPES, FILE_NAME_PATTERN } from '#core/blobs';
import { AppError } from '#core/errors';
import type { ServerDeps } from '../deps';
import { defineRoute, type RouteDef } from '../http/route';
import { uploadFile } from '../services/blobs.service';

const FileQuery = z.object({
  /** The file's name, as an email attachment or an upload to a provider will carry it (`interview.wav`). */
  name: z.string().regex(FILE_NAME_PATTERN, 'a file name: 1–200 characters, no slash, backslash or control character'),
});

/**
 * Files (docs/big-runs.md): an app uploads the bytes in the body, in their own media type, and gets the stored file
 * back as the reference a flow takes (an event's data, an input). Stored like any blob: encrypted with the workspace's
 * data key, under the workspace's limits, deleted after RUN_DATA_RETENTION.
 */
export function fileRoutes({ blobs, fileUploadLimit }: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/files',
      scope: 'events:write',
      testKey: 'allowed',
      tag: 'Files',
      summary: `Upload a file (the body is its bytes, Content-Type its media type; at most ${fileUploadLimit ?? '25mb'})`,
      query: FileQuery,
      responses: {
        201: { description: 'Stored; pass `file` to a flow (in an event’s data or an invoke’s input)', schema: UploadedFile },
        400: { description: 'No bytes were sent' },
        413: { description: 'Over the upload limit, or over the workspace’s blob size or total storage limit (the message names it)' },
        415: { description: 'A media type files may not have' },
      },
      async handler({ query, auth, req }) {
        if (!blobs) throw new AppError('NOT_FOUND', 'This server stores no files (no blob store is configured)');
        const mediaType = String(req.headers['content-type'] ?? '')
          .split(';')[0]!
          .trim()
          .toLowerCase();
        if (!(FILE_MEDIA_TYPES as readonly string[]).includes(mediaType)) {
          throw new AppError(
            'UNSUPPORTED_MEDIA_TYPE',
            `A file's Content-Type must be one of ${FILE_MEDIA_TYPES.join(', ')}; got ${mediaType ? `"${mediaType}"` : 'none'}. Send the file's own media type.`,
          );
        }
        const bytes = req.body as unknown;
        if (!Buffer.isBuffer(bytes) || bytes.length === 0)
          throw new AppError('VALIDATION_FAILED', 'The body is empty: send the file’s bytes as the request body');
        return { status: 201, body: { file: await uploadFile(blobs, auth.workspaceId, { bytes, mediaType, name: query.name }) } };
      },
    }),
  ];
}
