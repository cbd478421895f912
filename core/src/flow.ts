import { z } from 'zod';
import { TRIGGER_ID } from './graph';
import { WebhookSourceIds } from './webhooks';
import { SECRET_NAME_HINT, SECRET_NAME_PATTERN } from './names';
import { CODE_MAX_SOURCE_CHARS, CodeLanguages, CodeLimitMaximums } from './code';

export { allowedBranches, durationMs, TRIGGER_ID, walkNodes } from './graph';

/**
 * The flow document: the single source of truth for what a flow does. Semantics (trigger, nodes, edges)
 * are kept apart from `layout`, which only the editor reads; the worker receives a snapshot without it.
 */

export const SCHEMA_VERSION = 1;

export const NodeId = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'a node id starts with a letter or _ and has letters, digits, _ or - (max 64)')
  .refine((id) => id !== TRIGGER_ID, `"${TRIGGER_ID}" is reserved for the trigger`)
  // The refine as JSON Schema says it, so editor forms and the OpenAPI document carry the rule too.
  .meta({ not: { const: TRIGGER_ID } });

/** Duration as `'250ms'`, `'5s'`, `'10m'`, `'2h'`, `'1d'`, or milliseconds. */
export const Duration = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, "a duration such as '500ms', '5s', '10m', '2h' or '1d'"),
]);
export type Duration = z.infer<typeof Duration>;

/**
 * An input mapping: any JSON literal, where an object `{ "$expr": "…" }` (at any depth) is a data-only
 * JSONata expression evaluated over `{ trigger, nodes, item, index }`, and `{ "$literal": … }` escapes.
 */
export const Mapping: z.ZodType<unknown> = z.json();
export type Mapping = unknown;
/** Any JSON value (event data, run input): the same schema as a mapping, under its own name. */
export const JsonValue = Mapping;

/** A JSONata expression string, e.g. `nodes.fetch.status = 200`. */
export const Expression = z.string().min(1, 'an expression cannot be empty').max(10_000);

export const RetryPolicySchema = z
  .object({
    maximumAttempts: z.number().int().min(1).max(1000).optional(),
    initialInterval: Duration.optional(),
    backoffCoefficient: z.number().min(1).max(100).optional(),
    maximumInterval: Duration.optional(),
  })
  .strict();

const NodeBase = {
  id: NodeId,
  /** Shown on the canvas; defaults to the id. */
  label: z.string().max(200).optional(),
};

/** After the last retry: `pause` parks the node until someone retries, skips or aborts it (the default); `branch` follows the node's `error` edge; `fail` fails the run. */
export const OnErrorModes = ['pause', 'branch', 'fail'] as const;

export const ActionNode = z
  .object({
    ...NodeBase,
    type: z.literal('action'),
    /** Pinned as `integration.action@major`, e.g. `http.request@1`. */
    action: z.string().regex(/^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9-]*@\d+$/, 'an action ref such as "http.request@1"'),
    inputs: z.record(z.string(), Mapping).default({}),
    retry: RetryPolicySchema.optional(),
    /** Start-to-close timeout of one attempt; default from the catalog. */
    timeout: Duration.optional(),
    /** What happens when retries are exhausted: see OnErrorModes. Default `pause`. */
    onError: z.enum(OnErrorModes).optional(),
  })
  .strict();

export const ConditionNode = z
  .object({
    ...NodeBase,
    type: z.literal('condition'),
    /** Truthy → the `true` edge, else the `false` edge. */
    condition: Expression,
  })
  .strict();

export const SwitchNode = z
  .object({
    ...NodeBase,
    type: z.literal('switch'),
    /** Its string value picks the edge whose branch equals it, else `default`. */
    value: Expression,
    cases: z.array(z.string().min(1).max(100)).min(1).max(50),
  })
  .strict();

export const DelayNode = z
  .object({
    ...NodeBase,
    type: z.literal('delay'),
    duration: Duration,
  })
  .strict();

export const EndNode = z
  .object({
    ...NodeBase,
    type: z.literal('end'),
    /** The run's output; when absent, the run's output is every node's output. */
    output: Mapping.optional(),
  })
  .strict();

/**
 * Answers the app's `POST /v1/flows/:flowKey/invoke` now, with `output` (a mapping), while the run goes on (n8n's
 * "Respond to Webhook"). Only in a flow with an `invoke` trigger; the first respond node to run answers, later ones
 * only record `{ responded: false }`. Without one, the invoke answers with the run's output when it ends.
 */
export const RespondNode = z
  .object({
    ...NodeBase,
    type: z.literal('respond'),
    output: Mapping.optional(),
  })
  .strict();

/** A payload field as a dot path, e.g. `data.object.metadata.order_id`. */
export const FieldPath = z
  .string()
  .regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'a dot path such as data.object.metadata.order_id')
  .max(300);

/** A workspace secret's name: upper case, digits and _. */
export const SecretName = z.string().regex(SECRET_NAME_PATTERN, SECRET_NAME_HINT);

const codeLimit = (max: number) => z.number().int().min(1).max(max).optional();

/**
 * A backend function written by the user: JavaScript or TypeScript exporting `default async function (input, ctx)`,
 * run in a sandbox as the activity `code.run@1` (so retries, `onError`, parking and credits work as for actions).
 * `input` is the resolved `inputs` mapping; `ctx.secrets` holds only the `secrets` it declares; `ctx.fetch` goes
 * through the guarded, metered HTTP client. `outputSchema` (a JSON Schema) describes what it returns, for later
 * nodes' references and the editor's autocomplete.
 */
export const CodeNode = z
  .object({
    ...NodeBase,
    type: z.literal('code'),
    language: z.enum(CodeLanguages).default('typescript'),
    source: z.string().min(1, 'a code step needs source code').max(CODE_MAX_SOURCE_CHARS),
    inputs: z.record(z.string(), Mapping).default({}),
    secrets: z.array(z.string().regex(SECRET_NAME_PATTERN, SECRET_NAME_HINT)).max(50).default([]),
    limits: z
      .object({
        cpuMs: codeLimit(CodeLimitMaximums.cpuMs),
        memoryMb: codeLimit(CodeLimitMaximums.memoryMb),
        outputBytes: codeLimit(CodeLimitMaximums.outputBytes),
        fetches: codeLimit(CodeLimitMaximums.fetches),
        logBytes: codeLimit(CodeLimitMaximums.logBytes),
      })
      .strict()
      .optional(),
    outputSchema: z.record(z.string(), z.json()).optional(),
    retry: RetryPolicySchema.optional(),
    timeout: Duration.optional(),
    onError: z.enum(OnErrorModes).optional(),
  })
  .strict();

/**
 * Waits, without holding a worker, for a webhook event to reach the workspace's inbox endpoint of `source`:
 * the first delivery of type `event` whose payload `match.field` equals `match.equals` (a mapping, usually an
 * expression over earlier nodes) continues the run on the unlabelled edge; after `timeout` the run follows
 * the `timeout` edge (or the node fails when there is none).
 */
export const WaitForWebhookNode = z
  .object({
    ...NodeBase,
    type: z.literal('waitForWebhook'),
    source: z.enum(WebhookSourceIds),
    /** The event type, e.g. `payment_intent.succeeded`, `issues.opened`. */
    event: z.string().min(1).max(200),
    match: z.object({ field: FieldPath, equals: Mapping }).strict().optional(),
    timeout: Duration,
  })
  .strict();

export interface ForEachNode {
  id: string;
  label?: string | undefined;
  type: 'forEach';
  items: string;
  concurrency: number;
  body: FlowGraph;
}

export interface FlowGraph {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export const FlowEdge = z
  .object({
    /** A node id, `trigger`, or (inside a forEach body) the forEach node's id: where the body starts. */
    from: z.string().min(1),
    to: NodeId,
    /** `true`/`false` after a condition, a case or `default` after a switch, `error` after an action. */
    branch: z.string().min(1).max(100).optional(),
  })
  .strict();
export type FlowEdge = z.infer<typeof FlowEdge>;

export const ForEachNode: z.ZodType<ForEachNode> = z.lazy(() =>
  z
    .object({
      ...NodeBase,
      type: z.literal('forEach'),
      /** An expression giving the list to walk; each iteration sees `item` and `index`. */
      items: Expression,
      /** How many iterations run at once. */
      concurrency: z.number().int().min(1).max(100).default(1),
      body: FlowGraphSchema,
    })
    .strict(),
) as z.ZodType<ForEachNode>;

export const FlowNode = z.union([ActionNode, CodeNode, ConditionNode, SwitchNode, DelayNode, WaitForWebhookNode, EndNode, RespondNode, ForEachNode]);
// The two recursive schemas get names, so JSON Schemas (editor forms, the OpenAPI document) refer to them as
// `$defs/JsonValue` and `$defs/FlowNode`, not `__schema0`. Registered on the instances themselves (`.meta()`
// would name a copy, and the recursion points at the original).
z.globalRegistry.add(Mapping, { id: 'JsonValue' });
z.globalRegistry.add(FlowNode, { id: 'FlowNode' });
export type ActionNode = z.infer<typeof ActionNode>;
export type CodeNode = z.infer<typeof CodeNode>;
export type ConditionNode = z.infer<typeof ConditionNode>;
export type SwitchNode = z.infer<typeof SwitchNode>;
export type DelayNode = z.infer<typeof DelayNode>;
export type EndNode = z.infer<typeof EndNode>;
export type RespondNode = z.infer<typeof RespondNode>;
export type WaitForWebhookNode = z.infer<typeof WaitForWebhookNode>;
export type FlowNode = ActionNode | CodeNode | ConditionNode | SwitchNode | DelayNode | WaitForWebhookNode | EndNode | RespondNode | ForEachNode;
export type NodeType = FlowNode['type'];
export const NodeTypes = [
  'action',
  'code',
  'condition',
  'switch',
  'delay',
  'waitForWebhook',
  'end',
  'respond',
  'forEach',
] as const satisfies readonly NodeType[];

const FlowGraphSchema: z.ZodType<FlowGraph> = z.lazy(() =>
  z.object({
    nodes: z.array(FlowNode).max(1000),
    edges: z.array(FlowEdge).max(5000),
  }),
) as z.ZodType<FlowGraph>;

export const EventTrigger = z
  .object({
    type: z.literal('event'),
    /** The app event name, e.g. `user.signed_up`. */
    event: z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'an event name of letters, digits and . _ : -'),
    /** A publishable key (`sy_pub_…`, from a browser) may send this event too; otherwise only secret keys start the flow. */
    public: z.boolean().optional(),
  })
  .strict();
export const ManualTrigger = z.object({ type: z.literal('manual') }).strict();
/**
 * The app calls the flow like a backend function: `POST /v1/flows/:flowKey/invoke` with an input (read as
 * `trigger.data`) starts a run and answers with its output (a respond node's, the end node's, or the last node's)
 * when it comes within the wait; docs/app-side.md. `public`: a publishable key (`sy_pub_…`) may invoke it too.
 */
export const InvokeTrigger = z
  .object({
    type: z.literal('invoke'),
    public: z.boolean().optional(),
  })
  .strict();
/** One field of a Temporal calendar spec: a value, a range `{ start, end? }` or `{ start, end, step }`, a list of those, or `'*'`. */
const CalendarRange = <T extends z.ZodType>(value: T) =>
  z.union([value, z.object({ start: value, end: value, step: z.number().int().min(1) }).strict(), z.object({ start: value, end: value.optional() }).strict()]);
const CalendarField = <T extends z.ZodType>(value: T) => z.union([z.literal('*'), CalendarRange(value), z.array(CalendarRange(value)).min(1).max(60)]);
export const ScheduleMonths = [
  'JANUARY',
  'FEBRUARY',
  'MARCH',
  'APRIL',
  'MAY',
  'JUNE',
  'JULY',
  'AUGUST',
  'SEPTEMBER',
  'OCTOBER',
  'NOVEMBER',
  'DECEMBER',
] as const;
export const ScheduleDaysOfWeek = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;
/** Temporal's structured calendar spec (fields default as Temporal documents: second/minute/hour 0, the rest `*`). */
export const ScheduleCalendar = z
  .object({
    second: CalendarField(z.number().int().min(0).max(59)).optional(),
    minute: CalendarField(z.number().int().min(0).max(59)).optional(),
    hour: CalendarField(z.number().int().min(0).max(23)).optional(),
    dayOfMonth: CalendarField(z.number().int().min(1).max(31)).optional(),
    month: CalendarField(z.enum(ScheduleMonths)).optional(),
    year: CalendarField(z.number().int().min(1970).max(9999)).optional(),
    dayOfWeek: CalendarField(z.enum(ScheduleDaysOfWeek)).optional(),
    comment: z.string().max(200).optional(),
  })
  .strict();
export type ScheduleCalendar = z.infer<typeof ScheduleCalendar>;
/** What a schedule does when a fire time comes while the previous run is still going. */
export const ScheduleOverlaps = ['skip', 'bufferOne', 'allow'] as const;
export type ScheduleOverlap = (typeof ScheduleOverlaps)[number];
const DurationText = z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, "a duration such as '30s', '15m', '2h' or '1d'");
/**
 * A flow that runs on a calendar, on a Temporal Schedule (docs/schedules.md). Exactly one of `cron` (5 fields, or 6
 * with seconds first), `interval` (`{ every: '15m', offset: '2m' }`) or `calendars` (Temporal's structured specs);
 * checked at publish (core/src/schedule.ts), as are the zone, the dates and the shortest interval.
 */
export const ScheduleTrigger = z
  .object({
    type: z.literal('schedule'),
    cron: z.string().min(1).max(200).optional(),
    interval: z.object({ every: DurationText, offset: DurationText.optional() }).strict().optional(),
    calendars: z.array(ScheduleCalendar).min(1).max(20).optional(),
    /** An IANA time zone (`Europe/Berlin`); default UTC. Daylight-saving changes behave as Temporal documents. */
    timezone: z.string().max(100).optional(),
    /** No run before this time, none after `endAt` (ISO 8601). */
    startAt: z.iso.datetime({ offset: true }).optional(),
    endAt: z.iso.datetime({ offset: true }).optional(),
    /** Each fire is delayed by a random amount up to this. */
    jitter: DurationText.optional(),
    /** Default `skip`: no second run while one is going; `bufferOne` starts one after it; `allow` starts them all. */
    overlap: z.enum(ScheduleOverlaps).optional(),
    /** Fires missed while Switchyard or Temporal was down are started only within this window after their time (default 1m). */
    catchupWindow: DurationText.optional(),
  })
  .strict();
export type ScheduleTrigger = z.infer<typeof ScheduleTrigger>;
/**
 * A webhook from a provider starts the flow: publishing gives the flow an endpoint (a live and a test URL).
 * Deliveries are verified with the signing secrets kept as workspace secrets (`secrets`, default the
 * source's variable such as STRIPE_WEBHOOK_SECRET; list two while rotating). A `public` endpoint has no
 * signature: the sender must send one of `secrets` as the `X-Switchyard-Token` header.
 */
export const WebhookTrigger = z
  .object({
    type: z.literal('webhook'),
    source: z.enum([...WebhookSourceIds, 'public']),
    secrets: z.array(SecretName).min(1).max(5).optional(),
    /** The signature header of a generic `hmac` source (default `x-signature`). */
    header: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,100}$/, 'a header name')
      .optional(),
    /** Only deliveries of these event types start a run; others are logged and answered 200. */
    events: z.array(z.string().min(1).max(200)).max(100).optional(),
  })
  .strict();
export const FlowTrigger = z.discriminatedUnion('type', [EventTrigger, ManualTrigger, InvokeTrigger, ScheduleTrigger, WebhookTrigger]);
export type FlowTrigger = z.infer<typeof FlowTrigger>;

export const Position = z.object({ x: z.number(), y: z.number() }).strict();
export const Layout = z.record(z.string(), Position);
export type Layout = z.infer<typeof Layout>;

/** Pinned samples are for trying steps, not storage: 512 KB of JSON at most, all nodes together. */
export const MAX_PINNED_BYTES = 512 * 1024;
const PinnedData = z.record(z.string().min(1).max(64), JsonValue).refine((pinned) => JSON.stringify(pinned).length <= MAX_PINNED_BYTES, {
  message: `Pinned sample data is limited to ${MAX_PINNED_BYTES / 1024} KB in all; pin a smaller sample (a few items of a list)`,
});

export const FlowDocument = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION).default(SCHEMA_VERSION),
    trigger: FlowTrigger,
    nodes: z.array(FlowNode).max(1000),
    edges: z.array(FlowEdge).max(5000),
    /** Editor coordinates by node id; never read by the worker. */
    layout: Layout.default({}),
    /**
     * Sample data pinned in the editor, by node id (`trigger`: the trigger's `data`): what "Test this step" and
     * expression previews read instead of a real run's. Never published, never read by a run.
     */
    pinned: PinnedData.optional(),
  })
  .strict();
export type FlowDocument = z.infer<typeof FlowDocument>;

/** What a run receives: the document without layout or pinned samples, frozen at publish time. */
export type FlowSnapshot = Omit<FlowDocument, 'layout' | 'pinned'>;

export function toSnapshot(doc: FlowDocument): FlowSnapshot {
  const { layout: _layout, pinned: _pinned, ...snapshot } = doc;
  return snapshot;
}
