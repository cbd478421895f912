import { z } from 'zod';
import { defineAction } from '#core/catalog-sdk';
import { callStripe } from '../client';
import { idOf, nowSeconds } from '../schemas';

export const RetrievePaymentIntentInput = z.object({
  paymentIntentId: z.string().regex(/^pi_\w+$/, 'a Stripe PaymentIntent id such as pi_3MtwBwLkdIwHu7ix28a3tqPa'),
});
export type RetrievePaymentIntentInput = z.infer<typeof RetrievePaymentIntentInput>;

export const RetrievePaymentIntentOutput = z.object({
  id: z.string(),
  status: z.string().describe('requires_payment_method, requires_confirmation, requires_action, processing, requires_capture, canceled or succeeded'),
  /** In the smallest currency unit. */
  amount: z.number().int(),
  amountReceived: z.number().int(),
  currency: z.string(),
  customerId: z.string().nullable(),
  latestChargeId: z.string().nullable(),
  paymentMethodId: z.string().nullable(),
  description: z.string().nullable(),
  receiptEmail: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  /** Why the last payment attempt failed, when it did. */
  lastPaymentError: z.object({ type: z.string(), code: z.string().nullable(), message: z.string().nullable() }).nullable(),
  created: z.number().int(),
  livemode: z.boolean(),
});
export type RetrievePaymentIntentOutput = z.infer<typeof RetrievePaymentIntentOutput>;

export const retrievePaymentIntent = defineAction({
  key: 'retrieve-payment-intent',
  title: 'Retrieve payment intent',
  /** Words the assistant's planner matches against a prompt (server/src/assistant). */
  keywords: ['payment intent', 'look up the payment', 'retrieve the payment', 'fetch the payment', 'get the payment'],
  description: 'Reads a PaymentIntent: its status, amounts, customer and latest charge.',
  input: RetrievePaymentIntentInput,
  example: { paymentIntentId: 'pi_3MtwBwLkdIwHu7ix28a3tqPa' },
  output: RetrievePaymentIntentOutput,
  async run(input, ctx) {
    const pi = await callStripe(ctx, `retrieve the payment intent ${input.paymentIntentId}`, (stripe) => stripe.paymentIntents.retrieve(input.paymentIntentId));
    const error = pi.last_payment_error;
    return {
      id: pi.id,
      status: pi.status,
      amount: pi.amount,
      amountReceived: pi.amount_received,
      currency: pi.currency,
      customerId: idOf(pi.customer),
      latestChargeId: idOf(pi.latest_charge),
      paymentMethodId: idOf(pi.payment_method),
      description: pi.description ?? null,
      receiptEmail: pi.receipt_email ?? null,
      metadata: pi.metadata ?? {},
      lastPaymentError: error ? { type: error.type, code: error.code ?? null, message: error.message ?? null } : null,
      created: pi.created,
      livemode: pi.livemode,
    };
  },
  async sandbox(input) {
    return {
      id: input.paymentIntentId,
      status: 'succeeded',
      amount: 2000,
      amountReceived: 2000,
      currency: 'usd',
      customerId: null,
      latestChargeId: `ch_sandbox_${input.paymentIntentId.slice(3, 15)}`,
      paymentMethodId: null,
      description: null,
      receiptEmail: null,
      metadata: {},
      lastPaymentError: null,
      created: nowSeconds(),
      livemode: false,
    };
  },
});
