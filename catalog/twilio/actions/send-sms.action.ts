import { z } from 'zod';
import { defineAction } from '#core/catalog-sdk';
import { NonRetryableError } from '#core/errors';
import { callTwilio, sandboxHash, TWILIO_FROM_NUMBER, twilioClient } from '../client';

const E164 = /^\+[1-9]\d{1,14}$/;

export const SendSmsInput = z.object({
  to: z.string().regex(E164, 'a phone number in E.164 format, e.g. +14155552671').describe('The recipient, in E.164 format (+14155552671)'),
  body: z.string().min(1).max(1600).describe('The text (up to 1600 characters; long texts are sent as several segments)'),
  from: z
    .string()
    .regex(/^(\+[1-9]\d{1,14}|\d{3,8}|[A-Za-z0-9 ]{1,11})$/, 'a Twilio number in E.164 format, a short code, or an alphanumeric sender ID')
    .optional()
    .describe('The sender: one of your Twilio numbers (E.164), a short code or an alphanumeric sender ID; default TWILIO_FROM_NUMBER'),
});
export type SendSmsInput = z.infer<typeof SendSmsInput>;

export const SendSmsOutput = z.object({
  /** The message SID (SM…), to look the message up later. */
  sid: z.string(),
  /** `queued` (or `accepted`) right after sending; delivery is reported later by Twilio's status callback. */
  status: z.string(),
  to: z.string(),
});
export type SendSmsOutput = z.infer<typeof SendSmsOutput>;

export const sendSms = defineAction({
  key: 'send-sms',
  title: 'Send an SMS',
  /** Words the assistant's planner matches against a prompt (server/src/assistant). */
  keywords: ['sms', 'text message', 'text', 'phone', 'twilio', 'mobile'],
  description: 'Sends a text message with Twilio from one of your numbers (or TWILIO_FROM_NUMBER).',
  input: SendSmsInput,
  example: { to: '+15005550006', body: 'Your Acme code is 481516' },
  output: SendSmsOutput,
  sideEffects: true,
  // Twilio's Messages API takes no idempotency key: a retry after a lost answer can send twice.
  idempotent: false,
  async run(input, ctx) {
    const { client, transport } = await twilioClient(ctx);
    const from = input.from ?? (await ctx.secrets.find(TWILIO_FROM_NUMBER));
    if (!from) {
      throw new NonRetryableError(`No sender: give "from", or set ${TWILIO_FROM_NUMBER} (${ctx.mode} value) to one of your Twilio numbers.`, {
        code: 'MISSING_FROM',
      });
    }
    const message = await callTwilio('send SMS', transport, () => client.messages.create({ to: input.to, from, body: input.body }));
    return { sid: message.sid, status: message.status, to: message.to };
  },
  async sandbox(input, ctx) {
    return { sid: `SM_sandbox_${sandboxHash(ctx.idempotencyKey)}`, status: 'queued', to: input.to };
  },
});
