import { z } from 'zod';
import { FileRef, type ActionContext } from './catalog-sdk';
import { NonRetryableError } from './errors';

/** Email attachments: files of the run's workspace (docs/big-runs.md, "Files"). */
export const Attachments = z.array(FileRef).max(20).describe('Files to attach, e.g. [{{trigger.data.file}}]');

/** The most attachments may weigh together: under what common mail servers accept once base64-encoded (~33% more). */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

export interface LoadedAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

/**
 * Reads the files to attach, refusing (before anything is sent) a set over MAX_ATTACHMENT_BYTES or a step that cannot
 * read files. Each keeps its name (`attachment-N` with the media type's extension when it has none).
 */
export async function loadAttachments(ctx: ActionContext, files: FileRef[] | undefined, where: string): Promise<LoadedAttachment[]> {
  if (!files || files.length === 0) return [];
  const total = files.reduce((n, f) => n + f.$blob.size, 0);
  if (total > MAX_ATTACHMENT_BYTES)
    throw new NonRetryableError(`${where}: the attachments weigh ${total} bytes, over the ${MAX_ATTACHMENT_BYTES}-byte limit: attach fewer or smaller files, or send a link.`, {
      code: 'ATTACHMENTS_TOO_LARGE',
    });
  if (!ctx.files) throw new NonRetryableError(`${where}: files cannot be read here`, { code: 'FILES_UNAVAILABLE' });
  const reader = ctx.files;
  return Promise.all(
    files.map(async (f, i) => ({
      filename: f.$blob.name ?? `attachment-${i + 1}.${f.$blob.mediaType.split('/')[1]?.replace(/[^a-z0-9]/g, '') || 'bin'}`,
      contentType: f.$blob.mediaType,
      content: await reader.read(f),
    })),
  );
}
