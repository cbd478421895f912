import type { CodeStepContext } from '#core/code';

/**
 * What `twilio.send-sms@1` does, as a code step: a form-encoded POST to the account's Messages resource with Basic
 * auth (Account SID : Auth Token). Declare TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN (and TWILIO_FROM_NUMBER if `from`
 * is not given). `baseUrl` is for tests (a local peer).
 */
interface Input {
  to: string;
  body: string;
  from?: string;
  baseUrl?: string;
}

export default async function (input: Input, ctx: CodeStepContext) {
  const sid = ctx.secrets.TWILIO_ACCOUNT_SID!;
  const form = new URLSearchParams({ To: input.to, From: input.from ?? ctx.secrets.TWILIO_FROM_NUMBER ?? '', Body: input.body });
  const res = await ctx.fetch(`${input.baseUrl ?? 'https://api.twilio.com'}/2010-04-01/Accounts/${sid}/Messages.json`, {
    method: 'POST',
    headers: { authorization: `Basic ${btoa(`${sid}:${ctx.secrets.TWILIO_AUTH_TOKEN}`)}` },
    body: form,
  });
  const message = await res.json();
  if (!res.ok) throw new Error(`Twilio answered ${res.status} (code ${message.code}): ${message.message}`);
  return { sid: message.sid as string, status: message.status as string, to: message.to as string };
}
