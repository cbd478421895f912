import type { CodeStepContext } from '#core/code';

/**
 * What `slack.post-message@1` does, as a code step: chat.postMessage with the bot token. Slack answers HTTP 200
 * with `ok: false` on errors, so `ok` is checked. Declare the secret SLACK_BOT_TOKEN. `baseUrl` is for tests.
 */
interface Input {
  channel: string;
  text: string;
  threadTs?: string;
  baseUrl?: string;
}

export default async function (input: Input, ctx: CodeStepContext) {
  const res = await ctx.fetch(`${input.baseUrl ?? 'https://slack.com'}/api/chat.postMessage`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ctx.secrets.SLACK_BOT_TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ channel: input.channel, text: input.text, ...(input.threadTs ? { thread_ts: input.threadTs } : {}) }),
  });
  const body = await res.json();
  if (!body.ok) throw new Error(`Slack refused chat.postMessage: ${body.error ?? res.status}`);
  return { channel: body.channel as string, ts: body.ts as string };
}
