import { defineIntegration } from '#core/catalog-sdk';
import { sendEmail } from './actions/send-email.action';
import { EMAIL_FROM, SMTP_URL, smtpClient, smtpError } from './client';

/**
 * Email over SMTP (nodemailer): any provider that offers SMTP (Gmail, Microsoft 365, Postmark, SES,
 * Mailgun, your own relay). Test runs use the test value of SMTP_URL (a sandbox inbox such as Mailtrap),
 * or the sandbox when there is none.
 */
export default defineIntegration({
  key: 'email',
  version: 1,
  title: 'Email (SMTP)',
  description: 'Send email through any SMTP server: your provider, a transactional email service or your own relay.',
  auth: { type: 'apiKey', variable: SMTP_URL },
  category: 'Messaging',
  setup: [
    {
      name: SMTP_URL,
      description:
        'The SMTP server and its login, e.g. smtps://user:password@smtp.example.com:465 (smtps:// is TLS, usually port 465; smtp:// upgrades with STARTTLS, usually port 587). Percent-encode @ and : inside the login.',
      whereToGet:
        "Your email provider's SMTP settings page (host, port, username and password or app password), e.g. https://support.google.com/a/answer/176600 for Google Workspace.",
    },
    {
      name: EMAIL_FROM,
      description: 'The default sender, e.g. "Acme <hello@acme.com>"; a step can override it with its own from.',
      whereToGet: 'An address your SMTP server may send as (a verified sender or domain at your provider, see its SMTP settings page).',
      required: false,
      secret: false,
    },
  ],
  actions: [sendEmail],
  docs: [
    { title: 'Nodemailer: SMTP transport', url: 'https://nodemailer.com/smtp/' },
    { title: 'RFC 5321: SMTP reply codes', url: 'https://www.rfc-editor.org/rfc/rfc5321#section-4.2' },
  ],
  examplePrompts: [
    'Email the customer a receipt when an order is paid',
    'Send our support inbox an email when a form is submitted',
    'Email the on-call engineer when a deploy fails',
  ],
  /** Connects, upgrades to TLS where configured and logs in; sends nothing. */
  async testConnection(ctx) {
    const client = await smtpClient(ctx);
    try {
      await client.transporter.verify();
      return { detail: `Connected to ${client.server}${client.authenticated ? ' and logged in' : ' (no login configured)'}` };
    } catch (err) {
      throw smtpError(err, client.server);
    } finally {
      client.close();
    }
  },
});
