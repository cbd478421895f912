import type { CodeStepContext } from '#core/code';

/**
 * What `stripe.create-customer@1` does, as a code step: a form-encoded POST /v1/customers with the secret key and
 * the step's idempotency key (a retry never creates a second customer). Declare the secret STRIPE_SECRET_KEY.
 * `baseUrl` is for tests (stripe-mock).
 */
interface Input {
  email: string;
  name?: string;
  metadata?: Record<string, string>;
  baseUrl?: string;
}

export default async function (input: Input, ctx: CodeStepContext) {
  const form = new URLSearchParams({ email: input.email });
  if (input.name) form.set('name', input.name);
  for (const [key, value] of Object.entries(input.metadata ?? {})) form.set(`metadata[${key}]`, value);
  const res = await ctx.fetch(`${input.baseUrl ?? 'https://api.stripe.com'}/v1/customers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ctx.secrets.STRIPE_SECRET_KEY}`, 'idempotency-key': ctx.idempotencyKey },
    body: form,
  });
  const customer = await res.json();
  if (!res.ok) throw new Error(`Stripe answered ${res.status}: ${customer.error?.message ?? res.statusText}`);
  return { id: customer.id as string, email: customer.email as string };
}
