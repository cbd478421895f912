import crypto from 'node:crypto';
import { z } from 'zod';
import type { CreateEmailOptions } from 'resend';
import { Attachments, loadAttachments } from '#core/attachments';
import { defineAction } from '#core/catalog-sdk';
import { resendClient, unwrap } from '../client';

/** `ada@example.com` or `Ada Lovelace <ada@example.com>`; Resend checks the details. */
const Address = z
  .string()
  .trim()
  .max(998)
  .regex(/^[^\r\n]*[^\s@<>]+@[^\s@<>]+[^\r\n]*$/, 'an email address, e.g. ada@example.com or "Ada Lovelace <ada@example.com>"');
const Addresses = (max: number) => z.union([Address, z.array(Address).min(1).max(max)]);
/** Resend allows ASCII letters, numbers, underscores and dashes in tag names and values. */
const TagPart = z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, 'ASCII letters, numbers, _ or - (at most 256)');

export const SendEmailInput = z
  .object({
    /** A sender on a domain verified in Resend, e.g. `Acme <hello@acme.com>` (or `onboarding@resend.dev` for tries). */
    from: z.string().trim().min(3).max(998).describe('Sender, e.g. "Acme <hello@acme.com>", on a domain verified in Resend'),
    to: Addresses(50).describe('Recipient address, or a list of up to 50'),
    cc: Addresses(50).optional(),
    bcc: Addresses(50).optional(),
    subject: z.string().min(1).max(998),
    /** Give `html`, `text` or both. */
    html: z.string().max(5_000_000).optional(),
    text: z.string().max(5_000_000).optional(),
    replyTo: Addresses(50).optional(),
    /** Custom data returned in Resend's webhooks, e.g. `[{ "name": "category", "value": "receipt" }]`. */
    tags: z
      .array(z.object({ name: TagPart, value: TagPart }))
      .max(50)
      .optional(),
    /** Files to attach (an upload, a webhook's file, an earlier step's download): at most 25 MB together. */
    attachments: Attachments.optional(),
  })
  .superRefine((input, check) => {
    if (input.html === undefined && input.text === undefined) {
      check.addIssue({ code: 'custom', path: ['html'], message: 'give an html or a text body (or both)' });
    }
  });
export type SendEmailInput = z.infer<typeof SendEmailInput>;

export const SendEmailOutput = z.object({
  /** Resend's email id, for its dashboard, `GET /emails/{id}` and webhooks. */
  id: z.string(),
});
export type SendEmailOutput = z.infer<typeof SendEmailOutput>;

export const sendEmail = defineAction({
  key: 'send-email',
  title: 'Send email',
  /** Words the assistant's planner matches against a prompt (server/src/assistant). */
  keywords: ['email', 'mail', 'e-mail', 'send email', 'resend', 'inbox'],
  description: 'Sends an email with Resend (HTML and/or text, cc, bcc, reply-to, tags, attachments).',
  input: SendEmailInput,
  example: { from: 'Acme <hello@acme.example>', to: 'ada@example.com', subject: 'Welcome to Acme', html: '<p>Thanks for signing up, Ada.</p>' },
  output: SendEmailOutput,
  sideEffects: true,
  // Resend keeps the answer of an Idempotency-Key for 24 hours: a retry returns the first email's id.
  idempotent: true,
  async run(input, ctx) {
    const attachments = await loadAttachments(ctx, input.attachments, 'Resend send email');
    const resend = await resendClient(ctx);
    const base = {
      from: input.from,
      to: input.to,
      subject: input.subject,
      ...(input.cc !== undefined ? { cc: input.cc } : {}),
      ...(input.bcc !== undefined ? { bcc: input.bcc } : {}),
      ...(input.replyTo !== undefined ? { replyTo: input.replyTo } : {}),
      ...(input.tags !== undefined ? { tags: input.tags } : {}),
      ...(attachments.length > 0
        ? { attachments: attachments.map((a) => ({ filename: a.filename, content: a.content.toString('base64'), contentType: a.contentType })) }
        : {}),
    };
    const payload: CreateEmailOptions =
      input.html !== undefined ? { ...base, html: input.html, ...(input.text !== undefined ? { text: input.text } : {}) } : { ...base, text: input.text ?? '' };
    const data = await unwrap(resend.emails.send(payload, { idempotencyKey: idempotencyKeyFor(ctx.idempotencyKey) }), 'send email');
    return { id: data.id };
  },
  async sandbox(_input, ctx) {
    return { id: `email_sandbox_${crypto.createHash('sha256').update(ctx.idempotencyKey).digest('hex').slice(0, 16)}` };
  },
});

/** Resend accepts keys of 1-256 characters; a longer one (a long event id) is hashed, which keeps it stable. */
function idempotencyKeyFor(key: string): string {
  return key.length <= 256 ? key : `sy_${crypto.createHash('sha256').update(key).digest('hex')}`;
}
