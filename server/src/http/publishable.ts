import type { Request, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '#core/errors';
import type { AuthContext } from './auth';

/** The routes a browser may call with a publishable key; their CORS preflight is answered for any origin (the key decides). */
export const PUBLISHABLE_PATHS = [/^\/v1\/events$/, /^\/v1\/flows\/[^/]+\/invoke$/];

const WINDOW_SECONDS = 60;
const EXPOSED_HEADERS = 'Location, Retry-After';

/**
 * What a publishable key must pass on every request: an `Origin` its list allows (else 403, and no CORS header, so
 * the page cannot read the answer), then its rate limits per key and per key and client address (else 429 with
 * Retry-After, readable by the page). In memory per API process, as the failed-authentication limits are.
 */
export function publishableGate(): (req: Request, res: Response, auth: AuthContext) => Promise<void> {
  const limiters = new Map<string, RateLimiterMemory>();
  const limiter = (points: number) => {
    let l = limiters.get(String(points));
    if (!l) limiters.set(String(points), (l = new RateLimiterMemory({ points, duration: WINDOW_SECONDS })));
    return l;
  };
  return async (req, res, auth) => {
    const p = auth.publishable!;
    const origin = req.get('origin');
    if (!origin)
      throw new AppError(
        'FORBIDDEN',
        'A publishable key (sy_pub_…) works from a web page of an allowed origin, and this request sent no Origin header; from a server, use a secret key',
      );
    if (!p.origins.includes(origin))
      throw new AppError(
        'FORBIDDEN',
        `Origin ${origin} may not use this publishable key (allowed: ${p.origins.join(', ')}); add it to the key's allowed origins in Switchyard`,
        { origin },
      );
    res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': EXPOSED_HEADERS });
    res.vary('Origin');
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    try {
      await limiter(p.perMinute).consume(`key:${auth.keyId}`);
      await limiter(p.perAddressPerMinute).consume(`addr:${auth.keyId}:${address}`);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const retryAfterSeconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw new AppError(
        'RATE_LIMITED',
        `This publishable key's rate limit is reached (${p.perMinute} a minute, ${p.perAddressPerMinute} a minute per address); try again in ${retryAfterSeconds} s`,
        {
          retryAfterSeconds,
        },
      );
    }
  };
}

/** Answers the CORS preflight of the publishable routes: any origin may ask; the key's own list is checked on the request itself. */
export function publishablePreflight(req: Request, res: Response, next: () => void): void {
  if (!PUBLISHABLE_PATHS.some((p) => p.test(req.path)) || !req.get('origin')) return next();
  res.vary('Origin');
  if (req.method !== 'OPTIONS') return next();
  res
    .status(204)
    .set({
      'Access-Control-Allow-Origin': req.get('origin')!,
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers': 'authorization, content-type, idempotency-key',
      'Access-Control-Max-Age': '600',
    })
    .end();
}
