import crypto from 'node:crypto';
import type { Request } from 'express';
import { AppError } from '#core/errors';
import type { Db } from '#store/database';
import { findLiveSession, insertSession, touchSession } from '#store/people.repository';

/** The editor's session cookie. HttpOnly (scripts cannot read it), SameSite=Strict, Secure behind TLS. */
export const SESSION_COOKIE = 'sy_session';
/** The header cookie-authenticated writes carry their CSRF token in (a cross-site form cannot set a header). */
export const CSRF_HEADER = 'x-csrf-token';

export interface SessionOptions {
  /** A session ends this long after its last request (sliding; SWITCHYARD_SESSION_TTL). */
  ttlMs: number;
  /** `https://…` public URL: cookies are `Secure` (they are also when the request itself came over TLS). */
  publicUrl?: string;
  /**
   * Origins of the Temporal Web UI (SWITCHYARD_CODEC_CORS_ORIGINS): their requests to the codec endpoint
   * (`/api/temporal-codec/…`) may use the session without a CSRF token, which the UI cannot send.
   */
  codecOrigins?: string[];
}

export interface SignedInPerson {
  userId: string;
  email: string;
  name: string;
  sessionId: string;
  /** The CSRF token of this session (derived from its cookie, so nothing more is stored). */
  csrfToken: string;
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** The session's CSRF token: a one-way function of the cookie, which a page on another site can neither read nor compute. */
export function csrfTokenFor(sessionToken: string): string {
  return crypto.createHash('sha256').update(`csrf\0${sessionToken}`).digest('base64url');
}

function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The person behind the request's session cookie, or undefined (no cookie, unknown, revoked or expired). */
export async function sessionFromRequest(db: Db, o: SessionOptions, req: Request): Promise<SignedInPerson | undefined> {
  const token = cookieValue(req, SESSION_COOKIE);
  if (!token || token.length > 200) return undefined;
  const row = await findLiveSession(db, hashToken(token));
  if (!row) return undefined;
  if (Date.now() - Date.parse(row.lastSeenAt) > 60_000) await touchSession(db, row.id, new Date(Date.now() + o.ttlMs).toISOString());
  return { userId: row.userId, email: row.email, name: row.name, sessionId: row.id, csrfToken: csrfTokenFor(token) };
}

/** Starts a session: returns its cookie header and CSRF token. */
export async function startSession(
  db: Db,
  o: SessionOptions,
  req: Request,
  userId: string,
): Promise<{ setCookie: string; csrfToken: string; sessionId: string }> {
  const token = newToken();
  const row = await insertSession(db, {
    tokenHash: hashToken(token),
    userId,
    expiresAt: new Date(Date.now() + o.ttlMs).toISOString(),
    userAgent: req.get('user-agent')?.slice(0, 300) ?? null,
  });
  return { setCookie: sessionCookie(o, req, token, Math.ceil(o.ttlMs / 1000)), csrfToken: csrfTokenFor(token), sessionId: row.id };
}

export function clearSessionCookie(o: SessionOptions, req: Request): string {
  return sessionCookie(o, req, '', 0);
}

function sessionCookie(o: SessionOptions, req: Request, token: string, maxAgeSeconds: number): string {
  const secure = req.secure || (o.publicUrl?.startsWith('https:') ?? false);
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cookie-authenticated writes must carry the session's CSRF token in `X-CSRF-Token`, and an `Origin`, when the browser
 * sends one, must be this server's (its Host, or SWITCHYARD_PUBLIC_URL's host): a form on another site posts neither. API keys need no token (a browser never
 * attaches them by itself).
 */
export function checkCsrf(req: Request, person: SignedInPerson, publicUrl?: string, codecOrigins: string[] = []): void {
  if (SAFE_METHODS.has(req.method)) return;
  const origin = req.get('origin');
  // The codec endpoint changes nothing; the operator named the Web UI's origin as trusted to call it.
  if (origin && codecOrigins.includes(origin) && req.path.startsWith('/api/temporal-codec/')) return;
  // Behind a proxy the Host header may be the proxy's view: the public URL's host is this server too.
  const ownHosts = [req.get('host'), publicUrl ? new URL(publicUrl).host : undefined];
  if (origin !== undefined && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (!host || !ownHosts.includes(host)) {
      throw new AppError('FORBIDDEN', `Cross-site request refused: a page on ${origin} cannot act with your Switchyard session`, { csrf: true });
    }
  } else if (origin === 'null') {
    throw new AppError('FORBIDDEN', 'Cross-site request refused: a page with an opaque origin cannot act with your Switchyard session', { csrf: true });
  }
  const given = req.get(CSRF_HEADER) ?? '';
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(person.csrfToken).digest();
  if (!given || !crypto.timingSafeEqual(a, b)) {
    throw new AppError(
      'FORBIDDEN',
      `Missing or wrong CSRF token: a write with the editor's session cookie must send the session's token in ${CSRF_HEADER} (GET /api/auth/session gives it)`,
      { csrf: true },
    );
  }
}
