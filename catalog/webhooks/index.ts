import { defineIntegration } from '#core/catalog-sdk';
import { hmacWebhook } from './hmac';
import { standardWebhook } from './standard';

/**
 * Signed webhooks from senders that have no integration of their own: Standard Webhooks (Svix, Resend and
 * others) and a plain HMAC-SHA256 of the body. No actions: it only supplies webhook sources.
 */
export default defineIntegration({
  key: 'webhooks',
  version: 1,
  title: 'Webhooks',
  description: 'Receive signed webhooks from any sender: Standard Webhooks (Svix, Resend and others) or an HMAC-SHA256 signature of the body.',
  category: 'Core',
  auth: { type: 'none' },
  actions: [],
  webhooks: [standardWebhook, hmacWebhook],
  docs: [
    { title: 'Standard Webhooks specification', url: 'https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md' },
    { title: 'Svix: verifying webhooks manually', url: 'https://docs.svix.com/receiving/verifying-payloads/how-manual' },
    { title: 'Resend: verify webhook requests', url: 'https://resend.com/docs/webhooks/verify-webhooks-requests' },
  ],
  examplePrompts: ['Start a flow when Resend reports a bounced email', 'Receive the signed webhook our billing system sends when an invoice is paid'],
});
