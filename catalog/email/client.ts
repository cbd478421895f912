import dns from 'node:dns';
import net from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { ActionContext } from '#core/catalog-sdk';
import { NonRetryableError, RetryableError } from '#core/errors';
import { classifyAddress } from '#core/net/address-guard';

/** The setup variable holding the SMTP server and its login, e.g. `smtps://user:pass@smtp.example.com:465`. */
export const SMTP_URL = 'SMTP_URL';
/** The optional setting with the default sender, e.g. `Acme <hello@acme.com>`. */
export const EMAIL_FROM = 'EMAIL_FROM';

/** Connect, greeting and idle limits: an SMTP server that stops talking fails the attempt (and is retried). */
const CONNECTION_TIMEOUT_MS = 10_000;
const GREETING_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 30_000;
const DNS_TIMEOUT_MS = 10_000;

export interface SmtpClient {
  transporter: Transporter<SMTPTransport.SentMessageInfo>;
  /** `host:port` as configured (the host name, not the address connected to), for messages. */
  server: string;
  /** Whether the URL carries a login. */
  authenticated: boolean;
  close(): void;
}

/**
 * The only place that talks SMTP. SMTP is not HTTP, so the guarded HTTP client cannot carry it: this
 * function applies the same address rule itself. It resolves the host of `SMTP_URL` once, refuses
 * private, loopback, link-local and other non-public addresses, and connects to the checked address
 * (TLS still verifies the certificate against the host name), so DNS cannot change the answer between
 * the check and the connection.
 *
 * `ctx.endpoint` (the worker's endpoint override for `email`) is an `smtp://host:port` or
 * `smtps://host:port` URL that replaces the host and port of `SMTP_URL`; the login still comes from
 * `SMTP_URL`. Operators set it for a self-hosted relay on their own network and tests set it for a local
 * SMTP server, so an endpoint is trusted and not checked.
 *
 * Metered at the action's fixed price: the action calls `ctx.meter.request()` right before it sends (SMTP does not
 * go through the guarded HTTP client, which meters HTTP requests by itself).
 */
export async function smtpClient(ctx: ActionContext): Promise<SmtpClient> {
  const smtpUrl = parseSmtpUrl(await ctx.secrets.get(SMTP_URL), `The secret ${SMTP_URL}`);
  const target = ctx.endpoint ? parseSmtpUrl(ctx.endpoint, `The email endpoint override`) : smtpUrl;
  const server = `${target.host}:${target.port}`;
  const address = ctx.endpoint ? target.host : await publicAddress(target.host);
  const authenticated = smtpUrl.user !== '';

  const options: SMTPTransport.Options = {
    host: address,
    port: target.port,
    secure: target.secure,
    // A login never travels in clear text to a server on the internet: without smtps, STARTTLS is required.
    requireTLS: !ctx.endpoint && !target.secure && authenticated,
    // The address is connected to; the certificate is checked against the name (and SNI sends the name).
    tls: net.isIP(target.host) ? {} : { servername: target.host },
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: GREETING_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    dnsTimeout: DNS_TIMEOUT_MS,
    // Message content is built from inputs only: nodemailer may never read local files or fetch URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
    ...(authenticated ? { auth: { user: smtpUrl.user, pass: smtpUrl.pass } } : {}),
  };
  const transporter = nodemailer.createTransport(options);
  // nodemailer takes no AbortSignal: closing the transport ends the connection when the activity is cancelled.
  const onAbort = () => transporter.close();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  return {
    transporter,
    server,
    authenticated,
    close() {
      ctx.signal.removeEventListener('abort', onAbort);
      transporter.close();
    },
  };
}

interface SmtpTarget {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
}

/** Parses `smtp[s]://[user:pass@]host[:port]`. Never quotes the value: it holds a password. */
function parseSmtpUrl(value: string, what: string): SmtpTarget {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new NonRetryableError(`${what} is not a URL. Use the form smtps://user:password@smtp.example.com:465 (percent-encode @ and : in the login).`, {
      code: 'SMTP_URL_INVALID',
    });
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new NonRetryableError(`${what} must start with smtps:// (TLS, usually port 465) or smtp:// (STARTTLS, usually port 587), not ${url.protocol}//.`, {
      code: 'SMTP_URL_INVALID',
    });
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new NonRetryableError(`${what} names no host.`, { code: 'SMTP_URL_INVALID' });
  const secure = url.protocol === 'smtps:';
  let user: string;
  let pass: string;
  try {
    user = decodeURIComponent(url.username);
    pass = decodeURIComponent(url.password);
  } catch {
    throw new NonRetryableError(`${what} has a badly percent-encoded login.`, { code: 'SMTP_URL_INVALID' });
  }
  return { host, port: url.port ? Number(url.port) : secure ? 465 : 587, secure, user, pass };
}

/** The first address of `host`, after checking that every address it resolves to is public. */
async function publicAddress(host: string): Promise<string> {
  let addresses: { address: string }[];
  if (net.isIP(host)) addresses = [{ address: host }];
  else {
    try {
      addresses = await lookupWithin(host, DNS_TIMEOUT_MS);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const message = `Could not resolve the SMTP host ${host} (${code ?? 'DNS error'})`;
      // A name that does not exist is a typo in SMTP_URL; anything else (EAI_AGAIN, a timeout) may pass.
      if (code === 'ENOTFOUND' || code === 'ENODATA') throw new NonRetryableError(`${message}. Check the host in ${SMTP_URL}.`, { code: 'SMTP_HOST_UNKNOWN' });
      throw new RetryableError(message, { code: 'SMTP_DNS_FAILED' });
    }
  }
  for (const { address } of addresses) {
    const { blocked, range } = classifyAddress(address);
    if (blocked) {
      throw new NonRetryableError(
        `Blocked connection to the SMTP host ${host}: it resolves to ${address}, a ${range} address that actions may not reach. ` +
          `For a relay on your own network, the operator sets the worker's email endpoint (smtp://host:port).`,
        { code: 'ADDRESS_BLOCKED', details: { host, address, range } },
      );
    }
  }
  const first = addresses[0];
  if (!first) throw new NonRetryableError(`The SMTP host ${host} has no address`, { code: 'SMTP_HOST_UNKNOWN' });
  return first.address;
}

/** dns.lookup has no timeout of its own (nodemailer's dnsTimeout no longer applies: it gets an address). */
async function lookupWithin(host: string, ms: number): Promise<{ address: string }[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`DNS lookup of ${host} timed out`), { code: 'ETIMEOUT' })), ms);
  });
  try {
    return await Promise.race([dns.promises.lookup(host, { all: true, verbatim: true }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface NodemailerError extends Error {
  code?: string;
  command?: string;
  response?: string;
  responseCode?: number;
  rejectedErrors?: NodemailerError[];
  recipient?: string;
}

/** Connection problems that may pass: the next attempt opens a new connection. */
const TRANSIENT_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPROTOCOL',
]);
const CERTIFICATE_PROBLEM = /certificate|self[- ]signed|altname|CERT_|unable to verify/i;

/** Codes of failures that happen before the DATA command: the message was never handed to the server. */
const BEFORE_DATA_CODES = new Set(['ECONNECTION', 'EDNS', 'ETLS', 'EAUTH', 'ENOAUTH', 'EENVELOPE', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** SMTP commands that come before DATA (nodemailer names the command a failure happened in). */
const BEFORE_DATA_COMMAND = /^(CONN|EHLO|HELO|LHLO|STARTTLS|AUTH\b|MAIL FROM|RCPT TO)/i;

/**
 * Whether a send failed before the message was handed to the server (connection, TLS, login, every recipient
 * refused): its credit is refunded. A failure from DATA on (or one that names no command) may have delivered it, so
 * it stays charged.
 */
export function messageNeverSent(err: unknown): boolean {
  const e = (err ?? {}) as NodemailerError;
  if (e.rejectedErrors && e.rejectedErrors.length > 0) return true;
  if (e.command !== undefined) return BEFORE_DATA_COMMAND.test(e.command);
  return e.code !== undefined && BEFORE_DATA_CODES.has(e.code);
}

/**
 * Maps a nodemailer error to the catalog's errors. SMTP reply codes decide: 5xx (550 mailbox unavailable,
 * 535 bad login, 554 rejected) is permanent and fails the step with the server's answer; 4xx (421 service
 * not available, 451 greylisted, 452 full) is temporary and retried, like connection errors and timeouts.
 */
export function smtpError(err: unknown, server: string): Error {
  if (err instanceof NonRetryableError || err instanceof RetryableError) return err;
  const e = (err instanceof Error ? err : new Error(String(err))) as NodemailerError;
  const code = e.code;
  const options = (responseCode: number | undefined) => ({ ...(responseCode ? { status: responseCode } : {}), ...(code ? { code } : {}) });

  // Every recipient refused: permanent only if every refusal is (a greylisted one may pass on retry).
  if (e.rejectedErrors && e.rejectedErrors.length > 0) {
    const reasons = e.rejectedErrors.map((r) => `${r.recipient ?? '?'}: ${r.response ?? r.message}`).join('; ');
    const message = `The SMTP server ${server} refused every recipient: ${reasons}`;
    const temporary = e.rejectedErrors.find((r) => r.responseCode !== undefined && r.responseCode < 500);
    if (temporary) return new RetryableError(message, options(temporary.responseCode));
    return new NonRetryableError(message, options(e.rejectedErrors[0]?.responseCode ?? e.responseCode));
  }

  const rc = e.responseCode;
  if (rc !== undefined && rc >= 400) {
    const message = `The SMTP server ${server} answered ${e.command ? `${e.command} with ` : ''}${e.response ?? e.message}`;
    if (code === 'EAUTH' && rc >= 500) {
      return new NonRetryableError(`${message}. Check the login in ${SMTP_URL}.`, options(rc));
    }
    return rc >= 500 ? new NonRetryableError(message, options(rc)) : new RetryableError(message, options(rc));
  }

  const message = `SMTP ${server}: ${e.message}`;
  if (code === 'ETLS' && CERTIFICATE_PROBLEM.test(e.message)) return new NonRetryableError(message, options(undefined));
  if (code !== undefined && TRANSIENT_CODES.has(code)) return new RetryableError(message, options(undefined));
  // EAUTH without a reply (no login method in common), EENVELOPE (no recipients), EMESSAGE, ECONFIG:
  // the message or the settings are wrong, and the next attempt would send the same.
  if (code === 'EAUTH' || code === 'EENVELOPE' || code === 'EMESSAGE' || code === 'ECONFIG' || code === 'ETLS') {
    return new NonRetryableError(message, options(undefined));
  }
  return new RetryableError(message, options(undefined));
}
