import { z } from 'zod';
import { defineAction } from '#core/catalog-sdk';
import { callStripe, idempotent } from '../client';
import { Metadata, nowSeconds, sandboxId } from '../schemas';

export const CreateCustomerInput = z.object({
  email: z.email().max(512).optional().describe('The customer’s email address'),
  name: z.string().min(1).max(256).optional().describe('Full name or business name'),
  phone: z.string().min(1).max(20).optional(),
  description: z.string().max(350).optional().describe('Shown in the Stripe dashboard only'),
  metadata: Metadata.optional(),
});
export type CreateCustomerInput = z.infer<typeof CreateCustomerInput>;

export const CreateCustomerOutput = z.object({
  id: z.string().describe('The customer id, e.g. cus_NffrFeUfNV2Hib'),
  email: z.string().nullable(),
  name: z.string().nullable(),
  phone: z.string().nullable(),
  /** Unix time in seconds. */
  created: z.number().int(),
  livemode: z.boolean(),
});
export type CreateCustomerOutput = z.infer<typeof CreateCustomerOutput>;

export const createCustomer = defineAction({
  key: 'create-customer',
  title: 'Create customer',
  /** Words the assistant's planner matches against a prompt (server/src/assistant). */
  keywords: ['customer', 'stripe customer', 'create a customer', 'add a customer', 'add them to stripe', 'add to stripe'],
  description: 'Creates a Stripe customer to attach payments, checkout sessions and subscriptions to.',
  input: CreateCustomerInput,
  example: { email: 'ada@example.com', name: 'Ada Lovelace', metadata: { userId: 'usr_42' } },
  output: CreateCustomerOutput,
  sideEffects: true,
  idempotent: true,
  async run(input, ctx) {
    const customer = await callStripe(ctx, 'create the customer', (stripe) =>
      stripe.customers.create(
        {
          ...(input.email ? { email: input.email } : {}),
          ...(input.name ? { name: input.name } : {}),
          ...(input.phone ? { phone: input.phone } : {}),
          ...(input.description ? { description: input.description } : {}),
          ...(input.metadata ? { metadata: input.metadata } : {}),
        },
        idempotent(ctx),
      ),
    );
    return {
      id: customer.id,
      email: customer.email ?? null,
      name: customer.name ?? null,
      phone: customer.phone ?? null,
      created: customer.created,
      livemode: customer.livemode,
    };
  },
  async sandbox(input, ctx) {
    return {
      id: sandboxId('cus', ctx.idempotencyKey),
      email: input.email ?? null,
      name: input.name ?? null,
      phone: input.phone ?? null,
      created: nowSeconds(),
      livemode: false,
    };
  },
});
