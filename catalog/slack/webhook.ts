import type { VerifiedDelivery, WebhookRequest, WebhookSource } from '#core/webhooks';
import {
  checkTimestamp,
  FORM_MEDIA_TYPE,
  hexBytes,
  hmacSha256,
  invalidSignature,
  JSON_MEDIA_TYPE,
  parseJson,
  requireContentType,
  requireHeader,
  requireSecrets,
  sha256Hex,
  SIGNATURE_MISMATCH_HINT,
  signedByAny,
  stringField,
} from '../webhooks/verify-helpers';

/** The setup variable holding the app's Signing Secret. */
export const SLACK_SIGNING_SECRET = 'SLACK_SIGNING_SECRET';

/**
 * Slack's v0 signature: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:" + X-Slack-Request-Timestamp + ":" + raw body>`,
 * with the timestamp within `toleranceSeconds` (default 300) of `req.now` either way. Slack ships no
 * verifier outside its Bolt framework, so this follows https://api.slack.com/authentication/verifying-requests-from-slack.
 *
 * Bodies: the Events API sends JSON (dedupe key `event_id`; `url_verification` is answered with its
 * challenge and starts nothing); slash commands and interactivity send a form (`payload`, when present, is
 * JSON) with no id, so their key is a hash of the body.
 */
export const slackWebhook: WebhookSource = {
  id: 'slack',
  title: 'Slack',
  events: [
    {
      type: 'app_mention',
      title: 'The app was mentioned',
      keywords: ['mentioned', 'mentions the bot', 'mentions the app', 'someone mentions', 'is mentioned in slack'],
      fields: { text: 'event.text', channel: 'event.channel', user: 'event.user', ts: 'event.ts' },
      example: {
        type: 'event_callback',
        team_id: 'T0EXAMPLE1',
        api_app_id: 'A0EXAMPLE1',
        event_id: 'Ev0EXAMPLE1',
        event_time: 1733390000,
        event: {
          type: 'app_mention',
          user: 'U0EXAMPLE1',
          text: '<@U0APPBOT1> what is the status of order ord_1042?',
          channel: 'C0SALES001',
          ts: '1733390000.000100',
        },
      },
    },
    {
      type: 'message',
      title: 'A message was posted in a channel',
      keywords: ['message is posted', 'new message in slack', 'someone posts in', 'message in #', 'posts a message'],
      fields: { text: 'event.text', channel: 'event.channel', user: 'event.user', ts: 'event.ts' },
    },
  ],
  signatureHeaders: ['x-slack-signature'],
  secretVariable: SLACK_SIGNING_SECRET,
  secretBodyFields: ['token'],
  whereToGet: 'Open your app at https://api.slack.com/apps → Basic Information → App Credentials and copy the Signing Secret (not the bot token).',
  verify(req) {
    const type = requireContentType(
      req,
      [JSON_MEDIA_TYPE, FORM_MEDIA_TYPE],
      'Slack sends the Events API as application/json and slash commands and interactivity as application/x-www-form-urlencoded: point the Slack Request URL straight at Switchyard.',
    );
    const secrets = requireSecrets(req, SLACK_SIGNING_SECRET, 'Slack');
    const header = requireHeader(req, 'X-Slack-Signature', 'Slack signs every request to a Request URL; this request did not come from Slack.');
    const timestamp = requireHeader(req, 'X-Slack-Request-Timestamp', 'Slack sends it with every signed request; this request did not come from Slack.');
    checkTimestamp(req, timestamp, 'X-Slack-Request-Timestamp');
    // Read as Bolt's verifySlackRequest reads it: `v0=` and the lower-case hex digest, else no signature.
    const received = /^v0=[0-9a-f]{64}$/.test(header) ? hexBytes(header.slice('v0='.length)) : undefined;
    if (!signedByAny(secrets, (secret) => hmacSha256(secret, `v0:${timestamp}:`, req.rawBody), received))
      throw invalidSignature(`The X-Slack-Signature does not match the request for ${SLACK_SIGNING_SECRET}. ${SIGNATURE_MISMATCH_HINT}`);
    return type === JSON_MEDIA_TYPE ? eventsApi(req) : formRequest(req);
  },
};

function eventsApi(req: WebhookRequest): VerifiedDelivery {
  const payload = parseJson(req.rawBody, 'Slack');
  const type = stringField(payload, 'type');
  const hash = sha256Hex(req.rawBody);
  if (type === 'url_verification') {
    return {
      eventId: `url_verification:${hash}`,
      eventType: type,
      payload,
      reply: { status: 200, body: { challenge: stringField(payload, 'challenge') ?? '' } },
    };
  }
  const event = (payload as { event?: unknown } | null)?.event;
  return { eventId: stringField(payload, 'event_id') ?? `sha256:${hash}`, eventType: stringField(event, 'type') ?? type, payload };
}

function formRequest(req: WebhookRequest): VerifiedDelivery {
  const form: Record<string, unknown> = Object.fromEntries(new URLSearchParams(req.rawBody.toString('utf8')));
  let eventType = typeof form.command === 'string' ? 'slash_command' : undefined;
  if (typeof form.payload === 'string') {
    form.payload = parseJson(form.payload, 'Slack', 'payload field');
    eventType = stringField(form.payload, 'type') ?? eventType;
  }
  return { eventId: `sha256:${sha256Hex(req.rawBody)}`, eventType, payload: form };
}
