import crypto from 'node:crypto';
import { z } from 'zod';
import { defineAction, type ActionContext } from '#core/catalog-sdk';
import { Attachments, loadAttachments } from '#core/attachments';
import { NonRetryableError } from '#core/errors';
import { EMAIL_FROM, messageNeverSent, smtpClient, smtpError } from '../client';

/** `ada@example.com` or `Ada Lovelace <ada@example.com>`; one line (no header injection). */
const Address = z
  .string()
  .trim()
  .max(998)
  .regex(/^[^\r\n]*[^\s@<>]+@[^\s@<>]+[^\r\n]*$/, 'an email address, e.g. ada@example.com or "Ada Lovelace <ada@example.com>"');
const Addresses = z.union([Address, z.array(Address).min(1).max(100)]);

export const SendEmailInput = z
  .object({
    /** One address or a list. */
    to: Addresses.describe('Recipient address, or a list of them'),
    cc: Addresses.optional(),
    bcc: Addresses.optional(),
    subject: z
      .string()
      .max(998)
      .regex(/^[^\r\n]*$/, 'one line'),
    /** Plain-text body; give `text`, `html` or both. */
    text: z.string().max(5_000_000).optional(),
    html: z.string().max(5_000_000).optional(),
    replyTo: Addresses.optional(),
    /** The sender; the EMAIL_FROM setting when absent. */
    from: Address.optional(),
    /** Files to attach (an upload, a webhook's file, an earlier step's download): at most 25 MB together. */
    attachments: Attachments.optional(),
  })
  .superRefine((input, check) => {
    if (input.text === undefined && input.html === undefined) {
      check.addIssue({ code: 'custom', path: ['text'], message: 'give a text or an html body (or both)' });
    }
  });
export type SendEmailInput = z.infer<typeof SendEmailInput>;

export const SendEmailOutput = z.object({
  /** The Message-ID header, e.g. `<3b1f…@acme.com>`: the same on every retry of the step. */
  messageId: z.string(),
  /** Recipients the server accepted. */
  accepted: z.array(z.string()),
  /** Recipients the server refused while accepting the message for the others. */
  rejected: z.array(z.string()),
});
export type SendEmailOutput = z.infer<typeof SendEmailOutput>;

export const sendEmail = defineAction({
  key: 'send-email',
  title: 'Send email',
  /** Words the assistant's planner matches against a prompt (server/src/assistant). */
  keywords: ['email', 'mail', 'e-mail', 'send email', 'smtp', 'inbox'],
  description: 'Sends an email through your SMTP server (text and/or HTML, cc, bcc, reply-to, attachments).',
  input: SendEmailInput,
  example: { to: 'ada@example.com', subject: 'Welcome to Acme', text: 'Thanks for signing up, Ada.' },
  output: SendEmailOutput,
  sideEffects: true,
  // SMTP has no idempotency key: a retry after a lost "250 OK" can deliver twice. The Message-ID is
  // derived from ctx.idempotencyKey, so such a duplicate carries the same Message-ID (mail clients fold it).
  idempotent: false,
  // SMTP does not go through ctx.http: one credit per message, charged right before it is sent.
  credits: 1,
  timeout: '60s',
  async run(input, ctx) {
    const from = await sender(input, ctx);
    const attachments = await loadAttachments(ctx, input.attachments, 'Send email');
    const client = await smtpClient(ctx);
    try {
      await ctx.meter?.request();
      const info = await client.transporter.sendMail({
        from,
        to: input.to,
        ...(input.cc !== undefined ? { cc: input.cc } : {}),
        ...(input.bcc !== undefined ? { bcc: input.bcc } : {}),
        ...(input.replyTo !== undefined ? { replyTo: input.replyTo } : {}),
        subject: input.subject,
        ...(input.text !== undefined ? { text: input.text } : {}),
        ...(input.html !== undefined ? { html: input.html } : {}),
        messageId: messageIdFor(ctx.idempotencyKey, from),
        ...(attachments.length > 0 ? { attachments } : {}),
      });
      return { messageId: info.messageId, accepted: info.accepted.map(addressOf), rejected: info.rejected.map(addressOf) };
    } catch (err) {
      // Refused before the message was handed over (connection, login, every recipient): the credit comes back.
      if (messageNeverSent(err)) await ctx.meter?.notSent();
      throw smtpError(err, client.server);
    } finally {
      client.close();
    }
  },
  async sandbox(input, ctx) {
    await sender(input, ctx);
    const hash = crypto.createHash('sha256').update(ctx.idempotencyKey).digest('hex').slice(0, 16);
    return { messageId: `<sandbox-${hash}@switchyard.local>`, accepted: recipients(input), rejected: [] };
  },
});

async function sender(input: SendEmailInput, ctx: ActionContext): Promise<string> {
  const from = input.from ?? (await ctx.secrets.find(EMAIL_FROM))?.trim();
  if (!from) {
    throw new NonRetryableError(
      `No sender: give the step a "from" address, or set the ${EMAIL_FROM} setting (e.g. "Acme <hello@acme.com>") for ${ctx.mode} runs.`,
      {
        code: 'SENDER_MISSING',
      },
    );
  }
  const parsed = Address.safeParse(from);
  if (!parsed.success) throw new NonRetryableError(`The ${EMAIL_FROM} setting is not an email address`, { code: 'SENDER_INVALID' });
  return parsed.data;
}

/** A stable Message-ID for this node of this run, in the sender's domain. */
function messageIdFor(idempotencyKey: string, from: string): string {
  const domain = /@([^\s@<>]+)>?\s*$/.exec(from)?.[1] ?? 'switchyard.local';
  const hash = crypto.createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);
  return `<${hash}@${domain}>`;
}

/** Bare envelope addresses (`ada@example.com`), as an SMTP server reports them. */
function recipients(input: SendEmailInput): string[] {
  const all = [input.to, input.cc, input.bcc].flatMap((a) => (a === undefined ? [] : Array.isArray(a) ? a : [a]));
  return all.map((a) => /<([^<>]+)>\s*$/.exec(a)?.[1] ?? a);
}

function addressOf(a: string | { address: string }): string {
  return typeof a === 'string' ? a : a.address;
}
