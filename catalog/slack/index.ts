import { defineIntegration } from '#core/catalog-sdk';
import { postMessage } from './actions/post-message.action';
import { uploadFile } from './actions/upload-file.action';
import { updateMessage } from './actions/update-message.action';
import { callSlack, SLACK_TOKEN, slackClient } from './client';
import { slackWebhook } from './webhook';

/**
 * Slack, through the official `@slack/web-api` SDK with a bot token. Messages are posted as the app, so
 * the app must be a member of the channel (or have `chat:write.public` for public channels).
 */
export default defineIntegration({
  key: 'slack',
  version: 1,
  title: 'Slack',
  description: 'Post and update messages in Slack channels and threads as your Slack app.',
  category: 'Messaging',
  auth: { type: 'apiKey', variable: SLACK_TOKEN },
  setup: [
    {
      name: SLACK_TOKEN,
      description: 'The bot token of your Slack app (xoxb-…), with the chat:write scope.',
      whereToGet:
        'Create or open your app at https://api.slack.com/apps, add the chat:write scope under OAuth & Permissions, install it to your workspace, then copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions.',
    },
  ],
  actions: [postMessage, updateMessage, uploadFile],
  webhooks: [slackWebhook],
  docs: [
    { title: 'chat.postMessage', url: 'https://api.slack.com/methods/chat.postMessage' },
    { title: 'chat.update', url: 'https://api.slack.com/methods/chat.update' },
    { title: 'Block Kit Builder', url: 'https://app.slack.com/block-kit-builder' },
    { title: 'Node Slack SDK: Web API', url: 'https://tools.slack.dev/node-slack-sdk/web-api' },
  ],
  examplePrompts: [
    'Post to #sales in Slack when a customer upgrades',
    'Announce each failed payment in our #billing Slack channel, then update the message when it is paid',
    'Reply in the Slack thread of the alert when the incident is resolved',
  ],
  /** `auth.test`: proves the token is valid and names the workspace and bot. */
  async testConnection(ctx) {
    const slack = await slackClient(ctx);
    const res = await callSlack('auth.test', () => slack.auth.test());
    return { detail: `Connected to the Slack workspace ${res.team ?? res.team_id ?? '(unknown)'} as ${res.user ?? res.user_id ?? 'the app'}` };
  },
});
