import { defineIntegration } from '#core/catalog-sdk';
import { sendSms } from './actions/send-sms.action';
import { callTwilio, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER, twilioClient } from './client';

/** Twilio Programmable Messaging, through the official `twilio` SDK with an Account SID and Auth Token. */
export default defineIntegration({
  key: 'twilio',
  version: 1,
  title: 'Twilio',
  description: 'Send SMS text messages with Twilio.',
  category: 'Messaging',
  auth: { type: 'apiKey', variable: TWILIO_AUTH_TOKEN },
  setup: [
    {
      name: TWILIO_ACCOUNT_SID,
      description: 'Your Twilio Account SID (AC…). For test runs, the test Account SID.',
      whereToGet:
        'Copy the Account SID from the Account Info panel of the Twilio Console, https://console.twilio.com (test credentials: Account → API keys & tokens).',
      testPrefix: 'AC',
    },
    {
      name: TWILIO_AUTH_TOKEN,
      description: 'The Auth Token of that account. For test runs, the test Auth Token.',
      whereToGet:
        'Copy the Auth Token from the Account Info panel of the Twilio Console, https://console.twilio.com (test credentials: Account → API keys & tokens).',
    },
    {
      name: TWILIO_FROM_NUMBER,
      description: 'The default sender: one of your Twilio phone numbers in E.164 format (+14155552671). With test credentials, use +15005550006.',
      whereToGet: 'Pick an SMS-capable number under Phone Numbers → Manage → Active numbers in the Twilio Console, https://console.twilio.com.',
      required: false,
      secret: false,
    },
  ],
  actions: [sendSms],
  docs: [
    { title: 'Message resource: create a message', url: 'https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource' },
    { title: 'Test credentials', url: 'https://www.twilio.com/docs/iam/test-credentials' },
    { title: 'Error and warning dictionary', url: 'https://www.twilio.com/docs/api/errors' },
    { title: 'twilio-node', url: 'https://www.twilio.com/docs/libraries/reference/twilio-node/' },
  ],
  examplePrompts: [
    'Text the customer when their order ships',
    'Send me an SMS when a payment over $1,000 fails',
    'Text the on-call engineer when the health check fails',
  ],
  /** Fetches the account (`GET /2010-04-01/Accounts/{sid}.json`): proves the SID and token belong together. */
  async testConnection(ctx) {
    const { client, accountSid, transport } = await twilioClient(ctx);
    const account = await callTwilio('fetch account', transport, () => client.api.v2010.accounts(accountSid).fetch());
    return { detail: `Connected to the Twilio account "${account.friendlyName}" (${account.status}, ${account.type})` };
  },
});
