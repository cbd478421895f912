import { z } from 'zod';
import { defineAction } from '#core/catalog-sdk';
import { CONNECTION_ID_PATTERN } from '#core/oauth';
import { callGmail, gmailClient } from '../client';

const Address = z.email();

export const SendMessageInput = z.object({
  connection: z.string().regex(CONNECTION_ID_PATTERN, 'a Google connection (con_…)').describe('The Gmail account to send from'),
  to: z.union([Address, z.array(Address).min(1).max(50)]),
  cc: z.array(Address).max(50).optional(),
  subject: z.string().max(998),
  text: z.string().max(500_000).describe('The plain-text body'),
  html: z.string().max(500_000).optional().describe('An HTML body, sent beside the text'),
  replyTo: Address.optional(),
});
export type SendMessageInput = z.infer<typeof SendMessageInput>;

export const SendMessageOutput = z.object({ id: z.string(), threadId: z.string() });
export type SendMessageOutput = z.infer<typeof SendMessageOutput>;

/** A header value with non-ASCII text as an RFC 2047 encoded word. */
function headerText(value: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(clean) ? clean : `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
}

/** The RFC 5322 message Gmail's `raw` takes (base64url): text, or text and HTML as multipart/alternative. */
export function buildMessage(input: SendMessageInput, boundary: string): string {
  const to = Array.isArray(input.to) ? input.to : [input.to];
  const head = [
    `To: ${to.join(', ')}`,
    ...(input.cc?.length ? [`Cc: ${input.cc.join(', ')}`] : []),
    ...(input.replyTo ? [`Reply-To: ${input.replyTo}`] : []),
    `Subject: ${headerText(input.subject)}`,
    'MIME-Version: 1.0',
  ];
  const part = (type: string, body: string) =>
    [`Content-Type: ${type}; charset=UTF-8`, 'Content-Transfer-Encoding: base64', '', Buffer.from(body, 'utf8').toString('base64')].join('\r\n');
  const body = input.html
    ? [
        `Content-Type: multipart/alternative; boundary="${boundary}"`,
        '',
        `--${boundary}`,
        part('text/plain', input.text),
        `--${boundary}`,
        part('text/html', input.html),
        `--${boundary}--`,
      ].join('\r\n')
    : part('text/plain', input.text);
  return Buffer.from([...head, body].join('\r\n'), 'utf8').toString('base64url');
}

/** users.messages.send (https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/send). */
export const sendMessage = defineAction({
  key: 'send-message',
  title: 'Send an email',
  description: 'Sends an email from the connected Gmail account.',
  keywords: ['gmail'],
  input: SendMessageInput,
  example: {
    connection: 'con_0123456789abcdefghij',
    to: 'ada@example.com',
    subject: 'Your invoice',
    text: 'Your invoice for May is attached to your account.',
  },
  output: SendMessageOutput,
  sideEffects: true,
  async run(input, ctx) {
    const api = await gmailClient(ctx, input.connection);
    const raw = buildMessage(input, `sy-${ctx.idempotencyKey.replace(/[^A-Za-z0-9]/g, '').slice(-40)}`);
    const data = await callGmail(ctx, input.connection, 'sending the message', () => api.users.messages.send({ userId: 'me', requestBody: { raw } }));
    return { id: data.id ?? '', threadId: data.threadId ?? '' };
  },
  async sandbox() {
    return { id: '18c0sandbox0001', threadId: '18c0sandbox0001' };
  },
});
