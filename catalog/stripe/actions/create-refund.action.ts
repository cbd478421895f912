import { z } from 'zod';
import { defineAction } from '#core/catalog-sdk';
import { callStripe, idempotent } from '../client';
import { idOf, Metadata, nowSeconds, sandboxId } from '../schemas';

export const CreateRefundInput = z
  .object({
    paymentIntentId: z
      .string()
      .regex(/^pi_\w+$/, 'a Stripe PaymentIntent id such as pi_3MtwBwLkdIwHu7ix28a3tqPa')
      .optional(),
    chargeId: z
      .string()
      .regex(/^(ch|py)_\w+$/, 'a Stripe charge id such as ch_1NirD82eZvKYlo2CIvbtLWuY')
      .optional(),
    /** Part of the payment, in the smallest currency unit; the whole remaining amount when absent. */
    amount: z.number().int().min(1).max(99_999_999).optional(),
    reason: z.enum(['duplicate', 'fraudulent', 'requested_by_customer']).optional(),
    metadata: Metadata.optional(),
  })
  .refine((i) => (i.paymentIntentId === undefined) !== (i.chargeId === undefined), {
    message: 'give exactly one of paymentIntentId or chargeId',
    path: ['paymentIntentId'],
  });
export type CreateRefundInput = z.infer<typeof CreateRefundInput>;

export const CreateRefundOutput = z.object({
  id: z.string().describe('The refund id, e.g. re_1Nispe2eZvKYlo2Cd31jOCgZ'),
  status: z.string().nullable().describe('pending, requires_action, succeeded, failed or canceled'),
  amount: z.number().int(),
  currency: z.string(),
  paymentIntentId: z.string().nullable(),
  chargeId: z.string().nullable(),
  reason: z.string().nullable(),
  created: z.number().int(),
});
export type CreateRefundOutput = z.infer<typeof CreateRefundOutput>;

export const createRefund = defineAction({
  key: 'create-refund',
  title: 'Create refund',
  /** Words the assistant's planner matches against a prompt (server/src/assistant). */
  keywords: ['refund', 'money back', 'reimburse'],
  description: 'Refunds a payment in full or in part. Retries reuse the same idempotency key, so a payment is never refunded twice.',
  input: CreateRefundInput,
  example: { paymentIntentId: 'pi_3MtwBwLkdIwHu7ix28a3tqPa', reason: 'requested_by_customer' },
  output: CreateRefundOutput,
  sideEffects: true,
  idempotent: true,
  async run(input, ctx) {
    const refund = await callStripe(ctx, `refund ${input.paymentIntentId ?? input.chargeId}`, (stripe) =>
      stripe.refunds.create(
        {
          ...(input.paymentIntentId ? { payment_intent: input.paymentIntentId } : {}),
          ...(input.chargeId ? { charge: input.chargeId } : {}),
          ...(input.amount !== undefined ? { amount: input.amount } : {}),
          ...(input.reason ? { reason: input.reason } : {}),
          ...(input.metadata ? { metadata: input.metadata } : {}),
        },
        idempotent(ctx),
      ),
    );
    return {
      id: refund.id,
      status: refund.status ?? null,
      amount: refund.amount,
      currency: refund.currency,
      paymentIntentId: idOf(refund.payment_intent),
      chargeId: idOf(refund.charge),
      reason: refund.reason ?? null,
      created: refund.created,
    };
  },
  async sandbox(input, ctx) {
    return {
      id: sandboxId('re', ctx.idempotencyKey),
      status: 'succeeded',
      amount: input.amount ?? 2000,
      currency: 'usd',
      paymentIntentId: input.paymentIntentId ?? null,
      chargeId: input.chargeId ?? sandboxId('ch', ctx.idempotencyKey),
      reason: input.reason ?? null,
      created: nowSeconds(),
    };
  },
});
