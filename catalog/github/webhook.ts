import type { WebhookSource } from '#core/webhooks';
import {
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

/** The setup variable holding the webhook's secret (the "Secret" field of the GitHub webhook). */
export const GITHUB_WEBHOOK_SECRET = 'GITHUB_WEBHOOK_SECRET';

/**
 * GitHub's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`. The scheme signs the body
 * only: no timestamp, and `X-GitHub-Event` / `X-GitHub-Delivery` are not signed, so a captured delivery
 * can be replayed; the delivery id (kept by GitHub's redeliveries) is the dedupe key. The `ping` GitHub
 * sends when a webhook is created is answered and starts nothing.
 */
export const githubWebhook: WebhookSource = {
  id: 'github',
  title: 'GitHub',
  signatureHeaders: ['x-hub-signature-256', 'x-hub-signature'],
  secretVariable: GITHUB_WEBHOOK_SECRET,
  whereToGet:
    'GitHub does not generate it: choose a long random value, enter it as the Secret of the webhook (repository or organization Settings → Webhooks → your webhook), and store the same value here.',
  verify(req) {
    requireContentType(
      req,
      [JSON_MEDIA_TYPE],
      'In the GitHub webhook settings set "Content type" to application/json (GitHub offers application/x-www-form-urlencoded first).',
    );
    const secrets = requireSecrets(req, GITHUB_WEBHOOK_SECRET, 'GitHub');
    const header = requireHeader(
      req,
      'X-Hub-Signature-256',
      'GitHub sends it only when the webhook has a secret: set the Secret in the webhook settings to the value of GITHUB_WEBHOOK_SECRET.',
    );
    // Read as @octokit/webhooks-methods reads it: exactly `sha256=` and 64 lower-case hex digits, else no signature.
    const received = /^sha256=[0-9a-f]{64}$/.test(header) ? hexBytes(header.slice('sha256='.length)) : undefined;
    if (!signedByAny(secrets, (secret) => hmacSha256(secret, req.rawBody), received))
      throw invalidSignature(`The X-Hub-Signature-256 does not match the body for ${GITHUB_WEBHOOK_SECRET}. ${SIGNATURE_MISMATCH_HINT}`);
    const payload = parseJson(req.rawBody, 'GitHub');
    const event = req.headers['x-github-event'];
    const action = stringField(payload, 'action');
    const eventType = event && action ? `${event}.${action}` : event;
    // Every GitHub delivery has X-GitHub-Delivery; the body hash only covers a sender that strips it.
    const eventId = req.headers['x-github-delivery'] || `sha256:${sha256Hex(req.rawBody)}`;
    // The delivery id is not signed: dedupe on the signed body, so a captured delivery sent again with a new id is still one run.
    const dedupeKey = `sha256:${sha256Hex(req.rawBody)}`;
    if (event === 'ping') return { eventId, eventType, payload, dedupeKey, reply: { status: 200, body: { ok: true } } };
    return { eventId, eventType, payload, dedupeKey };
  },
};
