/**
 * What every node handler of one run shares: the run's state, its options, the handlers for queries, updates and
 * signals, and what the waits a node can be in (waits/: a parked decision, credits) read. Workflow code:
 * deterministic, no I/O.
 */
import {
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { ActionNode } from '#core/flow';
import { BlobActivities, containsBlobRef, type BlobEvaluateInput } from '#core/blobs';
import { NOT_PLAIN, resolveMapping, resolvePaths, type ExpressionScope } from '#core/expressions';
import { INSTANT_CALL_ACTION, isImportedRef } from '#core/instant';
import {
  DEFAULT_ACTION_RETRY,
  DEFAULT_ACTION_TIMEOUT,
  LIGHT_STEPS_PATCH,
  RECORD_RUN_ACTIVITY,
  RunQueries,
  RunSignals,
  RunUpdates,
  pageOfRunState,
  type ActionActivityInput,
  type ActionActivityResult,
  type InvokeAnswer,
  type NodeDecision,
  type NodeRunState,
  type RunEvent,
  type RunEventsPage,
  type RunEventsRequest,
  RUN_EVENT_OUTPUT_CHARS,
  type RunFlowInput,
  type RunState,
  type RunStatePage,
  type RunStatePageRequest,
  type WebhookSignal,
  ItemSignals,
  CONTINUE_AS_NEW_PATCH,
  HEAVY_QUEUE_PATCH,
  heavyTaskQueue,
  LOCAL_ACTIONS_PATCH,
  RUN_HISTORY_EVENT_LIMIT,
} from '#core/run';
import { liveRunStatus } from './scheduler';
import type { RecordRunActivity } from '../../activities/record-run';

/** The run's state, a page at a time (see pageOfRunState): a 1,000-node run's whole state does not fit in one payload. */
export const runStateQuery = defineQuery<RunStatePage, [RunStatePageRequest?]>(RunQueries.state);
/** The run's events after a seq (GET /v1/runs/:id/events follows a live run with it). */
export const runEventsQuery = defineQuery<RunEventsPage, [RunEventsRequest?]>(RunQueries.events);
/** Retry, skip or abort a parked node. Refused (by the validator, before anything is recorded) unless the node is parked. */
export const decideNodeUpdate = defineUpdate<{ accepted: true }, [NodeDecision]>(RunUpdates.decideNode);
/** An invoke waits for the run's answer: returns when a respond node ran, the run ended, or a node parked. */
export const awaitAnswerUpdate = defineUpdate<InvokeAnswer, []>(RunUpdates.awaitAnswer);
/** A webhook delivery: the one that started the run (ignored here: it is the trigger), or one a waitForWebhook node waits for. */
export const webhookSignal = defineSignal<[WebhookSignal]>(RunSignals.webhook);
/** The workspace got credits: nodes waiting for credits run again. */
export const creditsAddedSignal = defineSignal(RunSignals.creditsAdded);
/** An OAuth connection was reconnected: nodes waiting for it run again. */
export const connectionRestoredSignal = defineSignal<[{ connectionId: string }]>(RunSignals.connectionRestored);

/** A loop batch tells the run that one of its item nodes parked, waits, or went on (the run shows it, and takes decisions for it). */
export const itemNodeSignal = defineSignal<[{ entry: NodeRunState; batchWorkflowId: string }]>(ItemSignals.node);
/** The run hands a decision for a parked item node on to the batch that runs the item. */
export const itemDecisionSignal = defineSignal<[NodeDecision]>(ItemSignals.decision);

/** Node statuses a loop batch reports to its run (and the run shows) while an item waits for someone or something. */
const WAITING_STATUSES: readonly string[] = ['parked', 'waitingForCredits', 'waitingForReconnect'];

export const LOCAL = { startToCloseTimeout: '30s', retry: { maximumInterval: '10s' } } as const;

export class RunContext {
  readonly state: RunState;
  readonly options: RunFlowInput['options'];
  /** Deliveries for waitForWebhook nodes, by wait id; the first one for a wait wins (a copy is ignored). */
  readonly arrivals = new Map<string, WebhookSignal>();
  /** How often credits were added while the run went on. */
  creditsAdded = 0;
  /** Decisions people took for parked nodes, by node key, until the node acts on them (waits/park.wait.ts). */
  readonly decisions = new Map<string, NodeDecision>();
  /** How many times each node waited for credits, and since when (workflow time; waits/credits.wait.ts). */
  readonly creditWaits = new Map<string, number>();
  readonly creditWaitSince = new Map<string, number>();
  /** Reconnects signalled, by connection id; waits for a reconnect per node and since when (waits/reconnect.wait.ts). */
  readonly reconnects = new Map<string, number>();
  readonly reconnectWaits = new Map<string, number>();
  readonly reconnectWaitSince = new Map<string, number>();
  /** How long a parked node or one waiting for credits waits before the run gives up (`7d`). */
  readonly giveUpAfter: string;
  /** Loop batches (child workflows) running now: credits and reconnect signals are passed on to them. */
  readonly activeBatches = new Set<string>();
  /** Item nodes of loop batches that told the run they wait: the batch that runs each (decisions go there). */
  readonly itemOwners = new Map<string, string>();
  /** Set in a loop batch: the run's workflow, told when an item node starts or stops waiting. */
  private readonly parentWorkflowId: string | undefined;
  private readonly reportedWaiting = new Set<string>();
  /** In a loop batch: every item node it ever told the run about. */
  private readonly reported = new Set<string>();
  /** The last status each node's events told (noteNode). */
  private readonly emittedStatus = new Map<string, string>();
  private readonly record = proxyLocalActivities<{ [RECORD_RUN_ACTIVITY]: RecordRunActivity }>(LOCAL)[RECORD_RUN_ACTIVITY];
  private readonly evaluateWithBlobs = proxyLocalActivities<{ [BlobActivities.evaluate]: (i: BlobEvaluateInput) => Promise<unknown> }>(LOCAL)[
    BlobActivities.evaluate
  ];
  /** Whether some value the run's expressions may read is a blob reference (then they are evaluated in the worker). */
  blobsSeen: boolean;
  /** The run's workflow id: this workflow's, or the run's when this is one of its loop batches. */
  readonly runWorkflowId: string;

  constructor(options: RunFlowInput['options'], o: { runWorkflowId?: string; blobsSeen?: boolean; parentWorkflowId?: string; resumed?: RunState } = {}) {
    this.options = options;
    this.parentWorkflowId = o.parentWorkflowId;
    this.runWorkflowId = o.runWorkflowId ?? workflowInfo().workflowId;
    this.blobsSeen = o.blobsSeen ?? false;
    this.giveUpAfter = options.giveUpAfter ?? '7d';
    if (o.resumed) {
      // Continued as new: the same run goes on, its state and event log whole (no second run.started).
      this.state = o.resumed;
      for (const n of Object.values(this.state.nodes)) this.emittedStatus.set(n.key, n.status);
    } else {
      this.state = { status: 'running', mode: options.mode, nodes: {}, startedAt: this.now(), events: [] };
      this.emit({ type: 'run.started', status: 'running' });
    }
    setHandler(runEventsQuery, (request) => {
      const after = Math.max(0, request?.after ?? 0);
      return { status: this.state.status, events: (this.state.events ?? []).slice(after, after + Math.min(request?.limit ?? 500, 500)) };
    });
    setHandler(runStateQuery, (request) => pageOfRunState(this.state, request?.nodesFrom ?? 0));
    setHandler(
      decideNodeUpdate,
      async (decision) => {
        this.decisions.set(decision.nodeKey, decision);
        // An item of a big loop waits in its batch: the decision goes there (the run's entry mirrors the item's).
        const owner = this.itemOwners.get(decision.nodeKey);
        if (owner) await getExternalWorkflowHandle(owner).signal(itemDecisionSignal, decision);
        return { accepted: true };
      },
      { validator: (decision) => this.validateDecision(decision) },
    );
    setHandler(awaitAnswerUpdate, async () => {
      await condition(() => this.answerReady());
      return this.answer();
    });
    setHandler(webhookSignal, (delivery) => {
      if (delivery.waitId && !this.arrivals.has(delivery.waitId)) this.arrivals.set(delivery.waitId, delivery);
    });
    setHandler(creditsAddedSignal, () => {
      this.creditsAdded++;
      this.tellBatches((h) => h.signal(creditsAddedSignal));
    });
    setHandler(connectionRestoredSignal, ({ connectionId }) => {
      this.reconnects.set(connectionId, (this.reconnects.get(connectionId) ?? 0) + 1);
      this.tellBatches((h) => h.signal(connectionRestoredSignal, { connectionId }));
    });
    setHandler(itemNodeSignal, ({ entry, batchWorkflowId }) => this.mirrorItem(entry, batchWorkflowId));
    setHandler(itemDecisionSignal, (decision) => void this.decisions.set(decision.nodeKey, decision));
  }

  /**
   * Whether the run should continue as new: its history reached the limit (RunOptions.historyEventLimit, default
   * RUN_HISTORY_EVENT_LIMIT). patched() only once the limit is reached, so shorter runs record no marker and runs from
   * before it replay unchanged.
   */
  continueAsNewDue(): boolean {
    return workflowInfo().historyLength >= (this.options.historyEventLimit ?? RUN_HISTORY_EVENT_LIMIT) && patched(CONTINUE_AS_NEW_PATCH);
  }

  /** Signals every running loop batch (a signal per batch: only runs with big loops issue these commands). */
  private tellBatches(send: (handle: ReturnType<typeof getExternalWorkflowHandle>) => Promise<void>): void {
    for (const id of this.activeBatches) void send(getExternalWorkflowHandle(id)).catch(() => undefined);
  }

  /** In a loop batch: tells the run when an item node starts waiting (parked, credits, reconnect), and how it goes on. */
  private tellParent(entry: NodeRunState): void {
    // From its first wait on, the run hears every change of the node until it ends (running again, then its end).
    if (!WAITING_STATUSES.includes(entry.status) && !this.reportedWaiting.has(entry.key)) return;
    if (['succeeded', 'failed', 'skipped'].includes(entry.status)) this.reportedWaiting.delete(entry.key);
    else this.reportedWaiting.add(entry.key);
    this.reported.add(entry.key);
    const { input: _input, output: _output, ...slim } = entry;
    void getExternalWorkflowHandle(this.parentWorkflowId!)
      .signal(itemNodeSignal, { entry: slim, batchWorkflowId: workflowInfo().workflowId })
      .catch(() => undefined);
  }

  /** In a loop batch: the item nodes it told the run about, as they are now (without input and output). */
  reportedItems(): NodeRunState[] {
    return [...this.reported].flatMap((key) => {
      const entry = this.state.nodes[key];
      if (!entry) return [];
      const { input: _input, output: _output, ...slim } = entry;
      return [slim];
    });
  }

  /**
   * In the run: a loop item's node as its batch ended (RunItemsResult.settled), in case the batch's last signal about it
   * comes later or not at all. State only: no command, nothing recorded until the run's next report.
   */
  settleItem(entry: NodeRunState): void {
    this.state.nodes[entry.key] = entry;
    this.decisions.delete(entry.key);
    this.noteNode(entry);
    if (this.state.status !== 'completed' && this.state.status !== 'failed' && this.state.status !== 'cancelled')
      this.state.status = liveRunStatus(Object.values(this.state.nodes));
  }

  /** In the run: shows a loop item's node that waits (or went on) as one of the run's nodes, so it can be decided on. */
  private mirrorItem(entry: NodeRunState, batchWorkflowId: string): void {
    this.itemOwners.set(entry.key, batchWorkflowId);
    this.state.nodes[entry.key] = entry;
    if (entry.status !== 'parked') this.decisions.delete(entry.key);
    this.noteNode(entry);
    if (this.state.status !== 'completed' && this.state.status !== 'failed' && this.state.status !== 'cancelled')
      this.state.status = liveRunStatus(Object.values(this.state.nodes));
    if (this.options.record) void this.report(false);
  }

  /** Notes a node's output (or the trigger): once one holds a blob reference, expressions are evaluated in the worker. */
  noteValue(value: unknown): void {
    if (!this.blobsSeen && containsBlobRef(value)) this.blobsSeen = true;
  }

  /**
   * Resolves a mapping (or one `{ $expr }`) over the scope; callers await it. Without blob references in sight this runs
   * here, as it always did (no command: replay unchanged; plain paths synchronously); with them, in a local activity
   * that loads the blobs, so blob bytes never enter the workflow sandbox or its history (a large result comes back as a
   * reference too).
   */
  resolve(mapping: unknown, scope: ExpressionScope): unknown {
    if (!this.blobsSeen) {
      // Plain paths are read here, without JSONata's promises (LIGHT_STEPS_PATCH); runs recorded before keep JSONata.
      const plain = resolvePaths(mapping, scope);
      if (plain !== NOT_PLAIN && patched(LIGHT_STEPS_PATCH)) return plain;
      return resolveMapping(mapping, scope);
    }
    return this.evaluateWithBlobs({ workspaceId: this.options.workspaceId, workflowId: this.runWorkflowId, mapping, scope: { ...scope } });
  }

  /** Appends an event to the run's log (state only: no commands, so replay is unchanged). */
  emit(event: Omit<RunEvent, 'seq' | 'at'>): void {
    const events = (this.state.events ??= []);
    events.push({ seq: events.length + 1, at: this.now(), ...event });
  }

  /** Records a node's status in the event log when it changed since the last event about it; call after every status change. */
  noteNode(entry: NodeRunState): void {
    if (this.emittedStatus.get(entry.key) === entry.status) return;
    if (this.parentWorkflowId) this.tellParent(entry);
    this.emittedStatus.set(entry.key, entry.status);
    this.emit({
      type: entry.status === 'running' ? 'node.started' : `node.${entry.status}`,
      nodeKey: entry.key,
      nodeId: entry.nodeId,
      nodeType: entry.type,
      status: entry.status,
      ...(entry.error && entry.status !== 'running' && entry.status !== 'succeeded' ? { error: entry.error } : {}),
    });
  }

  /** `run.responded` / `run.ended` with the output when it is small enough to travel in an event. */
  emitWithOutput(event: Omit<RunEvent, 'seq' | 'at' | 'output' | 'outputOmitted'>, output: unknown): void {
    const fits = output === undefined || JSON.stringify(output).length <= RUN_EVENT_OUTPUT_CHARS;
    this.emit({ ...event, ...(output === undefined ? {} : fits ? { output } : { outputOmitted: true }) });
  }

  /** Whether an invoke waiting for this run has something to hear (InvokeAnswer). */
  answerReady(): boolean {
    return this.state.response !== undefined || ['parked', 'completed', 'failed', 'cancelled'].includes(this.state.status);
  }

  answer(): InvokeAnswer {
    const { status, response, error } = this.state;
    const parked = status === 'parked' ? Object.values(this.state.nodes).find((n) => n.status === 'parked') : undefined;
    return {
      status,
      ...(response ? { response } : {}),
      ...(error ? { error } : {}),
      ...(parked ? { parked: { nodeKey: parked.key, ...(parked.error ? { error: parked.error } : {}) } } : {}),
    };
  }

  /** Deterministic in workflow code: the workflow task's start time. */
  now(): string {
    return new Date().toISOString();
  }

  /**
   * Writes the run's state to the database (a local activity; never cancelled, so a cancelled run still records its
   * end). Callers check `options.record` first: awaiting nothing would still add a turn, and turns decide command order.
   */
  report(final: boolean): Promise<void> {
    return CancellationScope.nonCancellable(() =>
      this.record({ runId: this.options.runId, workspaceId: this.options.workspaceId, workflowId: workflowInfo().workflowId, state: this.state, final }),
    );
  }

  /** Runs an action node's activity once (with its retry policy): one activity per node, named after the action (`http.request@1`). */
  runAction(node: ActionNode, key: string, input: unknown): Promise<ActionActivityResult> {
    const defaults = this.options.actionDefaults[node.action] ?? {};
    const retry = { ...DEFAULT_ACTION_RETRY, ...defaults.retry, ...node.retry };
    const decisions = this.state.nodes[key]?.decisions ?? [];
    // Manual retries, waits for credits and reconnects each start a new activity: its own id, its own attempts.
    const tries = decisions.filter((d) => d.action === 'retry').length + (this.creditWaits.get(key) ?? 0) + (this.reconnectWaits.get(key) ?? 0);
    const activityOptions: ActivityOptions = {
      activityId: tries === 0 ? key : `${key}#${tries + 1}`,
      startToCloseTimeout: node.timeout ?? defaults.timeout ?? DEFAULT_ACTION_TIMEOUT,
      retry: {
        maximumAttempts: retry.maximumAttempts,
        initialInterval: retry.initialInterval,
        backoffCoefficient: retry.backoffCoefficient,
        maximumInterval: retry.maximumInterval,
      },
    };
    // Heavy actions (AI, files) run on their own queue. patched() only for them: runs without one record no marker,
    // and runs recorded before the patch keep scheduling on the run's queue when replayed.
    if (defaults.queue === 'heavy' && patched(HEAVY_QUEUE_PATCH)) activityOptions.taskQueue = heavyTaskQueue(workflowInfo().taskQueue);
    // Local actions (the data step) run in this worker, as local activities; the same patch rule as above.
    const local = defaults.local === true && patched(LOCAL_ACTIONS_PATCH);
    // An imported integration's action runs as instant.call@1, told which operation (the worker reads it).
    const imported = isImportedRef(node.action);
    type Activities = Record<string, (i: ActionActivityInput) => Promise<ActionActivityResult>>;
    const name = imported ? INSTANT_CALL_ACTION : node.action;
    const activity = local
      ? proxyLocalActivities<Activities>({ startToCloseTimeout: activityOptions.startToCloseTimeout!, retry: activityOptions.retry! })[name]!
      : proxyActivities<Activities>(activityOptions)[name]!;
    // Edited input is a different request: it gets its own idempotency key (a provider would refuse the old one).
    const edits = decisions.filter((d) => d.action === 'retry' && d.editedInput).length;
    const { mode, workspaceId } = this.options;
    return activity({
      input: imported ? { ref: node.action, input } : input,
      mode,
      workspaceId,
      nodeKey: key,
      ...(edits > 0 ? { idempotencySuffix: `edit${edits}` } : {}),
      ...(this.runWorkflowId !== workflowInfo().workflowId ? { runWorkflowId: this.runWorkflowId } : {}),
      ...(local ? { activityId: activityOptions.activityId! } : {}),
    });
  }

  private validateDecision(decision: NodeDecision): void {
    const node = this.state.nodes[decision.nodeKey];
    if (node?.status !== 'parked') {
      throw new Error(`Node "${decision.nodeKey}" is ${node ? node.status : 'not part of this run'}; only a parked node can be retried, skipped or aborted`);
    }
    // Two decisions at once (two people, a bulk retry and a person): the first one wins, the other is refused, not dropped.
    const pending = this.decisions.get(decision.nodeKey);
    if (pending) throw new Error(`Node "${decision.nodeKey}" already has a decision (${pending.action}) being carried out; only one decision per park`);
  }
}
