/**
 * The checks every webhook source shares, so each source reads as the same five steps: content type,
 * secrets, signature headers (and timestamp), signature, body. Every failure is a `WebhookRejected` whose
 * message says what to fix; none names which secret failed or shows an expected value.
 *
 * The catalog's other integrations import this one module (and nothing else) from `catalog/webhooks`.
 */
import crypto from 'node:crypto';
import { parseBoundedJson } from '#core/json-depth';
import { DEFAULT_TIMESTAMP_TOLERANCE_S, WebhookRejected, type WebhookRequest } from '#core/webhooks';

export const JSON_MEDIA_TYPE = 'application/json';
export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/**
 * The delivery's media type, when it is one of `allowed` (a `charset` parameter, if any, must be UTF-8);
 * otherwise 415 with `fix`, which says how to configure the sender.
 */
export function requireContentType(req: WebhookRequest, allowed: readonly string[], fix: string): string {
  const sent = req.headers['content-type'];
  const [type = '', ...params] = (sent ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (allowed.includes(type) && (charset === undefined || charset === 'utf-8' || charset === 'utf8')) return type;
  const got = sent ? `"${sent.slice(0, 100)}"` : 'no Content-Type';
  throw new WebhookRejected(
    415,
    'UNSUPPORTED_CONTENT_TYPE',
    `This endpoint accepts ${allowed.join(' or ')} (UTF-8), but the delivery came with ${got}. ${fix}`,
  );
}

/** The active secrets, or 401 telling to set `variable` (nothing can be verified without one). */
export function requireSecrets(req: WebhookRequest, variable: string, provider: string): string[] {
  const secrets = req.secrets.filter((s) => s.length > 0);
  if (secrets.length > 0) return secrets;
  throw new WebhookRejected(
    401,
    'SIGNATURE_INVALID',
    `No signing secret is set for this endpoint, so no delivery can be verified. Set the workspace secret ${variable} to the endpoint's signing secret from ${provider}.`,
  );
}

/** The header's value (`name` as the provider spells it, looked up lower-cased), or 401 SIGNATURE_MISSING. */
export function requireHeader(req: WebhookRequest, name: string, hint: string): string {
  const value = req.headers[name.toLowerCase()]?.trim();
  if (value) return value;
  throw new WebhookRejected(401, 'SIGNATURE_MISSING', `The ${name} header is missing. ${hint}`);
}

/**
 * Refuses a signed Unix time (seconds) more than `req.options.toleranceSeconds` (default 300) away from
 * `req.now`, in either direction: an old one may be a replay, and a future one would stay replayable.
 */
export function checkTimestamp(req: WebhookRequest, seconds: string, header: string): void {
  if (!/^\d{1,12}$/.test(seconds)) throw invalidSignature(`${header} is not a Unix time in seconds.`);
  const tolerance = req.options.toleranceSeconds ?? DEFAULT_TIMESTAMP_TOLERANCE_S;
  const skew = Math.floor(req.now.getTime() / 1000) - Number(seconds);
  if (Math.abs(skew) <= tolerance) return;
  throw timestampOutOfRange(
    `The delivery was signed ${skew > 0 ? `${skew} s ago` : `${-skew} s in the future`} (${header} ${seconds}), outside the allowed window of ${tolerance} s either way of this server's clock.`,
  );
}

/** 401 TIMESTAMP_OUT_OF_RANGE, with what to check. */
export function timestampOutOfRange(what: string): WebhookRejected {
  return new WebhookRejected(
    401,
    'TIMESTAMP_OUT_OF_RANGE',
    `${what} Check that the sender's and this server's clocks are right (NTP); if they are, this is an old delivery being replayed: have the provider send the event again instead.`,
  );
}

/** 401 SIGNATURE_INVALID. `what` says what did not match; never which secret, never an expected value. */
export function invalidSignature(what: string): WebhookRejected {
  return new WebhookRejected(401, 'SIGNATURE_INVALID', what);
}

/** The usual cause of a mismatch, for messages. */
export const SIGNATURE_MISMATCH_HINT =
  'Check that the workspace secret holds the signing secret of this very endpoint and that nothing between the sender and Switchyard changes the body (a proxy that re-encodes JSON breaks the signature).';

/** 400 BODY_INVALID: the signature was right but the body is not what the provider sends. */
export function invalidBody(what: string): WebhookRejected {
  return new WebhookRejected(400, 'BODY_INVALID', what);
}

/** Parses the (already verified) body or field as JSON, nested at most MAX_JSON_DEPTH deep, or 400 BODY_INVALID. */
export function parseJson(raw: Buffer | string, provider: string, what = 'body'): unknown {
  try {
    return parseBoundedJson(raw);
  } catch (err) {
    throw invalidBody(`The ${provider} delivery is signed correctly but its ${what} is not valid JSON (${(err as Error).message}).`);
  }
}

export function hmacSha256(secret: string | Buffer, ...parts: (string | Buffer)[]): Buffer {
  const hmac = crypto.createHmac('sha256', secret);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}

/** Hex SHA-256 of the raw body. */
export function sha256Hex(rawBody: Buffer): string {
  return crypto.createHash('sha256').update(rawBody).digest('hex');
}

/** Strict hex (any case) to bytes, or undefined. */
export function hexBytes(hex: string): Buffer | undefined {
  return /^(?:[0-9a-fA-F]{2})+$/.test(hex) ? Buffer.from(hex, 'hex') : undefined;
}

/** Constant-time comparison; the length (public: always a digest's) is checked first, as timingSafeEqual requires. */
export function safeEqual(expected: Buffer, received: Buffer | undefined): boolean {
  return received !== undefined && received.length === expected.length && crypto.timingSafeEqual(expected, received);
}

/** Whether `received` equals the digest `sign` computes with any of the secrets (a rotation has two). */
export function signedByAny(secrets: string[], sign: (secret: string) => Buffer, received: Buffer | undefined): boolean {
  return secrets.some((secret) => safeEqual(sign(secret), received));
}

/** `obj[key]` when obj is an object and that field is a string. */
export function stringField(obj: unknown, key: string): string | undefined {
  const value = obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}
