/**
 * Signed webhook deliveries for tests and benchmarks, made by the providers' own libraries wherever one
 * exists (Stripe's `generateTestHeaderString`, Octokit's `sign`, Standard Webhooks' `Webhook.sign`), so a
 * verifier is checked against the real scheme and not against itself. Slack publishes no signer: its
 * signature is computed as its docs say and pinned to Slack's own example in the verifier tests.
 */
import crypto from 'node:crypto';
import { sign as githubSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import type { WebhookSourceId } from '#core/webhooks';

export interface SignOptions {
  secret: string;
  /** Sent exactly as given; signatures cover these bytes (UTF-8). */
  body: string;
  /** When it was signed (Stripe, Slack, Standard Webhooks); default now. */
  timestamp?: Date;
  /** `X-GitHub-Delivery` (GitHub) or `webhook-id` (Standard Webhooks); default a fresh random id. */
  eventId?: string;
  /** `X-GitHub-Event` (GitHub); default `issues`. */
  event?: string;
  /** The signature header of a generic HMAC endpoint; default `x-signature`. */
  header?: string;
}

/** A delivery ready to POST: lower-cased headers (content type included) and the body. */
export interface SignedDelivery {
  headers: Record<string, string>;
  body: string;
}

/** Signs `body` as `source` would. Async because Octokit's signer is. */
export async function signDelivery(source: WebhookSourceId, o: SignOptions): Promise<SignedDelivery> {
  const at = o.timestamp ?? new Date();
  const json = { 'content-type': 'application/json' };
  switch (source) {
    case 'stripe':
      return {
        headers: { ...json, 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: o.body, secret: o.secret, timestamp: unix(at) }) },
        body: o.body,
      };
    case 'github':
      return {
        headers: {
          ...json,
          'x-hub-signature-256': await githubSign(o.secret, o.body),
          'x-github-event': o.event ?? 'issues',
          'x-github-delivery': o.eventId ?? crypto.randomUUID(),
        },
        body: o.body,
      };
    case 'slack':
      return {
        headers: {
          // Slack sends the Events API as JSON and slash commands / interactivity as a form.
          'content-type': o.body.trimStart().startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': String(unix(at)),
          'x-slack-signature': slackSignature(o.secret, unix(at), o.body),
        },
        body: o.body,
      };
    case 'standard': {
      const id = o.eventId ?? `msg_${crypto.randomUUID()}`;
      return {
        headers: { ...json, 'webhook-id': id, 'webhook-timestamp': String(unix(at)), 'webhook-signature': new Webhook(o.secret).sign(id, at, o.body) },
        body: o.body,
      };
    }
    case 'hmac':
      return {
        headers: { ...json, [(o.header ?? 'x-signature').toLowerCase()]: `sha256=${crypto.createHmac('sha256', o.secret).update(o.body).digest('hex')}` },
        body: o.body,
      };
  }
}

/** Slack's v0 signature, per https://api.slack.com/authentication/verifying-requests-from-slack. */
export function slackSignature(secret: string, timestamp: number | string, body: string): string {
  return `v0=${crypto.createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** A fresh secret in the shape the provider issues: `whsec_…` for Stripe, `whsec_` + base64 for Standard Webhooks. */
export function webhookSecret(source: WebhookSourceId): string {
  const random = crypto.randomBytes(24);
  if (source === 'standard') return `whsec_${random.toString('base64')}`;
  if (source === 'stripe') return `whsec_${random.toString('hex')}`;
  return random.toString('hex');
}

/** A Stripe event body (snapshot event) as Stripe sends it. */
export function stripeEvent(type: string, object: Record<string, unknown>, id = `evt_${crypto.randomBytes(12).toString('hex')}`): string {
  return JSON.stringify({
    id,
    object: 'event',
    api_version: '2025-09-30.clover',
    created: unix(new Date()),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  });
}

/** A GitHub `issues` payload (send with `event: 'issues'`); `action` becomes the type's suffix (`issues.opened`). */
export function githubIssueEvent(action = 'opened', issue: Record<string, unknown> = { number: 1, title: 'Something is broken' }): string {
  return JSON.stringify({ action, issue, repository: { full_name: 'acme/web' }, sender: { login: 'octocat' } });
}

/** A Standard Webhooks payload: `{ type, timestamp, data }`. */
export function standardEvent(type: string, data: Record<string, unknown>): string {
  return JSON.stringify({ type, timestamp: new Date().toISOString(), data });
}

/** A Slack Events API `event_callback`. */
export function slackEvent(event: Record<string, unknown> & { type: string }, eventId = `Ev${crypto.randomBytes(5).toString('hex').toUpperCase()}`): string {
  return JSON.stringify({
    token: 'unused',
    team_id: 'T0001',
    api_app_id: 'A0001',
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: unix(new Date()),
  });
}

/** The `url_verification` Slack sends when a Request URL is saved. */
export function slackUrlVerification(challenge: string): string {
  return JSON.stringify({ token: 'unused', challenge, type: 'url_verification' });
}

/** A slash command, form-encoded as Slack sends it. */
export function slackSlashCommand(command: string, text: string): string {
  return new URLSearchParams({
    team_id: 'T0001',
    channel_id: 'C0001',
    user_id: 'U0001',
    command,
    text,
    response_url: 'https://hooks.slack.com/commands/T0001/1/x',
  }).toString();
}

/** An interactivity request (`payload=<JSON>`), form-encoded as Slack sends it. */
export function slackInteraction(payload: Record<string, unknown> & { type: string }): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function unix(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}
