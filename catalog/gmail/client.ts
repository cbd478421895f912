import { gmail, type gmail_v1 } from '@googleapis/gmail';
import type { ActionContext } from '#core/catalog-sdk';
import { NonRetryableError, RetryableError } from '#core/errors';
import { excerpt, parseRetryAfter } from '#core/http-errors';

export const GMAIL_SEND_SCOPE = 'https://www.googleapis.com/auth/gmail.send';

/**
 * The Gmail API through Google's official client (`@googleapis/gmail`), authorized with the connection's access
 * token, over `ctx.http.fetch`, its own retries off. The only file of this integration that talks to Google.
 */
export async function gmailClient(ctx: ActionContext, connection: string): Promise<gmail_v1.Gmail> {
  if (!ctx.connections) throw new NonRetryableError('Gmail needs an OAuth connection, which is not available here');
  const token = await ctx.connections.accessToken(connection);
  return gmail({
    version: 'v1',
    rootUrl: ctx.endpoint ?? 'https://gmail.googleapis.com/',
    headers: { authorization: `Bearer ${token}` },
    fetchImplementation: ctx.http.fetch,
    retry: false,
  });
}

/** Google's errors as typed action errors: 401 refreshes first, 429/5xx retry, other 4xx say what Google said. */
export async function callGmail<T>(ctx: ActionContext, connection: string, what: string, call: () => Promise<{ data: T }>): Promise<T> {
  try {
    return (await call()).data;
  } catch (err) {
    const e = err as { status?: number; response?: { status?: number; data?: unknown; headers?: { get?(name: string): string | null } }; message?: string };
    const status = e.status ?? e.response?.status;
    if (status === undefined) throw new RetryableError(`Gmail could not be reached (${what}): ${e.message ?? String(err)}`);
    const error = (e.response?.data as { error?: { message?: unknown } } | undefined)?.error;
    const said = typeof error?.message === 'string' ? excerpt(error.message, 300) : excerpt(String(e.message ?? ''), 200);
    if (status === 401) {
      await ctx.connections?.rejected(connection);
      throw new RetryableError(`Google refused the connection's access token (${what}); it is refreshed before the next attempt`, { status });
    }
    if (status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfter(e.response?.headers?.get?.('retry-after') ?? undefined);
      throw new RetryableError(`Gmail answered ${status} (${what}): ${said}`, { status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    }
    throw new NonRetryableError(`Gmail refused ${what} (${status}): ${said}`, { status });
  }
}
