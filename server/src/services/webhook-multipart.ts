import { FILE_MEDIA_TYPES, FILE_NAME_PATTERN } from '#core/blobs';
import type { FileRef } from '#core/catalog-sdk';
import { WebhookRejected } from '#core/webhooks';
import { LimitExceededError, type BlobStore } from '#store/blobs';

/** The most files one form delivery may carry. */
export const MAX_FORM_FILES = 20;

/**
 * A `multipart/form-data` delivery (a website form with a file, an inbound-mail service's attachments) as a flow's
 * trigger data: each text field as a string (a repeated name as a list), each file part stored in the blob store
 * (encrypted, the workspace's limits) and given as a file reference (docs/big-runs.md, "Files"). Parsed by undici's
 * multipart parser (the WHATWG `Request.formData()` of Node's fetch). `summary` is what the delivery log keeps
 * instead of the raw bytes: the fields, and each file's name, type and size.
 */
export async function formDeliveryPayload(
  blobs: BlobStore | undefined,
  o: { workspaceId: string; deliveryKey: string; rawBody: Buffer; contentType: string },
): Promise<{ payload: Record<string, unknown>; summary: string }> {
  let form: FormData;
  try {
    form = await new Request('http://localhost/', { method: 'POST', headers: { 'content-type': o.contentType }, body: new Uint8Array(o.rawBody) }).formData();
  } catch (err) {
    throw new WebhookRejected(400, 'BODY_INVALID', `The body is not valid multipart/form-data (${(err as Error).message})`);
  }
  const entries = [...form.entries()];
  const files = entries.filter(([, v]) => typeof v !== 'string');
  if (files.length > MAX_FORM_FILES) throw new WebhookRejected(413, 'TOO_MANY_FILES', `A delivery may carry at most ${MAX_FORM_FILES} files (got ${files.length})`);
  if (files.length > 0 && !blobs) throw new WebhookRejected(415, 'FILES_UNSUPPORTED', 'This server keeps no files (no blob store): send the form without files');
  const payload: Record<string, unknown> = {};
  const summary: Record<string, unknown> = {};
  const add = (into: Record<string, unknown>, name: string, value: unknown) => {
    const had = into[name];
    into[name] = had === undefined ? value : Array.isArray(had) ? [...(had as unknown[]), value] : [had, value];
  };
  for (const [name, value] of entries) {
    if (typeof value === 'string') {
      add(payload, name, value);
      add(summary, name, value);
      continue;
    }
    const ref = await storeFile(blobs!, o, value);
    add(payload, name, ref);
    add(summary, name, { file: ref.$blob.name, mediaType: ref.$blob.mediaType, size: ref.$blob.size });
  }
  return { payload, summary: JSON.stringify(summary) };
}

async function storeFile(blobs: BlobStore, o: { workspaceId: string; deliveryKey: string }, file: File): Promise<FileRef> {
  const given = file.type.split(';')[0]!.trim().toLowerCase();
  const mediaType = (FILE_MEDIA_TYPES as readonly string[]).includes(given) ? given : 'application/octet-stream';
  const name = FILE_NAME_PATTERN.test(file.name) ? file.name : 'upload';
  try {
    // Kept with the delivery's key until a run uses it; the run data retention deletes it.
    const ref = await blobs.putBytes({ workspaceId: o.workspaceId, workflowId: o.deliveryKey, bytes: Buffer.from(await file.arrayBuffer()), mediaType, name });
    return ref as FileRef;
  } catch (err) {
    if (err instanceof LimitExceededError) throw new WebhookRejected(413, 'LIMIT_EXCEEDED', err.message);
    throw err;
  }
}
