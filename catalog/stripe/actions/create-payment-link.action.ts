import { z } from 'zod';
import { defineAction } from '#core/catalog-sdk';
import { callStripe, idempotent } from '../client';
import { LineItem, Metadata, sandboxId, toStripeLineItem } from '../schemas';

export const CreatePaymentLinkInput = z.object({
  lineItems: z.array(LineItem).min(1).max(20).describe('What is sold; every item in the same currency'),
  afterCompletionUrl: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('Where the customer goes after paying; Stripe’s confirmation page when absent'),
  allowPromotionCodes: z.boolean().optional(),
  metadata: Metadata.optional(),
});
export type CreatePaymentLinkInput = z.infer<typeof CreatePaymentLinkInput>;

export const CreatePaymentLinkOutput = z.object({
  id: z.string().describe('The payment link id, e.g. plink_1MoC3ULkdIwHu7ixZjtGpVl2'),
  url: z.string().describe('The shareable link, e.g. https://buy.stripe.com/test_cN25nr0iZ7bUa7meUY'),
  active: z.boolean(),
  currency: z.string(),
  livemode: z.boolean(),
});
export type CreatePaymentLinkOutput = z.infer<typeof CreatePaymentLinkOutput>;

export const createPaymentLink = defineAction({
  key: 'create-payment-link',
  title: 'Create payment link',
  /** Words the assistant's planner matches against a prompt (server/src/assistant). */
  keywords: ['payment link', 'pay link', 'link to pay'],
  description: 'Creates a shareable Stripe payment link for one or more items priced inline.',
  input: CreatePaymentLinkInput,
  example: { lineItems: [{ name: 'Workshop ticket', unitAmount: 4900, currency: 'usd', quantity: 1 }] },
  output: CreatePaymentLinkOutput,
  sideEffects: true,
  idempotent: true,
  async run(input, ctx) {
    const link = await callStripe(ctx, 'create the payment link', (stripe) =>
      stripe.paymentLinks.create(
        {
          line_items: input.lineItems.map(toStripeLineItem),
          ...(input.afterCompletionUrl ? { after_completion: { type: 'redirect', redirect: { url: input.afterCompletionUrl } } } : {}),
          ...(input.allowPromotionCodes !== undefined ? { allow_promotion_codes: input.allowPromotionCodes } : {}),
          ...(input.metadata ? { metadata: input.metadata } : {}),
        },
        idempotent(ctx),
      ),
    );
    return { id: link.id, url: link.url, active: link.active, currency: link.currency, livemode: link.livemode };
  },
  async sandbox(input, ctx) {
    const id = sandboxId('plink', ctx.idempotencyKey);
    return { id, url: `https://buy.stripe.com/test_${id}`, active: true, currency: input.lineItems[0]!.currency.toLowerCase(), livemode: false };
  },
});
