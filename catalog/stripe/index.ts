import { defineIntegration } from '#core/catalog-sdk';
import { createCheckoutSession } from './actions/create-checkout-session.action';
import { createCustomer } from './actions/create-customer.action';
import { createPaymentLink } from './actions/create-payment-link.action';
import { createRefund } from './actions/create-refund.action';
import { retrievePaymentIntent } from './actions/retrieve-payment-intent.action';
import { callStripe, STRIPE_KEYS_URL, STRIPE_SECRET_KEY } from './client';
import { stripeWebhook } from './webhook';

/**
 * Stripe through its official Node SDK: customers, payment links, Checkout sessions, payment intents and
 * refunds. Every call that creates something sends the node's idempotency key, so Temporal's retries
 * never charge, refund or create twice.
 */
export default defineIntegration({
  key: 'stripe',
  version: 1,
  title: 'Stripe',
  description: 'Take payments with Stripe: create customers, payment links and Checkout sessions, read payment intents, issue refunds.',
  category: 'Payments',
  auth: { type: 'apiKey', variable: STRIPE_SECRET_KEY },
  setup: [
    {
      name: STRIPE_SECRET_KEY,
      description: 'A Stripe secret key (sk_…) or restricted key (rk_…) with write access to customers, payment links, Checkout sessions and refunds.',
      whereToGet: `Create or copy it in the Stripe dashboard under Developers → API keys (${STRIPE_KEYS_URL}); the test value is the key shown with "Test mode" on.`,
      testPrefix: 'sk_test_',
    },
  ],
  actions: [createCustomer, createPaymentLink, createCheckoutSession, retrievePaymentIntent, createRefund],
  webhooks: [stripeWebhook],
  docs: [
    { title: 'Stripe API reference', url: 'https://docs.stripe.com/api' },
    { title: 'Idempotent requests', url: 'https://docs.stripe.com/api/idempotent_requests' },
    { title: 'Payment Links', url: 'https://docs.stripe.com/payment-links' },
    { title: 'Checkout Sessions', url: 'https://docs.stripe.com/api/checkout/sessions' },
    { title: 'Testing (test mode keys and cards)', url: 'https://docs.stripe.com/testing' },
  ],
  examplePrompts: [
    'Create a Stripe customer when someone signs up',
    'Send a payment link for the order total when an order is placed',
    'Start a Checkout session for the cart and email the link',
    'Refund the payment when an order is cancelled',
    'Check whether a payment intent succeeded before shipping',
  ],
  async testConnection(ctx) {
    const balance = await callStripe(ctx, 'read the account balance', (stripe) => stripe.balance.retrieve());
    const currencies = [...new Set(balance.available.map((b) => b.currency.toUpperCase()))].join(', ') || 'none yet';
    return { detail: `Connected to Stripe in ${balance.livemode ? 'live' : 'test'} mode (balance currencies: ${currencies}).` };
  },
});
