import crypto from 'node:crypto';
import { startHttpPeer, type Hit } from '../helpers/http-peer';

/**
 * A local stand-in for the Resend API (https://resend.com/docs/api-reference), close enough for the
 * official SDK: `POST /emails` → 200 `{ id }`, `GET /domains` and `GET /api-keys` → `{ object: 'list',
 * has_more, data }`, errors as `{ statusCode, message, name }` with Resend's documented statuses
 * (401 missing_api_key / restricted_api_key, 403 invalid_api_key, 422 validation_error /
 * missing_required_field, 409 invalid_idempotent_request, 429 rate_limit_exceeded with retry-after).
 * `Idempotency-Key` is honoured per API key: the same key and body replays the first answer, the same key
 * with another body is a 409. Every request is recorded.
 */

export type KeyAccess = 'full_access' | 'sending_access';

/** A scripted answer for the next `POST /emails` with a given subject. */
export interface ScriptedAnswer {
  status: number;
  name: string;
  message?: string;
  headers?: Record<string, string>;
  /** Accept (and record) the email first, then answer with the error anyway: the answer is "lost". */
  afterSend?: boolean;
}

export interface SentEmail {
  id: string;
  apiKey: string;
  idempotencyKey: string | undefined;
  body: Record<string, unknown>;
}

export interface EmailRequest {
  at: number;
  apiKey: string | undefined;
  idempotencyKey: string | undefined;
  body: Record<string, unknown>;
}

const DOMAINS = [
  { id: 'd91cd9bd-1176-453e-8fc1-35364d380206', name: 'acme.test', status: 'verified', created_at: '2024-04-26 20:21:26.347412+00', region: 'us-east-1' },
  { id: '4dd369bc-aa82-4ff3-97de-514ae3000ee0', name: 'news.acme.test', status: 'pending', created_at: '2024-05-02 09:10:03.123456+00', region: 'eu-west-1' },
];

const FROM_FORMAT = /^(?:[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+|[^<>]*<[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>)$/;

export async function startResendPeer(o: { keys: Record<string, KeyAccess> }) {
  const sent: SentEmail[] = [];
  const emailRequests: EmailRequest[] = [];
  const scripts = new Map<string, ScriptedAnswer[]>();
  const idempotent = new Map<string, { bodyHash: string; answer: { status: number; body: unknown } }>();

  const error = (status: number, name: string, message: string, headers?: Record<string, string>) => ({
    status,
    body: { statusCode: status, message, name },
    ...(headers ? { headers } : {}),
  });

  function authenticate(hit: Hit): { key: string; access: KeyAccess } | ReturnType<typeof error> {
    const header = hit.headers.authorization;
    const key = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    if (key === '')
      return error(
        401,
        'missing_api_key',
        'Missing API key in the authorization header. Include the following header in the request: Authorization: Bearer YOUR_API_KEY',
      );
    const access = o.keys[key];
    if (!access) return error(403, 'invalid_api_key', 'API key is invalid');
    return { key, access };
  }

  function validate(body: Record<string, unknown>): ReturnType<typeof error> | undefined {
    for (const field of ['from', 'to', 'subject']) {
      if (body[field] === undefined || body[field] === '') return error(422, 'missing_required_field', `Missing \`${field}\` field.`);
    }
    if (typeof body.from !== 'string' || !FROM_FORMAT.test(body.from.trim())) {
      return error(
        422,
        'validation_error',
        'Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.',
      );
    }
    if (body.html === undefined && body.text === undefined) return error(422, 'validation_error', 'Missing `html` or `text` field.');
    return undefined;
  }

  function sendEmail(hit: Hit, apiKey: string) {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(hit.body) as Record<string, unknown>;
    } catch {
      return error(400, 'validation_error', 'Invalid JSON body.');
    }
    const idem = typeof hit.headers['idempotency-key'] === 'string' ? hit.headers['idempotency-key'] : undefined;
    emailRequests.push({ at: Date.now(), apiKey, idempotencyKey: idem, body });

    if (idem !== undefined) {
      if (idem.length < 1 || idem.length > 256) return error(400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.');
      const stored = idempotent.get(`${apiKey}:${idem}`);
      const bodyHash = crypto.createHash('sha256').update(hit.body).digest('hex');
      if (stored) {
        if (stored.bodyHash !== bodyHash) return error(409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload.');
        return stored.answer;
      }
    }

    const script = scripts.get(String(body.subject))?.shift();
    if (script && !script.afterSend) return error(script.status, script.name, script.message ?? script.name, script.headers);
    const invalid = validate(body);
    if (invalid) return invalid;

    const id = crypto.randomUUID();
    sent.push({ id, apiKey, idempotencyKey: idem, body });
    const answer = { status: 200, body: { id } };
    if (idem !== undefined) idempotent.set(`${apiKey}:${idem}`, { bodyHash: crypto.createHash('sha256').update(hit.body).digest('hex'), answer });
    if (script) return error(script.status, script.name, script.message ?? script.name, script.headers);
    return answer;
  }

  const peer = await startHttpPeer((hit) => {
    const auth = authenticate(hit);
    if (!('key' in auth)) return auth;
    const path = hit.path.split('?')[0];
    if (hit.method === 'POST' && path === '/emails') return sendEmail(hit, auth.key);
    if (hit.method === 'GET' && (path === '/domains' || path === '/api-keys')) {
      if (auth.access !== 'full_access') return error(401, 'restricted_api_key', 'This API key is restricted to only send emails');
      const data =
        path === '/domains' ? DOMAINS : [{ id: '91f3200a-df72-4654-b0cd-f202395f5354', name: 'Production', created_at: '2023-04-08T00:11:13.110779+00:00' }];
      return { body: { object: 'list', has_more: false, data } };
    }
    return error(404, 'not_found', 'The requested endpoint does not exist.');
  });

  return {
    url: peer.url,
    /** Every request, as received. */
    hits: peer.hits,
    /** Emails accepted (each once, whatever the retries). */
    sent,
    /** Every `POST /emails` request, in order, with its time. */
    emailRequests,
    /** Answers the next `POST /emails` requests with this subject with these errors, in order; then normally. */
    script(subject: string, answers: ScriptedAnswer[]) {
      scripts.set(subject, [...answers]);
    },
    close: peer.close,
  };
}
