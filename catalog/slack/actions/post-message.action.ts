import type { Block } from '@slack/web-api';
import { z } from 'zod';
import { defineAction } from '#core/catalog-sdk';
import { callSlack, sandboxHash, slackClient } from '../client';

/** A Block Kit block: `{ "type": "section", "text": { … } }`. Slack validates the rest. */
export const SlackBlock = z.looseObject({ type: z.string().min(1).max(50) });

export const PostMessageInput = z.object({
  channel: z.string().min(1).max(200).describe('A channel ID (C0123456789), or a name (#general); the app must be in the channel'),
  text: z.string().min(1).max(40_000).describe('The message (mrkdwn); with blocks, the notification fallback'),
  blocks: z.array(SlackBlock).min(1).max(50).optional().describe('Block Kit blocks, e.g. from https://app.slack.com/block-kit-builder'),
  thread_ts: z
    .string()
    .regex(/^\d+\.\d+$/, 'a message ts such as 1712345678.000100')
    .optional()
    .describe("Reply in the thread of this message (the parent's ts)"),
});
export type PostMessageInput = z.infer<typeof PostMessageInput>;

export const PostMessageOutput = z.object({
  ok: z.boolean(),
  /** The channel ID, even when a name was given. */
  channel: z.string(),
  /** The message's timestamp: its id within the channel (use it to update it or reply in its thread). */
  ts: z.string(),
});
export type PostMessageOutput = z.infer<typeof PostMessageOutput>;

export const postMessage = defineAction({
  key: 'post-message',
  title: 'Post a message',
  /** Words the assistant's planner matches against a prompt (server/src/assistant). */
  keywords: ['slack', 'post', 'message', 'channel', 'notify', 'announce', 'alert', 'ping', 'tell', '#'],
  description: 'Posts a message (text, optionally Block Kit blocks) to a Slack channel or thread as the app.',
  input: PostMessageInput,
  example: { channel: '#sales', text: 'New pro signup: Ada Lovelace (ada@example.com)' },
  output: PostMessageOutput,
  sideEffects: true,
  // Slack's chat.postMessage takes no idempotency key: a retry after a lost answer can post twice.
  idempotent: false,
  async run(input, ctx) {
    const slack = await slackClient(ctx);
    const res = await callSlack('chat.postMessage', () =>
      slack.chat.postMessage({
        channel: input.channel,
        text: input.text,
        ...(input.blocks ? { blocks: input.blocks satisfies Block[] } : {}),
        ...(input.thread_ts ? { thread_ts: input.thread_ts } : {}),
      }),
    );
    return { ok: res.ok, channel: res.channel ?? input.channel, ts: res.ts ?? '' };
  },
  async sandbox(input, ctx) {
    const hash = sandboxHash(ctx.idempotencyKey);
    return { ok: true, channel: input.channel, ts: `${Math.floor(Date.now() / 1000)}.${String(parseInt(hash.slice(0, 6), 16) % 1_000_000).padStart(6, '0')}` };
  },
});
