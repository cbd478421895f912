import type { Block } from '@slack/web-api';
import { z } from 'zod';
import { defineAction } from '#core/catalog-sdk';
import { callSlack, slackClient } from '../client';
import { SlackBlock } from './post-message.action';

export const UpdateMessageInput = z.object({
  channel: z.string().min(1).max(200).describe('The channel ID the message is in (the `channel` that post-message returned)'),
  ts: z
    .string()
    .regex(/^\d+\.\d+$/, 'a message ts such as 1712345678.000100')
    .describe('The message to update (the `ts` that post-message returned)'),
  text: z.string().min(1).max(40_000).describe('The new text (mrkdwn); with blocks, the notification fallback'),
  blocks: z.array(SlackBlock).min(1).max(50).optional().describe('New Block Kit blocks (they replace the old ones)'),
});
export type UpdateMessageInput = z.infer<typeof UpdateMessageInput>;

export const UpdateMessageOutput = z.object({
  ok: z.boolean(),
  channel: z.string(),
  ts: z.string(),
  text: z.string(),
});
export type UpdateMessageOutput = z.infer<typeof UpdateMessageOutput>;

export const updateMessage = defineAction({
  key: 'update-message',
  title: 'Update a message',
  /** Words the assistant's planner matches against a prompt (server/src/assistant). */
  keywords: ['update the message', 'edit the message', 'update the slack message', 'change the message'],
  description: 'Replaces the text (and blocks) of a message the app posted earlier, e.g. to show a status change.',
  input: UpdateMessageInput,
  example: { channel: 'C0123456789', ts: '1712345678.000100', text: 'Payment received: invoice in_1042 is paid' },
  output: UpdateMessageOutput,
  sideEffects: true,
  // Setting a message to the same content twice gives the same result.
  idempotent: true,
  async run(input, ctx) {
    const slack = await slackClient(ctx);
    const res = await callSlack('chat.update', () =>
      slack.chat.update({
        channel: input.channel,
        ts: input.ts,
        text: input.text,
        ...(input.blocks ? { blocks: input.blocks satisfies Block[] } : {}),
      }),
    );
    return { ok: res.ok, channel: res.channel ?? input.channel, ts: res.ts ?? input.ts, text: res.text ?? input.text };
  },
  async sandbox(input) {
    return { ok: true, channel: input.channel, ts: input.ts, text: input.text };
  },
});
