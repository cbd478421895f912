import type { OAuth2Auth } from './oauth';
import type { WebhookSource } from './webhooks';
import { z } from 'zod';
import { BLOB_KEY_PATTERN } from './blobs';

/** `live` runs use live secrets and charge credits; `test` runs use test secrets and sandboxes. */
export const RunModes = ['live', 'test'] as const;
export type RunMode = (typeof RunModes)[number];

export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Whole-request timeout; the client's default applies when absent. */
  timeoutMs?: number;
  /** Responses larger than this are refused; the client's default applies when absent. */
  maxResponseBytes?: number;
  /** Follow 3xx answers (each hop is re-checked against the address guard). Default true. */
  followRedirects?: boolean;
  /** Headers that carry credentials besides Authorization/Cookie: dropped, like those, when a redirect leaves the origin. */
  sensitiveHeaders?: string[];
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** The final URL after redirects. */
  url: string;
  body: Uint8Array;
  text(): string;
  /** Parses the body as JSON; throws a NonRetryableError naming the URL when it is not JSON. */
  json(): unknown;
}

/**
 * The only way an action talks to the network. It blocks private, loopback, link-local and metadata
 * addresses unless allow-listed (checked on every connection, so also after redirects and DNS changes),
 * enforces timeouts and a response size limit, and is where credits are metered (each request is charged before it leaves).
 */
export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
  /** A WHATWG `fetch` over the same guard, for official provider SDKs that accept a custom fetch. */
  fetch: typeof fetch;
}

export interface ActionLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What the worker injects into every action call. Actions never import Temporal. */
export interface ActionContext {
  mode: RunMode;
  http: HttpClient;
  log: ActionLogger;
  /**
   * Stable across every retry of the same node in the same run (automatic and manual), so a provider never
   * repeats the effect; it changes only when someone retries the node with edited input.
   */
  idempotencyKey: string;
  /** Cancelled when the activity is cancelled or times out. */
  signal: AbortSignal;
  run: { workspaceId: string; workflowId: string; runId: string; nodeId: string; attempt: number };
  /**
   * Reads the workspace's secrets (the test value in test runs). Values never enter workflow history:
   * inputs carry secret *names*, and whatever is read here is scrubbed from outputs, errors and logs.
   */
  secrets: SecretReader;
  /**
   * The workspace's OAuth connections (the side of the run's mode). Absent outside the worker. Tokens are scrubbed
   * like secrets.
   */
  connections?: ConnectionReader;
  /** A base URL that replaces the provider's default (self-hosted or compatible servers, local peers in tests). */
  endpoint?: string;
  /**
   * Credits metering. Requests through `http` are counted by themselves; an action that reaches its provider
   * another way (SMTP) calls `meter.request()` right before it sends. It throws, and nothing may be sent,
   * when the workspace cannot pay (the run then waits for credits). A usage-priced action reports what its call
   * cost (`meter.usage(credits)`) as soon as the provider answered, so a call that fails afterwards (a reply that
   * does not validate) is still charged what it used. `meter.notSent()` refunds the last `request()` when the action
   * knows nothing of it reached the provider (an SMTP connection or login that failed). Absent outside the worker.
   */
  meter?: { request(): Promise<void>; notSent(): Promise<void>; usage(credits: number): void };
  /**
   * Files of the run's workspace: the bytes of a file given in the input, and new files an action produces (an HTTP
   * response body that is not JSON). Absent outside the worker.
   */
  files?: FileStore;
}

/**
 * A file in an action's input or output: a reference to its bytes in the blob store (an upload to `POST /v1/files`, a
 * webhook's attachment, an earlier step's download), never the bytes themselves (docs/big-runs.md, "Files").
 */
export const FileRef = z
  .object({
    $blob: z.object({
      key: z.string().regex(BLOB_KEY_PATTERN, 'a file reference (blob_…)'),
      size: z.number().int().min(0),
      mediaType: z.string().min(1).max(200),
      preview: z.string(),
      name: z.string().max(200).optional(),
    }),
  })
  .meta({ title: 'File', format: 'switchyard-file' })
  .describe('A file: map it from the trigger (an uploaded file) or an earlier step, e.g. {{trigger.data.file}}');
export type FileRef = z.infer<typeof FileRef>;

export interface FileStore {
  /** A file's bytes (decrypted). A reference from another workspace is not found. */
  read(file: FileRef): Promise<Buffer>;
  /** Stores bytes as a file of this run (encrypted, deleted with the run's data) and answers its reference. */
  write(o: { bytes: Buffer; name: string; mediaType: string }): Promise<FileRef>;
}

export interface ConnectionReader {
  /**
   * A valid access token of the connection, refreshed before it expires (one refresh at a time per connection across
   * every worker). Throws a NonRetryableError with code `CONNECTION_NEEDS_RECONNECT` (the run waits for a reconnect)
   * when a person must sign in again, a RetryableError when the provider could not be reached.
   */
  accessToken(connectionId: string): Promise<string>;
  /** The provider refused a token this run was given (401): the next `accessToken` refreshes first. */
  rejected(connectionId: string): Promise<void>;
}

export interface SecretReader {
  /** The value, or a NonRetryableError naming the secret and where to set it (before any request is sent). */
  get(name: string): Promise<string>;
  /** The value, or undefined when the secret has no value for this run's mode. */
  find(name: string): Promise<string | undefined>;
  /** Marks a value derived from a secret (a Basic header, a signed token) to be scrubbed like the secret. */
  conceal(name: string, derived: string): void;
  /**
   * A plain setting the action's integration does not declare itself (an imported integration's base URL): never
   * scrubbed; a test run without a test value gets the live one. Absent outside the worker.
   */
  setting?(name: string): Promise<string | undefined>;
}

/**
 * A setup variable ("environment variable") an integration needs, e.g. `RESEND_API_KEY`. Secrets are
 * stored encrypted with a live and a test value; a flow using the integration cannot be published while a
 * required one has no value.
 */
export interface SetupVariable {
  /** UPPER_SNAKE_CASE, unique in the workspace: `STRIPE_SECRET_KEY`. */
  name: string;
  description: string;
  /** Where to get it, for people: a sentence with a link. */
  whereToGet: string;
  /** Default true. */
  required?: boolean;
  /** A secret is encrypted and never shown again; a plain setting (a base URL) is not. Default true. */
  secret?: boolean;
  /** What a test value looks like, e.g. `sk_test_`; used to warn when a live value is stored as test. */
  testPrefix?: string;
}

export interface RetryPolicy {
  maximumAttempts?: number;
  /** Duration string (`'1s'`, `'500ms'`) or milliseconds. */
  initialInterval?: string | number;
  backoffCoefficient?: number;
  maximumInterval?: string | number;
}

export interface ActionDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  /** Unique inside its integration, kebab-case: `request`, `create-payment-link`. */
  key: string;
  title: string;
  description: string;
  input: I;
  output: O;
  /**
   * A real, valid input (literal values, as a builder would fill the form): the integration's page and prompt show it
   * as the example usage, and catalog/examples.test.ts requires one for every catalog action and checks it against `input`.
   */
  example?: z.input<I>;
  /**
   * Fixed credits per call, charged once per attempt when it sends its first request (0: the action calls
   * no outside service, and the Free plan may use it). Default: 1 credit per outbound API request.
   */
  credits?: number;
  /**
   * Prices a successful call by its reported usage (AI actions: tokens through a price table). Each request
   * is still charged 1 credit before it is sent; after the call the difference up to this price is charged.
   */
  creditsFromOutput?(output: z.infer<O>): number;
  /**
   * Usage-priced actions: the most one call may cost, from its input (AI: a prompt estimate plus `maxTokens` at the
   * model's prices). The call's first request is charged this much before it is sent, checked against the balance
   * like any charge, and settled to `creditsFromOutput` after: so concurrent calls never overdraw the balance (by
   * more than a call's usage above its reservation). Without it the first request is charged 1.
   */
  creditsReserve?(input: unknown): number;
  /**
   * Whether running the action changes something outside Switchyard (sends, creates, charges): the catalog and the
   * editor say so. Every action receives a stable `ctx.idempotencyKey` either way; `idempotent` says whether the
   * provider honours it.
   */
  sideEffects?: boolean;
  /**
   * Words and phrases a prompt uses for this action (`refund`, `text message`): the assistant's offline planner
   * matches them (with the integration's title) to pick the action for "…and refund the payment".
   */
  keywords?: string[];
  retry?: RetryPolicy;
  /** Start-to-close timeout of one attempt. Default `'30s'`. */
  timeout?: string;
  /** Whether the provider honours `ctx.idempotencyKey` (then a retry never repeats the side effect). */
  idempotent?: boolean;
  /**
   * `heavy`: the action runs on the heavy task queue (`<task queue>-heavy`), served by workers with `heavy` in
   * WORKER_QUEUES, so slow or memory-hungry calls (AI, large files) do not hold the slots of flow workers.
   * Default: the integration's `queue`, else the run's own queue.
   */
  queue?: TaskQueueKind;
  /**
   * Runs as a Temporal **local activity**, in the worker that runs the flow's workflow: no task queue round trip, and
   * three history events and a workflow task fewer per node. Only for quick actions that call no outside service and
   * charge nothing (the data step): a local activity is retried by the workflow task that runs it, and a long one
   * holds that task.
   */
  local?: boolean;
  run(input: z.infer<I>, ctx: ActionContext): Promise<z.infer<O>>;
  /**
   * Test mode without a test key: returns a realistic output without calling the provider. The run
   * marks the node as simulated.
   */
  sandbox?(input: z.infer<I>, ctx: ActionContext): Promise<z.infer<O>>;
}

/**
 * Declares one action of an integration.
 *
 * @example
 * export const getStatus = defineAction({
 *   key: 'get-status',
 *   title: 'Get status',
 *   description: 'Reads the status page.',
 *   input: z.object({ url: z.url() }),
 *   output: z.object({ status: z.number() }),
 *   async run(input, ctx) {
 *     const res = await ctx.http.request({ url: input.url });
 *     return { status: res.status };
 *   },
 * });
 */
export function defineAction<I extends z.ZodType, O extends z.ZodType>(def: ActionDefinition<I, O>): ActionDefinition<I, O> {
  return def;
}

export interface IntegrationDefinition {
  /** Folder name and id prefix: `http`, `stripe`. */
  key: string;
  /** Major version; flows pin actions as `key.action@version`. */
  version: number;
  title: string;
  description: string;
  /** `oauth2(provider, { scopes })` (core/src/oauth.ts): each action's input has a `connection` field, a connection id. */
  auth: { type: 'none' } | { type: 'apiKey'; variable: string } | OAuth2Auth;
  /** Setup variables the integration needs (secrets and settings). */
  setup?: SetupVariable[];
  actions: ActionDefinition[];
  docs?: { title: string; url: string }[];
  /** Requests people can make of the assistant, e.g. "Send a confirmation email when someone signs up". */
  examplePrompts?: string[];
  /** Palette grouping: `Payments`, `Messaging`, `AI`, `Developer tools`, `Core`. */
  category?: string;
  /** A cheap authenticated call that proves the credentials work, where the provider allows one. */
  testConnection?(ctx: ActionContext): Promise<{ detail: string }>;
  /** Webhook sources this integration receives (signature check, event id and type); see core/src/webhooks.ts. */
  webhooks?: WebhookSource[];
  /**
   * An instant integration (the generic HTTP action: any API, described by the user rather than the catalog): it runs
   * only with the workspace's Backend functions switch on (App Settings), and installing it does not turn that on.
   */
  instant?: boolean;
  /** The task queue of all its actions (ActionDefinition.queue): `heavy` for AI and file integrations. */
  queue?: TaskQueueKind;
}

/** Which worker pool runs an action: `heavy` ones go to `<task queue>-heavy` (see heavyTaskQueue in core/src/run.ts). */
export type TaskQueueKind = 'default' | 'heavy';

/**
 * Declares an integration: the one object its folder exports.
 *
 * @example
 * export default defineIntegration({
 *   key: 'http', version: 1, title: 'HTTP', description: 'Any HTTP API.',
 *   auth: { type: 'none' }, actions: [request],
 * });
 */
export function defineIntegration(def: IntegrationDefinition): IntegrationDefinition {
  const seen = new Set<string>();
  for (const action of def.actions) {
    if (seen.has(action.key)) throw new Error(`Integration ${def.key} declares action "${action.key}" twice`);
    seen.add(action.key);
  }
  return def;
}

/** `http.request@1`: the name a flow pins and the Temporal activity name. */
export function actionRef(integration: Pick<IntegrationDefinition, 'key' | 'version'>, action: Pick<ActionDefinition, 'key'>): string {
  return `${integration.key}.${action.key}@${integration.version}`;
}

export const ActionRefPattern = /^([a-z0-9][a-z0-9-]*)\.([a-z0-9][a-z0-9-]*)@(\d+)$/;

/** What the validator and the editor know of an action: plain JSON, no code. */
export interface ActionInfo {
  ref: string;
  integration: string;
  /** The integration's title (`HTTP`, `Stripe`), as messages name it. */
  integrationTitle?: string;
  /** Set for the actions of an instant integration (they need the Backend functions switch on). */
  instant?: boolean;
  /** Set for actions that run on the heavy task queue (ActionDefinition.queue). */
  queue?: 'heavy';
  /** Set for actions that run as local activities (ActionDefinition.local). */
  local?: true;
  title: string;
  description: string;
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
  sideEffects: boolean;
  keywords?: string[];
  retry?: RetryPolicy;
  timeout?: string;
  /** How the action is charged: `free` (no outside call), `fixed` (`credits` per call), `perRequest`, `usage` (by tokens). */
  pricing?: { kind: 'free' | 'fixed' | 'perRequest' | 'usage'; credits?: number };
  /** A valid input, as the action's example usage (ActionDefinition.example). */
  example?: unknown;
}

export type JsonSchema = { [key: string]: unknown };

/** A lookup of actions by ref, built from the catalog (server, worker) or from the API (editor). */
export interface CatalogIndex {
  getAction(ref: string): ActionInfo | undefined;
}

export function describeAction(integration: IntegrationDefinition, action: ActionDefinition): ActionInfo {
  return {
    ref: actionRef(integration, action),
    integration: integration.key,
    integrationTitle: integration.title,
    ...(integration.instant ? { instant: true } : {}),
    ...((action.queue ?? integration.queue) === 'heavy' ? { queue: 'heavy' as const } : {}),
    ...(action.local ? { local: true as const } : {}),
    title: action.title,
    description: action.description,
    inputSchema: z.toJSONSchema(action.input, { io: 'input', unrepresentable: 'any' }) as JsonSchema,
    outputSchema: z.toJSONSchema(action.output, { io: 'output', unrepresentable: 'any' }) as JsonSchema,
    sideEffects: action.sideEffects ?? false,
    ...(action.keywords ? { keywords: action.keywords } : {}),
    ...(action.retry ? { retry: action.retry } : {}),
    ...(action.timeout ? { timeout: action.timeout } : {}),
    pricing: actionPricing(action),
    ...(action.example !== undefined ? { example: action.example } : {}),
  };
}

/** How an action is charged (see ActionInfo.pricing). */
export function actionPricing(action: Pick<ActionDefinition, 'credits' | 'creditsFromOutput'>): NonNullable<ActionInfo['pricing']> {
  if (action.credits === 0) return { kind: 'free', credits: 0 };
  if (action.credits !== undefined) return { kind: 'fixed', credits: action.credits };
  if (action.creditsFromOutput) return { kind: 'usage' };
  return { kind: 'perRequest', credits: 1 };
}

/** Setup variables of the integration that pins this action ref. */
export function setupFor(integrations: IntegrationDefinition[], ref: string): { integration: IntegrationDefinition; variables: SetupVariable[] } | undefined {
  const m = ActionRefPattern.exec(ref);
  const integration = m && integrations.find((i) => i.key === m[1] && String(i.version) === m[3]);
  return integration ? { integration, variables: integration.setup ?? [] } : undefined;
}

export function catalogIndex(integrations: IntegrationDefinition[]): CatalogIndex & { actions: ActionInfo[] } {
  const byRef = new Map<string, ActionInfo>();
  for (const integration of integrations) {
    for (const action of integration.actions) {
      const info = describeAction(integration, action);
      byRef.set(info.ref, info);
    }
  }
  return { getAction: (ref) => byRef.get(ref), actions: [...byRef.values()] };
}
