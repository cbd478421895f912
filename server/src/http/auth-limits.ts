import type { Request, Response } from 'express';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { AppError } from '#core/errors';

/** How many failed authentications are allowed in a window before the caller must wait. */
export interface AuthFailureLimits {
  /** Per client address (`req.ip`), per minute. */
  perAddress: number;
  /** Per presented key prefix (`sy_live_abcd`, or the admin token), per minute: a guessed key from many addresses. */
  perKey: number;
}

export const DEFAULT_AUTH_FAILURE_LIMITS: AuthFailureLimits = { perAddress: 30, perKey: 10 };

const WINDOW_SECONDS = 60;
/** Requests whose authentication failed, noted by the authenticators, counted when the answer is sent. */
const failures = new WeakMap<Request, string>();

/**
 * Records a failed authentication of `req`: a missing or wrong API key, a wrong admin token. `key` is what was
 * presented (only its prefix is kept).
 */
export function noteAuthFailure(req: Request, key: string | undefined): void {
  failures.set(req, keyPrefix(key));
}

/** The credential a request presents: `Authorization: Bearer <key>`, else `X-Api-Key`. */
export function presentedKey(req: Request): string | undefined {
  return req.get('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? req.get('x-api-key');
}

/** Workspace keys share their first 12 characters with their stored prefix (`sy_live_abcd`); anything else is one bucket. */
function keyPrefix(key: string | undefined): string {
  if (!key) return '(none)';
  return /^sy_(live|test)_/.test(key) ? key.slice(0, 12) : `other:${key.slice(0, 4)}`;
}

/**
 * Brute-force protection for API keys and the admin token: after too many failed authentications from one address
 * (or against one key prefix) within a minute, every request from that address (or with that key prefix) to a route
 * that needs a credential is answered 429 with `Retry-After` until the minute is over, before any credential is
 * checked, so guessing cannot go on. In memory, per API process: replicas behind a load balancer each keep their own.
 */
export function authFailureGuard(limits: AuthFailureLimits): (req: Request, res: Response) => Promise<void> {
  const byAddress = new RateLimiterMemory({ keyPrefix: 'addr', points: limits.perAddress, duration: WINDOW_SECONDS });
  const byKey = new RateLimiterMemory({ keyPrefix: 'key', points: limits.perKey, duration: WINDOW_SECONDS });
  return async (req, res) => {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const prefix = keyPrefix(presentedKey(req));
    const [a, k] = await Promise.all([byAddress.get(address), prefix === '(none)' ? null : byKey.get(prefix)]);
    const waitMs = Math.max(a && a.consumedPoints >= limits.perAddress ? a.msBeforeNext : 0, k && k.consumedPoints >= limits.perKey ? k.msBeforeNext : 0);
    if (waitMs > 0) {
      const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new AppError('RATE_LIMITED', `Too many failed authentications from this address or with this key; try again in ${retryAfterSeconds} s`, {
        retryAfterSeconds,
      });
    }
    res.on('finish', () => {
      const failedWith = failures.get(req);
      if (failedWith === undefined) return;
      void byAddress.penalty(address);
      if (failedWith !== '(none)') void byKey.penalty(failedWith);
    });
  };
}
