import { defineIntegration } from '#core/catalog-sdk';
import { oauth2 } from '#core/oauth';
import { google } from '#catalog/oauth-providers';
import { sendMessage } from './actions/send-message.action';
import { GMAIL_SEND_SCOPE } from './client';

/** Gmail through a Google OAuth connection, on Google's official `@googleapis/gmail` client. */
export default defineIntegration({
  key: 'gmail',
  version: 1,
  title: 'Gmail',
  description: 'Send email from the Gmail account you connect.',
  category: 'Messaging',
  auth: oauth2(google, { scopes: [GMAIL_SEND_SCOPE] }),
  actions: [sendMessage],
  docs: [{ title: 'users.messages.send', url: 'https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/send' }],
  examplePrompts: ['Email the customer from our Gmail when their order ships'],
});
