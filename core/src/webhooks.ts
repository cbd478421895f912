/**
 * Webhook sources: how a provider signs its deliveries and names its events. Each catalog integration that
 * receives webhooks supplies one (`IntegrationDefinition.webhooks`); the server's `/hooks/:endpointId`
 * route looks the endpoint's source up and calls `verify` over the raw request bytes.
 */

/** The sources Switchyard verifies. `public` is not a source: it is an endpoint without a verifier. */
export const WebhookSourceIds = ['stripe', 'github', 'slack', 'standard', 'hmac'] as const;
export type WebhookSourceId = (typeof WebhookSourceIds)[number];

/** Seconds a signed timestamp may be away from now (either way) before the delivery is refused. */
export const DEFAULT_TIMESTAMP_TOLERANCE_S = 300;

export interface WebhookRequest {
  /** The body exactly as received; signatures are checked over these bytes. */
  rawBody: Buffer;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  /** Every active signing secret (two during a rotation); a delivery signed by any of them is accepted. */
  secrets: string[];
  now: Date;
  /** Per-endpoint options: `header` names the signature header of a generic HMAC endpoint. */
  options: { header?: string; toleranceSeconds?: number };
}

export interface VerifiedDelivery {
  /** The provider's id for this event: Stripe `event.id`, `X-GitHub-Delivery`, `webhook-id`, Slack `event_id`, or a body hash. */
  eventId: string;
  /** The event's type, e.g. `payment_intent.succeeded`, `issues.opened`; undefined when the scheme has none. */
  eventType?: string;
  /** The parsed body. */
  payload: unknown;
  /**
   * The key deliveries are deduplicated on, when it is not `eventId`: GitHub's delivery id is not signed, so
   * GitHub dedupes on the hash of the (signed) body, which a redelivery repeats byte for byte.
   */
  dedupeKey?: string;
  /**
   * An answer the provider expects instead of the usual 200 (Slack's `url_verification` challenge);
   * such a delivery is answered with it and starts nothing.
   */
  reply?: { status: number; body: unknown };
}

/** A delivery refused: `status` is 400, 401, 413 or 415; the message says what is wrong and what to do. */
export class WebhookRejected extends Error {
  constructor(
    readonly status: 400 | 401 | 413 | 415,
    readonly code:
      | 'SIGNATURE_INVALID'
      | 'SIGNATURE_MISSING'
      | 'TIMESTAMP_OUT_OF_RANGE'
      | 'UNSUPPORTED_CONTENT_TYPE'
      | 'BODY_INVALID'
      | 'TOKEN_INVALID'
      | 'TOO_MANY_FILES'
      | 'FILES_UNSUPPORTED'
      | 'LIMIT_EXCEEDED',
    message: string,
  ) {
    super(message);
    this.name = 'WebhookRejected';
  }
}

export interface WebhookSource {
  id: WebhookSourceId;
  title: string;
  /** Headers that carry signatures or tokens: removed before a delivery is stored. */
  signatureHeaders: string[];
  /** The setup variable (workspace secret) that holds the signing secret by default, e.g. `STRIPE_WEBHOOK_SECRET`. */
  secretVariable: string;
  /** Where the user finds the signing secret. */
  whereToGet: string;
  /** Top-level body fields that are credentials (Slack's legacy verification `token`): removed before the delivery is stored or handed to a run. */
  secretBodyFields?: string[];
  /** Checks the signature (constant-time, over the raw bytes) and names the event; throws WebhookRejected. */
  verify(req: WebhookRequest): VerifiedDelivery;
  /**
   * The provider's common event types, with the words a prompt uses for them ("when a payment succeeds" →
   * `payment_intent.succeeded`) and where the usual fields sit in the payload: what the assistant's planner offers.
   */
  events?: WebhookEventInfo[];
}

export interface WebhookEventInfo {
  type: string;
  title: string;
  keywords: string[];
  /** Expressions (over `trigger.data`) of fields a flow commonly maps: `email`, `name`, `amount`, `id`… */
  fields?: Record<string, string>;
  /**
   * A payload of this event in the provider's documented shape (made-up ids and people): the editor's sample data for
   * a webhook trigger. Each `fields` expression reads a value from it (catalog/webhooks/verifiers.test.ts checks).
   */
  example?: Record<string, unknown>;
}
