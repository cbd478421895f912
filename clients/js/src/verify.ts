/**
 * Verifies a Switchyard notification (Standard Webhooks: https://www.standardwebhooks.com): the HMAC-SHA256 of
 * `<webhook-id>.<webhook-timestamp>.<body>` with the endpoint's secret (`whsec_<base64>`), over the exact raw body,
 * and a timestamp within the tolerance (replays of old deliveries are refused). WebCrypto only: no dependency.
 */
export type NotificationPayload = RunNotificationPayload | CreditsLowPayload;

/** The workspace's credits fell under a tenth of its plan's monthly credits (once per credit period). */
export interface CreditsLowPayload {
  type: 'credits.low';
  timestamp: string;
  data: { balance: number; threshold: number; plan: string; period: string };
}

export interface RunNotificationPayload {
  type: 'run.completed' | 'run.failed' | 'run.parked' | 'run.waitingForCredits' | 'run.waitingForReconnect';
  timestamp: string;
  data: {
    runId: string;
    flowId: string;
    version: number;
    mode: 'live' | 'test';
    status: string;
    output?: unknown;
    outputOmitted?: true;
    error?: { message: string; type: string; status?: number; nodeId?: string };
    nodeKey?: string;
  };
}

export class NotificationVerificationError extends Error {
  override readonly name = 'NotificationVerificationError';
}

export interface VerifyOptions {
  /** Seconds the timestamp may be from now (default 300). */
  toleranceSeconds?: number;
  /** For tests: what "now" is. */
  now?: Date;
}

/** Headers as a plain object (any case) or a WHATWG `Headers`. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  for (const [k, v] of Object.entries(headers as Record<string, string | string[] | undefined>))
    if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  return undefined;
}

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function equalInConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Checks the signature and the timestamp, then parses the body. Throws NotificationVerificationError saying why not. */
export async function verifyNotification(body: string, headers: HeaderSource, secret: string, o: VerifyOptions = {}): Promise<NotificationPayload> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new NotificationVerificationError('Missing webhook-id, webhook-timestamp or webhook-signature header');
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp)) throw new NotificationVerificationError('webhook-timestamp is not a Unix time in seconds');
  const now = Math.floor((o.now ?? new Date()).getTime() / 1000);
  const tolerance = o.toleranceSeconds ?? 300;
  if (Math.abs(now - seconds) > tolerance)
    throw new NotificationVerificationError(`webhook-timestamp is more than ${tolerance} s from now: an old or future delivery`);
  const key = await crypto.subtle.importKey('raw', base64ToBytes(secret.replace(/^whsec_/, '')), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const signed = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  const expected = bytesToBase64(new Uint8Array(signed));
  const ok = signatures.split(' ').some((s) => {
    const [version, value] = s.split(',');
    return version === 'v1' && value !== undefined && equalInConstantTime(value, expected);
  });
  if (!ok) throw new NotificationVerificationError('No signature matches: a wrong secret, or a body changed on the way (verify the raw body, before parsing)');
  return JSON.parse(body) as NotificationPayload;
}
