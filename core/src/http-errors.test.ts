import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from './http-errors';

describe('parseRetryAfter', () => {
  it('reads delay-seconds, a decimal too, as whole milliseconds', () => {
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter(' 2 ')).toBe(2000);
    expect(parseRetryAfter('1.5')).toBe(1500);
  });

  it('reads an HTTP date as the time left until it', () => {
    const wait = parseRetryAfter(new Date(Date.now() + 30_000).toUTCString());
    expect(wait).toBeGreaterThan(25_000);
    expect(wait).toBeLessThanOrEqual(30_000);
  });

  it('caps a long wait', () => {
    expect(parseRetryAfter('86400')).toBe(MAX_RETRY_AFTER_MS);
  });

  it('gives no wait for 0, a past date, or a missing or unreadable value', () => {
    expect(parseRetryAfter('0')).toBeUndefined();
    expect(parseRetryAfter('0.0001')).toBeUndefined();
    expect(parseRetryAfter(new Date(Date.now() - 60_000).toUTCString())).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-5')).toBeUndefined();
  });
});
