/**
 * The one error catalog. Every error a user can hit has a stable code, an HTTP status for the API,
 * and a message that says what went wrong, where, and what to do.
 */
export const ErrorCodes = {
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  UNAUTHORIZED: { status: 401, title: 'Missing or wrong API key' },
  FORBIDDEN: { status: 403, title: 'Not allowed' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  PAYMENT_REQUIRED: { status: 402, title: "The workspace's plan does not allow this" },
  CONFLICT: { status: 409, title: 'Conflict' },
  /** An invoked run parked a node (its retries ran out) and waits for a person to retry, skip or abort it. */
  RUN_PARKED: { status: 409, title: 'The run waits for a person' },
  /** An Idempotency-Key sent again with another input. */
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'The idempotency key was used with another request' },
  /** An invoked run failed: the details name the node, its error type and its (scrubbed) message. */
  FLOW_FAILED: { status: 502, title: 'The flow failed' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The body is sent in an encoding or charset the server does not read' },
  FLOW_INVALID: { status: 422, title: 'The flow is not valid' },
  /** Test this step: the step is not an action, its action is unknown, or its expressions fail on the sample data. */
  STEP_NOT_TESTABLE: { status: 422, title: 'The step cannot be tested as it is' },
  IMPORT_INVALID: { status: 422, title: 'What was given to import cannot be imported' },
  IMPORT_TOO_LARGE: { status: 422, title: 'What was given to import is over a limit' },
  OAUTH_CALLBACK_REFUSED: { status: 400, title: 'The sign-in was refused and nothing was stored' },
  CONNECTION_FAILED: { status: 422, title: 'The connection could not be made or used' },
  PROVIDER_UNAVAILABLE: { status: 502, title: 'The OAuth provider could not be reached' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  TEMPORAL_UNAVAILABLE: { status: 503, title: 'Temporal is unreachable' },
  MODEL_UNAVAILABLE: { status: 502, title: "The assistant's model failed" },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const;
export type ErrorCode = keyof typeof ErrorCodes;

/** An error meant for the API's caller: mapped to `{ error: { code, message, details } }` in one place. */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
  get status(): number {
    return ErrorCodes[this.code].status;
  }
}

/**
 * Thrown by an integration action when trying again may succeed (5xx, timeouts, 429).
 * `retryAfterMs` (from a `Retry-After` header) overrides the next backoff interval.
 */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  constructor(
    message: string,
    readonly options: {
      retryAfterMs?: number;
      status?: number;
      code?: string;
      /** A code step's log up to the failure: kept with it (scrubbed). */ logs?: string[];
    } = {},
  ) {
    super(message);
  }
}

/**
 * Thrown by an integration action when trying again cannot help (4xx, bad input, bad credentials,
 * a blocked address). The run does not retry the node.
 */
export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError';
  constructor(
    message: string,
    readonly options: {
      status?: number;
      code?: string;
      details?: unknown;
      /** A code step's log up to the failure: kept with it (scrubbed). */ logs?: string[];
    } = {},
  ) {
    super(message);
  }
}

/** Error type names the worker reports to Temporal; the interpreter and the API read them back. */
export const FailureTypes = {
  retryable: 'Retryable',
  nonRetryable: 'NonRetryable',
  invalidInput: 'InvalidInput',
  invalidOutput: 'InvalidOutput',
  /** An OAuth connection needs a person to sign in again: the node waits for a reconnect (waits/reconnect.wait.ts). */
  needsReconnect: 'NeedsReconnect',
} as const;

/** The code of the NonRetryableError an action throws when its OAuth connection needs a reconnect (details: `{ connectionId }`). */
export const CONNECTION_NEEDS_RECONNECT = 'CONNECTION_NEEDS_RECONNECT';
