import { z } from 'zod';
import { defineAction, FileRef } from '#core/catalog-sdk';
import { NonRetryableError } from '#core/errors';
import { callSlack, sandboxHash, slackClient } from '../client';

export const UploadFileInput = z.object({
  channel: z
    .string()
    .regex(/^[CGD][A-Z0-9]{8,}$/, 'a channel ID such as C0123456789 (a file is shared by ID; find it in the channel details)')
    .describe('The channel ID (C0123456789) to share the file in; the app must be in the channel'),
  file: FileRef,
  /** The file's title in Slack (default its name). */
  title: z.string().max(250).optional(),
  /** A message posted with the file. */
  initialComment: z.string().max(40_000).optional(),
  threadTs: z
    .string()
    .regex(/^\d+\.\d+$/, 'a message ts such as 1712345678.000100')
    .optional()
    .describe("Share it in the thread of this message (the parent's ts)"),
});
export type UploadFileInput = z.infer<typeof UploadFileInput>;

export const UploadFileOutput = z.object({
  /** Slack's file id (F…). */
  fileId: z.string(),
  name: z.string(),
  /** Slack's link to the file, when it gives one. */
  permalink: z.string().optional(),
});
export type UploadFileOutput = z.infer<typeof UploadFileOutput>;

/** Slack's limit for one file. */
const MAX_FILE_BYTES = 1024 * 1024 * 1024;

export const uploadFile = defineAction({
  key: 'upload-file',
  title: 'Upload a file',
  keywords: ['slack', 'upload', 'file', 'share', 'attachment', 'document', 'recording', 'image'],
  description: "Shares a file (an upload, a webhook's attachment, an earlier step's download) in a Slack channel or thread, with an optional comment.",
  input: UploadFileInput,
  example: {
    channel: 'C0123456789',
    file: { $blob: { key: 'blob_0123456789abcdef0123456789abcdef', size: 48213, mediaType: 'application/pdf', preview: '', name: 'invoice-1042.pdf' } },
    initialComment: 'Invoice 1042 is ready',
  },
  output: UploadFileOutput,
  sideEffects: true,
  // Moving a file's bytes (up to 1 GB) takes a while: on the heavy task queue, off the flow workers' slots.
  queue: 'heavy',
  // Slack's upload takes no idempotency key: a retry after a lost answer can share the file twice.
  idempotent: false,
  // Three API requests (get an upload URL, send the bytes, complete the upload): metered as each is sent.
  timeout: '300s',
  async run(input, ctx) {
    if (input.file.$blob.size > MAX_FILE_BYTES) throw new NonRetryableError(`Slack files.uploadV2: the file is over Slack's 1 GB limit`, { code: 'FILE_TOO_LARGE' });
    if (!ctx.files) throw new NonRetryableError('Slack files.uploadV2: files cannot be read here', { code: 'FILES_UNAVAILABLE' });
    const bytes = await ctx.files.read(input.file);
    const slack = await slackClient(ctx);
    const name = input.file.$blob.name ?? `file.${input.file.$blob.mediaType.split('/')[1] ?? 'bin'}`;
    const common = { file: bytes, filename: name, title: input.title ?? name, ...(input.initialComment ? { initial_comment: input.initialComment } : {}) };
    const res = await callSlack('files.uploadV2', () =>
      slack.filesUploadV2(input.threadTs ? { ...common, channel_id: input.channel, thread_ts: input.threadTs } : { ...common, channel_id: input.channel }),
    );
    const uploaded = (res as { files?: { files?: { id?: string; name?: string; permalink?: string }[] }[] }).files?.[0]?.files?.[0];
    if (!uploaded?.id) throw new NonRetryableError('Slack files.uploadV2 answered without a file id', { code: 'UNEXPECTED_ANSWER' });
    return { fileId: uploaded.id, name: uploaded.name ?? name, ...(uploaded.permalink ? { permalink: uploaded.permalink } : {}) };
  },
  async sandbox(input, ctx) {
    return { fileId: `F0SANDBOX${sandboxHash(ctx.idempotencyKey).slice(0, 6).toUpperCase()}`, name: input.file.$blob.name ?? 'file' };
  },
});
