import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { WebhookRejected, type WebhookRequest, type WebhookSource } from '#core/webhooks';
import {
  checkTimestamp,
  invalidSignature,
  JSON_MEDIA_TYPE,
  parseJson,
  requireContentType,
  requireSecrets,
  SIGNATURE_MISMATCH_HINT,
  stringField,
  timestampOutOfRange,
} from './verify-helpers';

/** The setup variable holding the endpoint's signing secret (`whsec_` + base64). */
export const WEBHOOK_SIGNING_SECRET = 'WEBHOOK_SIGNING_SECRET';

/**
 * [Standard Webhooks](https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` (several, space-separated, while
 * the sender rotates), checked by the spec's own `standardwebhooks` library. Svix and the senders built on
 * it (Resend, Clerk, …) name the same headers `svix-id`, `svix-timestamp`, `svix-signature`; both are read.
 *
 * The timestamp is checked against `req.now` and `toleranceSeconds` first; the library then checks it
 * again against the real clock with its fixed 5-minute window, so a window wider than 300 s has no effect.
 */
export const standardWebhook: WebhookSource = {
  id: 'standard',
  title: 'Standard Webhooks (Svix, Resend)',
  signatureHeaders: ['webhook-signature', 'svix-signature'],
  secretVariable: WEBHOOK_SIGNING_SECRET,
  whereToGet:
    "Copy the endpoint's signing secret (whsec_…) from the sender's webhook settings: in Resend, Webhooks → your webhook → Signing secret; in a Svix-powered dashboard, the endpoint's Signing Secret.",
  verify(req) {
    requireContentType(req, [JSON_MEDIA_TYPE], 'Standard Webhooks are JSON: configure the sender to send application/json.');
    const secrets = requireSecrets(req, WEBHOOK_SIGNING_SECRET, 'the sender');
    const headers = {
      'webhook-id': requireStandardHeader(req, 'id'),
      'webhook-timestamp': requireStandardHeader(req, 'timestamp'),
      'webhook-signature': requireStandardHeader(req, 'signature'),
    };
    checkTimestamp(req, headers['webhook-timestamp'], 'webhook-timestamp');
    const keys = secrets.flatMap((secret) => {
      try {
        return [new Webhook(secret)];
      } catch {
        return []; // not `whsec_` + base64: it can match nothing
      }
    });
    if (keys.length === 0)
      throw invalidSignature(`${WEBHOOK_SIGNING_SECRET} is not a Standard Webhooks signing secret (whsec_ followed by base64): copy it again from the sender.`);
    if (!keys.some((key) => signedWith(key, req.rawBody, headers)))
      throw invalidSignature(`The webhook-signature does not match the delivery for ${WEBHOOK_SIGNING_SECRET}. ${SIGNATURE_MISMATCH_HINT}`);
    const payload = parseJson(req.rawBody, 'webhook');
    return { eventId: headers['webhook-id'], eventType: stringField(payload, 'type'), payload };
  },
};

/** `webhook-<name>`, or else `svix-<name>`; 401 naming the standard header when neither is there. */
function requireStandardHeader(req: WebhookRequest, name: 'id' | 'timestamp' | 'signature'): string {
  const value = req.headers[`webhook-${name}`]?.trim() || req.headers[`svix-${name}`]?.trim();
  if (value) return value;
  throw new WebhookRejected(
    401,
    'SIGNATURE_MISSING',
    `The webhook-${name} header (svix-${name} from Svix senders) is missing. Standard Webhooks senders sign every delivery with webhook-id, webhook-timestamp and webhook-signature; this request did not come from one.`,
  );
}

/** The library's verdict: false on a mismatch; its own clock check surfaces as TIMESTAMP_OUT_OF_RANGE. */
function signedWith(key: Webhook, rawBody: Buffer, headers: Record<string, string>): boolean {
  try {
    key.verify(rawBody, headers, { jsonParse: false });
    return true;
  } catch (err) {
    if (!(err instanceof WebhookVerificationError)) throw err;
    if (/timestamp too (old|new)/i.test(err.message))
      throw timestampOutOfRange(
        'The delivery was signed more than 5 minutes away from the real clock of this server (the Standard Webhooks library allows 300 s either way).',
      );
    return false;
  }
}
