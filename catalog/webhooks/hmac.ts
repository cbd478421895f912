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
} from './verify-helpers';

/** The setup variable holding the shared secret. */
export const WEBHOOK_HMAC_SECRET = 'WEBHOOK_HMAC_SECRET';

/** The signature header when the endpoint's `options.header` does not name another. */
export const DEFAULT_HMAC_HEADER = 'x-signature';

/**
 * A generic HMAC-SHA256 of the raw body, for senders with no scheme of their own: the signature goes in
 * `options.header` (default `X-Signature`) as hex, `sha256=`-prefixed hex, or base64. There is no
 * timestamp, so a captured delivery can be replayed: the body hash is the dedupe key (`sha256:<hex>`),
 * which makes a replay of the same body a duplicate. The server must also drop `options.header` before
 * storing a delivery (`signatureHeaders` names only the default).
 */
export const hmacWebhook: WebhookSource = {
  id: 'hmac',
  title: 'HMAC-SHA256 signature',
  signatureHeaders: [DEFAULT_HMAC_HEADER],
  secretVariable: WEBHOOK_HMAC_SECRET,
  whereToGet:
    'Use the secret the sender signs with (often shown as "signing secret" in its webhook settings), or choose a long random value and give it to the sender.',
  verify(req) {
    requireContentType(req, [JSON_MEDIA_TYPE], 'Configure the sender to send the body as application/json.');
    const secrets = requireSecrets(req, WEBHOOK_HMAC_SECRET, 'the sender');
    const name = req.options.header ?? DEFAULT_HMAC_HEADER;
    const header = requireHeader(
      req,
      name,
      `The sender must put the HMAC-SHA256 of the body in ${name} (or set this endpoint's signature header to the one it uses).`,
    );
    if (!signedByAny(secrets, (secret) => hmacSha256(secret, req.rawBody), signatureBytes(header)))
      throw invalidSignature(`The ${name} signature does not match the body for ${WEBHOOK_HMAC_SECRET}. ${SIGNATURE_MISMATCH_HINT}`);
    const payload = parseJson(req.rawBody, 'webhook');
    return { eventId: `sha256:${sha256Hex(req.rawBody)}`, eventType: stringField(payload, 'type'), payload };
  },
};

/** Hex, `sha256=` + hex, or base64 (standard or URL-safe) to bytes; undefined when it is none of them. */
function signatureBytes(value: string): Buffer | undefined {
  const bare = value.replace(/^sha256=/i, '');
  if (/^[0-9a-f]{64}$/i.test(bare)) return hexBytes(bare);
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(bare) ? Buffer.from(bare, 'base64') : undefined;
}
