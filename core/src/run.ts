import type { RunMode, RetryPolicy } from './catalog-sdk';
import type { FlowSnapshot } from './flow';

/** How a run can start; each is also the first part of its workflow id (core/src/names.ts), which the runs list filters by. */
export const TriggerTypes = ['event', 'manual', 'invoke', 'schedule', 'webhook'] as const;
export type TriggerType = (typeof TriggerTypes)[number];

/** What started a run; `data` is what expressions read as `trigger.data` (a schedule's: `{ scheduledTime, actualTime }`). */
export interface TriggerPayload {
  type: TriggerType;
  /** The event name, for event triggers; the provider's event type for webhooks. */
  name?: string;
  /** The event id the app sent (or one generated for it); the provider's event id for webhooks. */
  id?: string;
  /** Webhooks: the delivery that started the run (`dlv_…`, see the delivery log). */
  deliveryId?: string;
  data: unknown;
}

export interface RunOptions {
  /** Switchyard's own run id (`run_…`), also the key of the runs table. */
  runId: string;
  workspaceId: string;
  flowId: string;
  version: number;
  mode: RunMode;
  /** Catalog defaults for every action the snapshot uses, frozen when the run starts. */
  actionDefaults: Record<string, { retry?: RetryPolicy; timeout?: string; queue?: 'heavy'; local?: true }>;
  /** Whether the run reports its end to the database (off only in benchmarks of the bare interpreter). */
  record: boolean;
  /** How long a parked node waits for a decision, or a node for credits, before the run gives up. Default `'7d'`. */
  giveUpAfter?: string;
  /**
   * The run continues as new once its history has this many events (default RUN_HISTORY_EVENT_LIMIT); tests and
   * benchmarks lower it. Temporal warns at 10,240 events and fails a workflow at 51,200.
   */
  historyEventLimit?: number;
  /** Items per child workflow of a big forEach (default FOR_EACH_BATCH_ITEMS). */
  forEachBatchItems?: number;
}

export interface RunFlowInput {
  snapshot: FlowSnapshot;
  trigger: TriggerPayload;
  options: RunOptions;
  /** Set when the run continued as new (its history had grown long): where it was. Absent at the start. */
  resume?: RunResume;
}

/** What a run carries into its next Temporal run when it continues as new: nothing is running at that moment. */
export interface RunResume {
  state: RunState;
  /** What expressions read as `nodes` (the outputs of the top-level nodes so far). */
  scopeNodes: Record<string, unknown>;
  /** The walk's progress: nodes started (all finished) and decided edges, by index in the snapshot's edges. */
  walk: { started: string[]; decided: [number, boolean][] };
  blobsSeen: boolean;
}

/**
 * `parked`: retries are exhausted and the node waits for a decision (retry, skip, abort).
 * `waitingForCredits`: the workspace could not pay for the node's next API request; it runs again by itself
 * when credits are added.
 * `waitingForEvent`: a waitForWebhook node waits (on a durable timer, holding no worker) for its event or its timeout.
 * `waitingForReconnect`: the node's OAuth connection needs a person to sign in again; it runs again when they do.
 */
export const NodeStatuses = ['running', 'succeeded', 'failed', 'parked', 'waitingForCredits', 'waitingForReconnect', 'waitingForEvent', 'skipped'] as const;
export type NodeStatus = (typeof NodeStatuses)[number];

/**
 * `parked`: at least one node waits for a decision; `waitingForCredits`: one waits for credits (and none is parked);
 * `waitingForReconnect`: one waits for an OAuth connection to be reconnected (and none is parked or waits for credits).
 */
export const RunStatuses = ['starting', 'running', 'parked', 'waitingForCredits', 'waitingForReconnect', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RunStatuses)[number];
/** A run that has not ended: it can be cancelled, and its live state comes from its workflow. */
export const LIVE_RUN_STATUSES = ['starting', 'running', 'parked', 'waitingForCredits', 'waitingForReconnect'] as const satisfies readonly RunStatus[];
/** A run that ended. */
export const ENDED_RUN_STATUSES = ['completed', 'failed', 'cancelled'] as const satisfies readonly RunStatus[];
/** Node statuses that mean "not done yet": they become `failed` when the run ends without them. */
export const UNFINISHED_NODE_STATUSES = [
  'running',
  'parked',
  'waitingForCredits',
  'waitingForReconnect',
  'waitingForEvent',
] as const satisfies readonly NodeStatus[];
/** How people read a status (the editor's badges and filters). */
export const StatusLabels: Record<RunStatus | NodeStatus, string> = {
  starting: 'starting',
  running: 'running',
  parked: 'parked',
  waitingForCredits: 'waiting for credits',
  waitingForReconnect: 'waiting for reconnect',
  waitingForEvent: 'waiting for webhook',
  completed: 'completed',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  skipped: 'skipped',
};

/** An action node's retry policy and attempt timeout when neither the node nor its catalog action sets one. */
export const DEFAULT_ACTION_RETRY: Required<RetryPolicy> = { maximumAttempts: 5, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' };
export const DEFAULT_ACTION_TIMEOUT = '30s';

export interface NodeError {
  message: string;
  /** `NonRetryable`, `Retryable`, `InvalidInput`, `Timeout`, `Expression`… */
  type: string;
  status?: number;
  /** The OAuth connection a node waiting for a reconnect needs (the editor's Reconnect banner). */
  connectionId?: string;
}

/** One execution of one node. Inside a forEach body the key is `loop[2].node`; elsewhere the node id. */
export interface NodeRunState {
  key: string;
  nodeId: string;
  type: string;
  status: NodeStatus;
  input?: unknown;
  output?: unknown;
  /** The branch taken after this node (condition, switch, error edge). */
  branch?: string;
  attempts: number;
  /** The output came from the integration's sandbox (test mode without a test key). */
  simulated?: boolean;
  /** What a code step logged (ctx.log, console.*) in its last attempt, scrubbed of secret values and bounded. */
  logs?: string[];
  /** Manual decisions taken on this node while it was parked, oldest first. */
  decisions?: { action: NodeDecision['action']; at: string; editedInput?: boolean }[];
  error?: NodeError;
  startedAt?: string;
  endedAt?: string;
  /** Input and output left out of a page of the live state (too large); the `runs` row has them once the run ended. */
  dataOmitted?: true;
  /** A forEach run in batches (child workflows): items done of the total. */
  progress?: { done: number; total: number; batches: number };
}

export interface RunState {
  status: Exclude<RunStatus, 'starting'>;
  mode: RunMode;
  nodes: Record<string, NodeRunState>;
  output?: unknown;
  error?: NodeError & { nodeId?: string };
  startedAt: string;
  endedAt?: string;
  /**
   * Invoked runs (trigger `invoke`): the answer the app got or gets — set by the first respond node that ran (`nodeKey`),
   * else when the run completed (the end node's output, or the output of the last node that succeeded).
   */
  response?: { output: unknown; nodeKey?: string; at: string };
  /** How many times the run continued as new (one run to people; several Temporal runs of the same workflow id). */
  continuedAsNew?: number;
  /** What happened, in order (`GET /v1/runs/:id/events`); each event's `seq` is its place, from 1. Runs from before it have none. */
  events?: RunEvent[];
}

/** The kinds of a run's events: a node's status changes (`running` reads `node.started`), a respond node's answer, the end. */
export const RunEventTypes = [
  'run.started',
  'node.started',
  'node.succeeded',
  'node.failed',
  'node.parked',
  'node.waitingForCredits',
  'node.waitingForEvent',
  'node.waitingForReconnect',
  'node.skipped',
  'run.responded',
  'run.ended',
] as const;
export type RunEventType = (typeof RunEventTypes)[number];

/** One event of a run's log: append-only, so `seq` is a stable cursor (SSE's `Last-Event-ID`). */
export interface RunEvent {
  seq: number;
  type: RunEventType;
  at: string;
  nodeKey?: string;
  nodeId?: string;
  nodeType?: string;
  /** The node's status (node events) or the run's (run events). */
  status: string;
  error?: NodeError & { nodeId?: string };
  /** `run.responded` and `run.ended`: the answer or the run's output, when it takes at most RUN_EVENT_OUTPUT_CHARS. */
  output?: unknown;
  outputOmitted?: true;
}

/** The largest output (JSON characters) an event carries; a larger one is left out (`outputOmitted`): read the run. */
export const RUN_EVENT_OUTPUT_CHARS = 16 * 1024;

/** The `runEvents` query: the events after `after` (a seq; 0 for all), at most `limit` (default 500). */
export interface RunEventsRequest {
  after?: number;
  limit?: number;
}
export interface RunEventsPage {
  status: RunState['status'];
  events: RunEvent[];
}

/**
 * What the `awaitAnswer` update returns to `POST /v1/flows/:flowKey/invoke` once there is something to say: the run
 * responded (a respond node, or its end), failed, was cancelled, or parked a node for a person (`parked`).
 */
export interface InvokeAnswer {
  status: RunState['status'];
  response?: RunState['response'];
  error?: RunState['error'];
  parked?: { nodeKey: string; error?: NodeError };
}

/**
 * Whatever leaves the workflow (the `runState` query's answer, the workflow's result) is one Temporal payload,
 * refused over 2 MiB (and a workflow-task completion over 4 MiB), while a run may hold up to 1,000 nodes with
 * their inputs and outputs. So it leaves in pages of at most this many JSON characters (a character is up to
 * 3 bytes, so a page stays well under the limit); the `runs` row keeps the whole state once the run parks or ends.
 */
export const RUN_STATE_PAGE_CHARS = 256 * 1024;

/** The `runState` query's argument: the index (in `nodes` order) of the first node wanted. Default 0. */
export interface RunStatePageRequest {
  nodesFrom?: number;
}

/** A run's state with the nodes that fit in one page (see RUN_STATE_PAGE_CHARS). */
export interface RunStatePage extends RunState {
  /** Where the next page starts (ask the query with `nodesFrom`); absent when this page holds the last node. */
  nextNodes?: number;
  /** The run's output did not fit in a page; the `runs` row keeps it once the run ended. */
  outputOmitted?: true;
}

/**
 * The page of `state` that starts at node `from`: the summary (status, error, times), the output (first page
 * only, when it takes at most half a page) and the nodes that fit. A node that alone takes over half a page
 * comes without its input and output (`dataOmitted`), so every page holds at least one node. Node entries are
 * only ever added to `state.nodes`, never removed, so indexes stay valid between pages of a live run.
 */
export function pageOfRunState(state: RunState, from = 0, budget = RUN_STATE_PAGE_CHARS): RunStatePage {
  const { nodes, output, events: _events, ...summary } = state;
  const page: RunStatePage = { ...summary, nodes: {} };
  // The frame: `"nodes":{}`, `"nextNodes":…` or `"outputOmitted":true`, commas.
  let used = JSON.stringify(summary).length + 64;
  if (output !== undefined && from === 0) {
    const size = JSON.stringify(output).length + 10;
    if (size <= budget / 2) {
      page.output = output;
      used += size;
    } else page.outputOmitted = true;
  }
  const entries = Object.values(nodes);
  let i = Math.max(0, from);
  for (; i < entries.length; i++) {
    let entry = entries[i]!;
    const keyChars = JSON.stringify(entry.key).length + 2; // `"key":` and a comma
    let size = JSON.stringify(entry).length + keyChars;
    if (size > budget / 2) {
      const { input: _input, output: _output, ...rest } = entry;
      entry = { ...rest, dataOmitted: true };
      size = JSON.stringify(entry).length + keyChars;
    }
    if (i > from && used + size > budget) break;
    page.nodes[entry.key] = entry;
    used += size;
  }
  if (i < entries.length) page.nextNodes = i;
  return page;
}

/** What an action activity returns: the action's output and how it went. */
export interface ActionActivityResult {
  output: unknown;
  attempt: number;
  /** Test mode ran the integration's sandbox instead of the provider. */
  simulated?: boolean;
}

export interface ActionActivityInput {
  input: unknown;
  mode: RunMode;
  workspaceId: string;
  /** Node key (see NodeRunState.key): with the workflow id it makes the idempotency key. */
  nodeKey: string;
  /** Set after a retry with edited input, so the provider sees a new request (`edit1`, `edit2`…). */
  idempotencySuffix?: string;
  /**
   * The run's workflow id, when the activity is issued by one of the run's loop batches (a child workflow): the attempt
   * log, the idempotency key and the blobs belong to the run, not to the batch.
   */
  runWorkflowId?: string;
  /**
   * Set for a local action (catalog `local`): the id an ordinary activity would have had (`key`, `key#2`), which a
   * local activity cannot be given; the attempt log keeps it, so both kinds read the same.
   */
  activityId?: string;
}

/**
 * The status a person sees for a node: a node skipped by hand (a parked node someone decided to skip) reads
 * `skipped`, though the run carries on from it as from a success (its output is the one given).
 */
export function shownStatus(entry: Pick<NodeRunState, 'status' | 'decisions'>): NodeRunState['status'] {
  return entry.status === 'succeeded' && entry.decisions?.at(-1)?.action === 'skip' ? 'skipped' : entry.status;
}

/** What someone decides for a parked node (API: /api/runs/:id/nodes/:key/{retry,skip,abort}). */
export type NodeDecision =
  | { nodeKey: string; action: 'retry'; /** Replaces the node's input for this and later attempts. */ input?: unknown }
  | { nodeKey: string; action: 'skip'; /** What later nodes read as the node's output. */ output?: unknown }
  | { nodeKey: string; action: 'abort'; reason?: string };

/** A webhook delivery handed to a run (signal `webhook`): the start of a webhook-triggered run, or what a waitForWebhook node waits for. */
export interface WebhookSignal {
  deliveryId: string;
  eventId: string;
  eventType?: string;
  /** Set when the delivery matched a waitForWebhook node's wait (see WebhookWait.waitId). */
  waitId?: string;
  payload?: unknown;
}

/** What a waitForWebhook node registers (activity `switchyard.registerWebhookWait`) before it waits. */
export interface WebhookWaitRegistration {
  /** `<workflow id>/<Switchyard run id>/<node key>`: one wait per node execution (the same after a reset). */
  waitId: string;
  workspaceId: string;
  runId: string;
  workflowId: string;
  nodeKey: string;
  mode: RunMode;
  source: string;
  eventType: string;
  /** Dot path and the value it must equal (JSON-encoded for the lookup); absent: the first event of the type. */
  matchField?: string;
  matchValue?: unknown;
  expiresAt: string;
}

/** Names shared by the workflow, the worker and the server. */
export const RunQueries = { state: 'runState', events: 'runEvents' } as const;
/** `creditsAdded`: the workspace got credits; nodes waiting for credits run again. */
export const RunSignals = { webhook: 'webhook', creditsAdded: 'creditsAdded', connectionRestored: 'connectionRestored' } as const;
/** The patch that introduced waiting for a reconnect (runs recorded before it treat NeedsReconnect as any failure). */
export const RECONNECT_WAIT_PATCH = 'reconnect-wait-v1';
/** The local activity a node waiting for a reconnect asks whether its connection is healthy again. */
export const CONNECTION_STATUS_ACTIVITY = 'switchyard.connectionStatus';
/** How often a node waiting for a reconnect checks by itself, in case a signal was missed. */
export const RECONNECT_RECHECK_MS = 10 * 60_000;
export const REGISTER_WEBHOOK_WAIT_ACTIVITY = 'switchyard.registerWebhookWait';
/** `awaitAnswer`: an invoke waits for the run's answer (see InvokeAnswer). */
export const RunUpdates = { decideNode: 'decideNode', awaitAnswer: 'awaitAnswer' } as const;
/** The patch that introduced pausing for credits (runs recorded before it treat CreditsExhausted as any failure). */
export const CREDITS_PAUSE_PATCH = 'credits-pause-v1';
/** The patch that introduced parking (runs recorded before it fail instead of parking). */
export const PARK_FAILED_NODES_PATCH = 'park-failed-nodes-v1';
export const RECORD_RUN_ACTIVITY = 'switchyard.recordRun';
/**
 * The patch that runs a forEach over more than FOR_EACH_INLINE_ITEMS items in batches of child workflows
 * (`runFlowItems`); runs recorded before it run every item in the run's own history.
 */
export const FOR_EACH_BATCHES_PATCH = 'for-each-child-batches-v1';
/** A forEach over at most this many items runs them in the run's own workflow (as before batches existed). */
export const FOR_EACH_INLINE_ITEMS = 100;
/** Most items per child workflow of a big forEach; fewer when the body has many nodes (see batchSize). */
export const FOR_EACH_BATCH_ITEMS = 200;
/** History events a batch aims to stay under (Temporal warns at 10,240). */
export const BATCH_HISTORY_EVENT_BUDGET = 5_000;
/** The patch that lets runFlow continue as new before its history gets long (RUN_HISTORY_EVENT_LIMIT). */
export const CONTINUE_AS_NEW_PATCH = 'run-continue-as-new-v1';
/**
 * The patch that schedules heavy actions (catalog `queue: 'heavy'`: AI, files) on the heavy task queue; runs
 * recorded before it schedule every activity on the run's own queue.
 */
export const HEAVY_QUEUE_PATCH = 'heavy-task-queue-v1';
/**
 * The patch that runs local actions (catalog `local: true`: the data step) as local activities; runs recorded before
 * it, or by a worker without it, schedule them as ordinary activities and replay that way.
 */
export const LOCAL_ACTIONS_PATCH = 'local-actions-v1';
/**
 * The patch that applies a loop batch's settled item nodes (RunItemsResult.settled) when the batch ends: its last
 * signal about an item can arrive after its result. Called only for results that carry some.
 */
export const SETTLE_ITEMS_PATCH = 'settle-items-v1';
/**
 * The patch of the interpreter's light steps (issue 20): mappings whose expressions are all plain paths
 * (`trigger.data`, `item`) are read directly instead of through JSONata (core/src/expressions.ts, resolvePaths; the
 * same values, without the twenty-odd promises JSONata makes per expression, each of which costs the workflow sandbox
 * a stack capture), and a graph of one node (a loop body of one step) runs that node without walking the graph. Fewer
 * awaits can reorder the commands of parallel nodes, hence the patch; called only where a light step applies.
 */
export const LIGHT_STEPS_PATCH = 'light-steps-v1';
/** The task queue of heavy actions beside a run's queue: workers with `heavy` in WORKER_QUEUES serve it. */
export function heavyTaskQueue(taskQueue: string): string {
  return `${taskQueue}-heavy`;
}
/** runFlow continues as new after this many history events (RunOptions.historyEventLimit lowers it). */
export const RUN_HISTORY_EVENT_LIMIT = 8_000;
/** The workflow type of a big forEach's batch. */
export const RUN_ITEMS_WORKFLOW = 'runFlowItems';
/** A loop item's node changed status (parked, waiting, resumed): the batch tells the run, which shows it. */
export const ItemSignals = { node: 'itemNode', decision: 'itemDecision' } as const;

/**
 * Items per batch for a body of `bodyNodes` nodes: each item's node costs about six history events (its activity's
 * three, a workflow task's three), and a batch stays under BATCH_HISTORY_EVENT_BUDGET.
 */
export function batchSize(bodyNodes: number, max = FOR_EACH_BATCH_ITEMS): number {
  return Math.max(1, Math.min(max, Math.floor(BATCH_HISTORY_EVENT_BUDGET / (6 * Math.max(1, bodyNodes)))));
}
export const TEST_CONNECTION_ACTIVITY = 'switchyard.testConnection';

export interface TestConnectionInput {
  workspaceId: string;
  integration: string;
  mode: RunMode;
}

export type TestConnectionResult = { ok: true; detail: string; simulated?: boolean } | { ok: false; error: string };
