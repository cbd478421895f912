import { sheets, type sheets_v4 } from '@googleapis/sheets';
import type { ActionContext } from '#core/catalog-sdk';
import { NonRetryableError, RetryableError } from '#core/errors';
import { excerpt, parseRetryAfter } from '#core/http-errors';

export const SHEETS_SCOPE = 'https://www.googleapis.com/auth/spreadsheets';

/**
 * The Sheets API through Google's official client (`@googleapis/sheets`), authorized with the connection's access
 * token, over `ctx.http.fetch` (the address guard, metering), with the client's own retries off (Temporal retries).
 * The only file of this integration that talks to Google.
 */
export async function sheetsClient(ctx: ActionContext, connection: string): Promise<sheets_v4.Sheets> {
  if (!ctx.connections) throw new NonRetryableError('Google Sheets needs an OAuth connection, which is not available here');
  const token = await ctx.connections.accessToken(connection);
  return sheets({
    version: 'v4',
    rootUrl: ctx.endpoint ?? 'https://sheets.googleapis.com/',
    headers: { authorization: `Bearer ${token}` },
    fetchImplementation: ctx.http.fetch,
    retry: false,
  });
}

/** Google's errors as typed action errors: 401 refreshes first, 429/5xx retry, other 4xx say what Google said. */
export async function callSheets<T>(ctx: ActionContext, connection: string, what: string, call: () => Promise<{ data: T }>): Promise<T> {
  try {
    return (await call()).data;
  } catch (err) {
    const e = err as { status?: number; response?: { status?: number; data?: unknown; headers?: { get?(name: string): string | null } }; message?: string };
    const status = e.status ?? e.response?.status;
    if (status === undefined) throw new RetryableError(`Google Sheets could not be reached (${what}): ${e.message ?? String(err)}`);
    const said = googleMessage(e.response?.data) ?? excerpt(String(e.message ?? ''), 200);
    if (status === 401) {
      await ctx.connections?.rejected(connection);
      throw new RetryableError(`Google refused the connection's access token (${what}); it is refreshed before the next attempt`, { status });
    }
    if (status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfter(e.response?.headers?.get?.('retry-after') ?? undefined);
      throw new RetryableError(`Google Sheets answered ${status} (${what}): ${said}`, { status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    }
    throw new NonRetryableError(`Google Sheets refused ${what} (${status}): ${said}`, { status });
  }
}

function googleMessage(data: unknown): string | undefined {
  const error = (data as { error?: { message?: unknown } } | undefined)?.error;
  return typeof error?.message === 'string' ? excerpt(error.message, 300) : undefined;
}
