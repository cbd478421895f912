import type { CodeStepContext } from '#core/code';

/**
 * What `resend.send-email@1` does, as a code step: POST /emails with the API key and the step's idempotency key
 * (a retry never sends twice). Declare the secret RESEND_API_KEY. `baseUrl` is for tests (a local peer).
 */
interface Input {
  from: string;
  to: string | string[];
  subject: string;
  html?: string;
  text?: string;
  baseUrl?: string;
}

export default async function (input: Input, ctx: CodeStepContext) {
  const res = await ctx.fetch(`${input.baseUrl ?? 'https://api.resend.com'}/emails`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ctx.secrets.RESEND_API_KEY}`, 'content-type': 'application/json', 'idempotency-key': ctx.idempotencyKey },
    body: JSON.stringify({ from: input.from, to: input.to, subject: input.subject, html: input.html, text: input.text }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`Resend answered ${res.status}: ${body.message ?? res.statusText}`);
  ctx.log('sent email', body.id);
  return { id: body.id as string };
}
