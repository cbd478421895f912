import { z } from 'zod';
import { defineAction } from '#core/catalog-sdk';
import { callStripe, idempotent } from '../client';
import { LineItem, Metadata, nowSeconds, sandboxId, toStripeLineItem } from '../schemas';

export const CreateCheckoutSessionInput = z
  .object({
    lineItems: z.array(LineItem).min(1).max(100),
    /** `payment` for one-off payments; `subscription` needs at least one recurring line item. */
    mode: z.enum(['payment', 'subscription']).default('payment'),
    successUrl: z.url({ protocol: /^https?$/ }).describe('Where Stripe sends the customer after paying; may contain {CHECKOUT_SESSION_ID}'),
    cancelUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Where the back link on the checkout page goes'),
    customerId: z
      .string()
      .regex(/^cus_\w+$/, 'a Stripe customer id such as cus_NffrFeUfNV2Hib')
      .optional(),
    customerEmail: z.email().optional().describe('Prefills the email field when no customerId is given'),
    clientReferenceId: z.string().min(1).max(200).optional().describe('Your own id (an order, a cart) to reconcile the session with'),
    allowPromotionCodes: z.boolean().optional(),
    metadata: Metadata.optional(),
  })
  .refine((i) => !(i.customerId && i.customerEmail), { message: 'give customerId or customerEmail, not both', path: ['customerEmail'] });
export type CreateCheckoutSessionInput = z.infer<typeof CreateCheckoutSessionInput>;

export const CreateCheckoutSessionOutput = z.object({
  id: z.string().describe('The session id, e.g. cs_test_a1b2c3'),
  /** The hosted checkout page to send the customer to; null once the session is complete or expired. */
  url: z.string().nullable(),
  status: z.string().nullable().describe('open, complete or expired'),
  paymentStatus: z.string().describe('paid, unpaid or no_payment_required'),
  mode: z.string(),
  amountTotal: z.number().int().nullable(),
  currency: z.string().nullable(),
  customerId: z.string().nullable(),
  /** Unix time in seconds after which the session can no longer be paid. */
  expiresAt: z.number().int(),
  livemode: z.boolean(),
});
export type CreateCheckoutSessionOutput = z.infer<typeof CreateCheckoutSessionOutput>;

export const createCheckoutSession = defineAction({
  key: 'create-checkout-session',
  title: 'Create checkout session',
  /** Words the assistant's planner matches against a prompt (server/src/assistant). */
  keywords: ['checkout', 'checkout session', 'checkout page', 'payment page', 'charge'],
  description: 'Creates a Stripe Checkout session and returns the hosted payment page URL to send the customer to.',
  input: CreateCheckoutSessionInput,
  example: {
    lineItems: [{ name: 'Pro plan', unitAmount: 1900, currency: 'usd', quantity: 1, recurring: { interval: 'month' } }],
    mode: 'subscription',
    successUrl: 'https://acme.example/welcome',
    cancelUrl: 'https://acme.example/pricing',
  },
  output: CreateCheckoutSessionOutput,
  sideEffects: true,
  idempotent: true,
  async run(input, ctx) {
    const session = await callStripe(ctx, 'create the checkout session', (stripe) =>
      stripe.checkout.sessions.create(
        {
          mode: input.mode,
          line_items: input.lineItems.map(toStripeLineItem),
          success_url: input.successUrl,
          ...(input.cancelUrl ? { cancel_url: input.cancelUrl } : {}),
          ...(input.customerId ? { customer: input.customerId } : {}),
          ...(input.customerEmail ? { customer_email: input.customerEmail } : {}),
          ...(input.clientReferenceId ? { client_reference_id: input.clientReferenceId } : {}),
          ...(input.allowPromotionCodes !== undefined ? { allow_promotion_codes: input.allowPromotionCodes } : {}),
          ...(input.metadata ? { metadata: input.metadata } : {}),
        },
        idempotent(ctx),
      ),
    );
    return {
      id: session.id,
      url: session.url ?? null,
      status: session.status ?? null,
      paymentStatus: session.payment_status,
      mode: session.mode,
      amountTotal: session.amount_total ?? null,
      currency: session.currency ?? null,
      customerId: typeof session.customer === 'string' ? session.customer : (session.customer?.id ?? null),
      expiresAt: session.expires_at,
      livemode: session.livemode,
    };
  },
  async sandbox(input, ctx) {
    const id = sandboxId('cs_test', ctx.idempotencyKey);
    const amountTotal = input.lineItems.reduce((sum, item) => sum + item.unitAmount * item.quantity, 0);
    return {
      id,
      url: `https://checkout.stripe.com/c/pay/${id}`,
      status: 'open',
      paymentStatus: 'unpaid',
      mode: input.mode,
      amountTotal,
      currency: input.lineItems[0]!.currency.toLowerCase(),
      customerId: input.customerId ?? null,
      expiresAt: nowSeconds() + 24 * 3600,
      livemode: false,
    };
  },
});
