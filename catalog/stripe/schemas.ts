import crypto from 'node:crypto';
import { z } from 'zod';

/** Stripe's metadata limits: 50 keys, keys up to 40 characters, values up to 500. */
export const Metadata = z
  .record(z.string().min(1).max(40), z.string().max(500))
  .refine((m) => Object.keys(m).length <= 50, 'at most 50 metadata keys')
  .describe('Your own key-value pairs stored on the Stripe object, e.g. { "orderId": "ord_42" }');

export const Currency = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'a three-letter ISO currency code, e.g. usd')
  .describe('Three-letter ISO currency code, e.g. usd or eur');

/** One thing being sold, priced inline (Stripe creates the product and price with the link or session). */
export const LineItem = z.object({
  name: z.string().min(1).max(250).describe('Product name shown to the customer'),
  description: z.string().max(500).optional(),
  unitAmount: z.number().int().min(0).max(99_999_999).describe('Price of one unit in the smallest currency unit (cents for usd): 1999 is $19.99'),
  currency: Currency,
  quantity: z.number().int().min(1).max(999).default(1),
  /** Makes the price a subscription price (checkout sessions in `subscription` mode, recurring payment links). */
  recurring: z.object({ interval: z.enum(['day', 'week', 'month', 'year']), intervalCount: z.number().int().min(1).max(365).optional() }).optional(),
});
export type LineItem = z.infer<typeof LineItem>;

/** The `line_items[]` entry Stripe expects for an inline price. */
export function toStripeLineItem(item: LineItem) {
  return {
    quantity: item.quantity,
    price_data: {
      currency: item.currency.toLowerCase(),
      unit_amount: item.unitAmount,
      product_data: { name: item.name, ...(item.description ? { description: item.description } : {}) },
      ...(item.recurring
        ? { recurring: { interval: item.recurring.interval, ...(item.recurring.intervalCount ? { interval_count: item.recurring.intervalCount } : {}) } }
        : {}),
    },
  };
}

/** An id for sandbox output, stable for the node in the run: `cus_sandbox_3f9a1c2b7d4e`. */
export function sandboxId(prefix: string, idempotencyKey: string): string {
  return `${prefix}_sandbox_${crypto.createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 12)}`;
}

/** The id of an expandable Stripe field (`customer`, `charge`…), whether or not it was expanded. */
export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.id;
}

/** Seconds since the epoch, as Stripe reports times. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);
