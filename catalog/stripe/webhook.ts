import Stripe from 'stripe';
import { DEFAULT_TIMESTAMP_TOLERANCE_S, type WebhookRequest, type WebhookSource } from '#core/webhooks';
import {
  checkTimestamp,
  invalidBody,
  invalidSignature,
  JSON_MEDIA_TYPE,
  parseJson,
  requireContentType,
  requireHeader,
  requireSecrets,
  SIGNATURE_MISMATCH_HINT,
  stringField,
} from '../webhooks/verify-helpers';

/** The setup variable holding the endpoint's signing secret (`whsec_…`). */
export const STRIPE_WEBHOOK_SECRET = 'STRIPE_WEBHOOK_SECRET';

/**
 * Stripe's `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`, checked by the official SDK
 * against every active secret (Stripe keeps the old secret valid for a while after a roll). The header is
 * read as the SDK reads it (the last `t=` wins, every `v1=` counts; see parseStripeSignature). The SDK only
 * refuses *old* timestamps, so the window is checked here first, both ways, against `req.now`.
 * The event's `id` is the dedupe key: Stripe resends the same id on retries.
 */
export const stripeWebhook: WebhookSource = {
  id: 'stripe',
  title: 'Stripe',
  signatureHeaders: ['stripe-signature'],
  secretVariable: STRIPE_WEBHOOK_SECRET,
  events: [
    {
      type: 'payment_intent.succeeded',
      title: 'A payment succeeded',
      keywords: [
        'payment succeeds',
        'payment succeeded',
        'payment is successful',
        'payment goes through',
        'someone pays',
        'customer pays',
        'gets paid',
        'payment is received',
        'receive a payment',
        'successful payment',
        'paid',
      ],
      fields: {
        email: 'data.object.receipt_email',
        amount: 'data.object.amount',
        currency: 'data.object.currency',
        id: 'data.object.id',
        customer: 'data.object.customer',
      },
      example: {
        id: 'evt_3QExample0001',
        object: 'event',
        api_version: '2024-06-20',
        created: 1733390000,
        livemode: false,
        type: 'payment_intent.succeeded',
        data: {
          object: {
            id: 'pi_3QExample0001',
            object: 'payment_intent',
            amount: 2000,
            amount_received: 2000,
            currency: 'usd',
            status: 'succeeded',
            customer: 'cus_QExample0001',
            receipt_email: 'ada@example.com',
            description: 'Order ord_1042',
            metadata: { orderId: 'ord_1042' },
          },
        },
      },
    },
    {
      type: 'payment_intent.payment_failed',
      title: 'A payment failed',
      keywords: ['payment fails', 'payment failed', 'failed payment', 'payment is declined', 'card is declined', 'declined'],
      fields: {
        email: 'data.object.receipt_email',
        amount: 'data.object.amount',
        currency: 'data.object.currency',
        id: 'data.object.id',
        customer: 'data.object.customer',
      },
    },
    {
      type: 'checkout.session.completed',
      title: 'A checkout was completed',
      keywords: [
        'checkout completes',
        'checkout is completed',
        'completes checkout',
        'completed checkout',
        'someone buys',
        'buys',
        'purchases',
        'makes a purchase',
        'new order',
        'places an order',
      ],
      fields: {
        email: 'data.object.customer_details.email',
        name: 'data.object.customer_details.name',
        amount: 'data.object.amount_total',
        currency: 'data.object.currency',
        id: 'data.object.id',
        customer: 'data.object.customer',
      },
    },
    {
      type: 'customer.subscription.created',
      title: 'A subscription was created',
      keywords: ['subscribes', 'new subscription', 'subscription is created', 'starts a subscription', 'new subscriber'],
      fields: { id: 'data.object.id', customer: 'data.object.customer', status: 'data.object.status' },
    },
    {
      type: 'customer.subscription.deleted',
      title: 'A subscription was cancelled',
      keywords: ['subscription is cancelled', 'subscription is canceled', 'subscription ends', 'subscription is deleted', 'cancelled', 'canceled'],
      fields: { id: 'data.object.id', customer: 'data.object.customer', status: 'data.object.status' },
    },
    {
      type: 'invoice.payment_failed',
      title: 'An invoice payment failed',
      keywords: ['invoice payment fails', 'invoice fails', 'invoice is not paid', 'unpaid invoice'],
      fields: { email: 'data.object.customer_email', amount: 'data.object.amount_due', id: 'data.object.id', customer: 'data.object.customer' },
    },
    {
      type: 'invoice.paid',
      title: 'An invoice was paid',
      keywords: ['invoice is paid', 'invoice paid', 'pays an invoice', 'pays the invoice'],
      fields: { email: 'data.object.customer_email', amount: 'data.object.amount_paid', id: 'data.object.id', customer: 'data.object.customer' },
    },
    {
      type: 'charge.refunded',
      title: 'A charge was refunded',
      keywords: ['refunded', 'refund is issued', 'charge is refunded', 'gets a refund'],
      fields: { email: 'data.object.billing_details.email', amount: 'data.object.amount_refunded', id: 'data.object.id', customer: 'data.object.customer' },
    },
  ],
  whereToGet:
    'In the Stripe dashboard open Developers → Webhooks (https://dashboard.stripe.com/webhooks), select the endpoint that points at this URL and reveal its Signing secret (whsec_…); the test-mode endpoint has its own secret.',
  verify(req) {
    requireContentType(
      req,
      [JSON_MEDIA_TYPE],
      'Stripe always sends application/json: make sure the endpoint URL in Stripe points straight at Switchyard, not through a proxy that re-encodes the body.',
    );
    const secrets = requireSecrets(req, STRIPE_WEBHOOK_SECRET, 'Stripe');
    const header = requireHeader(req, 'Stripe-Signature', 'Stripe signs every webhook delivery; this request did not come from Stripe.');
    const { timestamp, signatures } = parseStripeSignature(header);
    if (timestamp === undefined) throw invalidSignature('The Stripe-Signature header has no t= timestamp.');
    checkTimestamp(req, timestamp, 'Stripe-Signature t=');
    if (signatures.length === 0) throw invalidSignature('The Stripe-Signature header has no v1= signature of 64 hex digits.');
    // The SDK gets the header rebuilt from what was read, so it checks exactly the t and signatures above.
    const canonical = [`t=${timestamp}`, ...signatures.map((s) => `v1=${s}`)].join(',');
    if (!secrets.some((secret) => signedWith(req, canonical, secret)))
      throw invalidSignature(`The Stripe-Signature does not match the body for ${STRIPE_WEBHOOK_SECRET}. ${SIGNATURE_MISMATCH_HINT}`);
    const event = parseJson(req.rawBody, 'Stripe');
    const eventId = stringField(event, 'id');
    if (!eventId) throw invalidBody('The Stripe delivery is signed correctly but is not a Stripe event (it has no "id").');
    return { eventId, eventType: stringField(event, 'type'), payload: event };
  },
};

/**
 * `Stripe-Signature` read as stripe-node's `parseHeader` reads it: comma-separated `key=value` pairs, keys
 * compared exactly, the LAST `t` wins and every `v1` counts. Only well-formed signatures (64 lower-case hex
 * digits, what Stripe sends) are kept: the SDK's comparison throws on an empty one or on non-ASCII text.
 */
export function parseStripeSignature(header: string): { timestamp?: string; signatures: string[] } {
  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const pair of header.split(',')) {
    const [key, value = ''] = pair.split('=');
    if (key === 't') timestamp = value.trim();
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  return { timestamp, signatures };
}

/** The SDK's own check (constant-time, over the raw bytes); false on a mismatch, whatever its reason. */
function signedWith(req: WebhookRequest, header: string, secret: string): boolean {
  const signature = Stripe.webhooks.signature;
  if (!signature) throw new Error('The Stripe SDK has no webhook signature helper on this platform');
  try {
    return signature.verifyHeader(req.rawBody, header, secret, req.options.toleranceSeconds ?? DEFAULT_TIMESTAMP_TOLERANCE_S, undefined, req.now.getTime());
  } catch (err) {
    if (err instanceof Stripe.errors.StripeSignatureVerificationError) return false;
    throw err;
  }
}
