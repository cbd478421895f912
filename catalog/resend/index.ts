import { defineIntegration } from '#core/catalog-sdk';
import { sendEmail } from './actions/send-email.action';
import { RESEND_API_KEY, resendClient, resendError } from './client';

/** Transactional email with Resend (official `resend` SDK). */
export default defineIntegration({
  key: 'resend',
  version: 1,
  title: 'Resend',
  description: 'Send transactional email with Resend: HTML or text, cc, bcc, reply-to and tags, never sent twice on a retry.',
  auth: { type: 'apiKey', variable: RESEND_API_KEY },
  category: 'Messaging',
  setup: [
    {
      name: RESEND_API_KEY,
      description: 'A Resend API key (re_…). "Sending access" is enough to send; the connection test reads domains with a "Full access" key.',
      whereToGet: 'Create one at https://resend.com/api-keys (verify your sending domain at https://resend.com/domains first).',
    },
  ],
  actions: [sendEmail],
  docs: [
    { title: 'Resend: Send email', url: 'https://resend.com/docs/api-reference/emails/send-email' },
    { title: 'Resend: Idempotency keys', url: 'https://resend.com/docs/dashboard/emails/idempotency-keys' },
    { title: 'Resend: Errors', url: 'https://resend.com/docs/api-reference/errors' },
  ],
  examplePrompts: [
    'Send a welcome email when someone signs up',
    'Email the customer a receipt with Resend when a payment succeeds',
    'Send the weekly report email to the team every Monday',
  ],
  /** Lists the account's domains; a sending-only key answers restricted_api_key, which still proves it is valid. */
  async testConnection(ctx) {
    const resend = await resendClient(ctx);
    const res = await resend.domains.list();
    if (res.error !== null) {
      if (res.error.name === 'restricted_api_key') return { detail: 'The key is valid and restricted to sending emails (it cannot list domains)' };
      throw resendError(res.error, res.headers, 'list domains');
    }
    const domains = res.data.data;
    const list = domains.map((d) => `${d.name} (${d.status})`).join(', ');
    return { detail: `The key works: ${domains.length} domain${domains.length === 1 ? '' : 's'}${list ? `: ${list}` : ''}${res.data.has_more ? ', …' : ''}` };
  },
});
