import { createHash } from 'node:crypto';
import { ErrorCode, LogLevel, WebClient, type Logger } from '@slack/web-api';
import type { ActionContext } from '#core/catalog-sdk';
import { NonRetryableError, RetryableError } from '#core/errors';
import { excerpt, MAX_RETRY_AFTER_MS, parseRetryAfter } from '#core/http-errors';

/** Slack's Web API base URL; `ctx.endpoint` replaces it (Slack-compatible servers, local peers in tests). */
export const SLACK_API_URL = 'https://slack.com/api/';
export const SLACK_TOKEN = 'SLACK_BOT_TOKEN';

/** `{ ok: false, error }` codes that say "try again later"; every other one is final. */
const RETRYABLE_ERRORS = new Set(['ratelimited', 'service_unavailable', 'internal_error', 'fatal_error', 'request_timeout']);

/** What to do about the errors people hit most, appended to Slack's error code. */
const HINTS: Record<string, string> = {
  channel_not_found: 'check the channel ID (C…); for a private channel, invite the app first',
  not_in_channel: 'invite the app to the channel first (/invite @your-app)',
  is_archived: 'the channel is archived',
  invalid_auth: `${SLACK_TOKEN} is not a valid token`,
  not_authed: `no token was sent; set ${SLACK_TOKEN}`,
  token_revoked: `the token in ${SLACK_TOKEN} was revoked; install the app again and store the new token`,
  account_inactive: `the token in ${SLACK_TOKEN} belongs to a deleted user or workspace`,
  message_not_found: 'no message with this ts in this channel',
  cant_update_message: 'only messages posted by this app can be updated',
  edit_window_closed: "the workspace's edit window for this message has closed",
  msg_too_long: 'the text is too long',
  invalid_blocks: 'the blocks are not valid Block Kit',
  no_text: 'give a text (or blocks)',
};

/**
 * The Slack Web API client for this run: the bot token from the workspace's secrets, `ctx.endpoint` as
 * the base URL, and every request sent through `ctx.http.fetch`.
 *
 * Note: older `@slack/web-api` majors sent requests with axios and could not take a custom fetch; 8.x
 * calls a WHATWG `fetch` and accepts one (`fetch` option), so Slack traffic goes through the guarded
 * client like everything else: private addresses are refused unless allow-listed, and requests pass where
 * credits are counted. `allowAbsoluteUrls: false` keeps every request under the base URL (only the default
 * https://slack.com/api/ or the operator-configured `ctx.endpoint` is ever used), and the SDK sends
 * `redirect: 'error'`, so a redirect cannot lead it elsewhere either.
 */
export async function slackClient(ctx: ActionContext): Promise<WebClient> {
  const baseUrl = slackApiUrl(ctx.endpoint);
  const token = await ctx.secrets.get(SLACK_TOKEN);
  return new WebClient(token, {
    slackApiUrl: baseUrl,
    fetch: ctx.http.fetch,
    allowAbsoluteUrls: false,
    // Temporal retries the activity; the SDK must not retry (or sleep through a rate limit) on its own.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: actionLogger(ctx),
  });
}

/** The base URL: Slack's, or `ctx.endpoint` (an http(s) URL, always ending with `/`, as the SDK expects). */
export function slackApiUrl(endpoint: string | undefined): string {
  if (endpoint === undefined) return SLACK_API_URL;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new NonRetryableError(`The Slack endpoint "${endpoint}" is not a valid URL`, { code: 'INVALID_ENDPOINT' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new NonRetryableError(`The Slack endpoint must be an http(s) URL, not ${url.protocol}`, { code: 'INVALID_ENDPOINT' });
  }
  url.search = '';
  url.hash = '';
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

/** Calls one Web API method and turns whatever the SDK throws into our typed errors. */
export async function callSlack<T>(method: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw slackError(err, method);
  }
}

/**
 * Maps the SDK's errors. Slack answers most failures with HTTP 200 and `{ ok: false, error: 'code' }`
 * (a platform error): final, except the few codes that mean "later". HTTP 429 with Retry-After (a
 * rate-limited error), 5xx and connection failures are retryable.
 */
export function slackError(err: unknown, method: string): Error {
  if (err instanceof RetryableError || err instanceof NonRetryableError) return err;
  const e = err as { code?: unknown; message?: unknown };
  switch (e.code) {
    case ErrorCode.PlatformError: {
      const data = (err as { data: { error: string; needed?: string; response_metadata?: { retryAfter?: number } } }).data;
      const code = String(data.error);
      const hint =
        code === 'missing_scope' && data.needed
          ? `the token lacks the ${data.needed} scope; add it under OAuth & Permissions and reinstall the app`
          : HINTS[code];
      const message = `Slack ${method} failed: ${code}${hint ? ` (${hint})` : ''}`;
      if (RETRYABLE_ERRORS.has(code)) {
        const retryAfterMs = secondsToMs(data.response_metadata?.retryAfter);
        return new RetryableError(message, { code, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
      }
      return new NonRetryableError(message, { code });
    }
    case ErrorCode.RateLimitedError: {
      const seconds = (err as { retryAfter: number }).retryAfter;
      const retryAfterMs = secondsToMs(seconds);
      return new RetryableError(`Slack rate-limited ${method} (HTTP 429); retry after ${seconds} s`, {
        status: 429,
        code: 'ratelimited',
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    case ErrorCode.HTTPError: {
      const { statusCode, headers, body } = err as { statusCode: number; headers: Record<string, string>; body?: unknown };
      const text = typeof body === 'string' ? excerpt(body) : '';
      const message = `Slack ${method} answered HTTP ${statusCode}${text ? `: ${text}` : ''}`;
      if (statusCode === 408 || statusCode === 429 || statusCode >= 500) {
        const retryAfterMs = parseRetryAfter(headers['retry-after']);
        return new RetryableError(message, { status: statusCode, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
      }
      return new NonRetryableError(message, { status: statusCode });
    }
    case ErrorCode.RequestError: {
      // The guarded fetch's own errors (a blocked address, a timeout) arrive wrapped: keep their meaning.
      const original = (err as { original?: unknown }).original;
      if (original instanceof RetryableError || original instanceof NonRetryableError) return original;
      const detail = original instanceof Error ? original.message : String(original);
      return new RetryableError(`Could not reach Slack (${method}): ${detail}`, { code: 'CONNECTION_FAILED' });
    }
  }
  // A 429 without a usable Retry-After: the SDK gives up with a plain Error.
  if (typeof e.message === 'string' && e.message.startsWith('Retry header did not contain a valid timeout')) {
    return new RetryableError(`Slack rate-limited ${method} (HTTP 429) without a usable Retry-After`, { status: 429, code: 'ratelimited' });
  }
  return err instanceof Error ? err : new Error(String(err));
}

function secondsToMs(seconds: number | undefined): number | undefined {
  // 0 must not become `nextRetryDelay: 0` (Temporal then does not retry): leave the node's backoff in charge.
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
}

/** The SDK's logger, routed to the action's (debug and info dropped: they echo request bodies). */
function actionLogger(ctx: ActionContext): Logger {
  return {
    debug: () => {},
    info: () => {},
    warn: (...msg: unknown[]) => ctx.log.warn(`slack: ${msg.map(String).join(' ')}`),
    error: (...msg: unknown[]) => ctx.log.error(`slack: ${msg.map(String).join(' ')}`),
    setLevel: () => {},
    getLevel: () => LogLevel.WARN,
    setName: () => {},
  };
}

/** A short stable hash of the idempotency key, for sandbox outputs. */
export function sandboxHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 10);
}
