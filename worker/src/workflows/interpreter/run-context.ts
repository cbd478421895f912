/**
 * What every node handler of one run shares: the run's state, its options, the handlers for queries, updates and
 * signals, and the waits a node can be in (a parked decision, credits). Workflow code: deterministic, no I/O.
 */
import {
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import { CREDITS_BALANCE_ACTIVITY, CREDITS_GIVE_UP_PATCH, CREDITS_RECHECK_MS } from '#core/credits';
import type { ActionNode } from '#core/flow';
import { durationMs } from '#core/graph';
import {
  DEFAULT_ACTION_RETRY,
  DEFAULT_ACTION_TIMEOUT,
  RECORD_RUN_ACTIVITY,
  RunQueries,
  RunSignals,
  RunUpdates,
  pageOfRunState,
  type ActionActivityInput,
  type ActionActivityResult,
  type NodeDecision,
  type NodeError,
  type NodeRunState,
  type RunFlowInput,
  type RunState,
  type RunStatePage,
  type RunStatePageRequest,
  type WebhookSignal,
} from '#core/run';
import type { RecordRunActivity } from '../../activities/record-run';
import type { CreditsBalanceActivity } from '../../credits/reset';
import { NodeFailed } from './errors';
import { liveRunStatus } from './scheduler';

/** The run's state, a page at a time (see pageOfRunState): a 1,000-node run's whole state does not fit in one payload. */
export const runStateQuery = defineQuery<RunStatePage, [RunStatePageRequest?]>(RunQueries.state);
/** Retry, skip or abort a parked node. Refused (by the validator, before anything is recorded) unless the node is parked. */
export const decideNodeUpdate = defineUpdate<{ accepted: true }, [NodeDecision]>(RunUpdates.decideNode);
/** A webhook delivery: the one that started the run (ignored here: it is the trigger), or one a waitForWebhook node waits for. */
export const webhookSignal = defineSignal<[WebhookSignal]>(RunSignals.webhook);
/** The workspace got credits: nodes waiting for credits run again. */
export const creditsAddedSignal = defineSignal(RunSignals.creditsAdded);

const LOCAL = { startToCloseTimeout: '30s', retry: { maximumInterval: '10s' } } as const;

export class RunContext {
  readonly state: RunState;
  readonly options: RunFlowInput['options'];
  /** Deliveries for waitForWebhook nodes, by wait id; the first one for a wait wins (a copy is ignored). */
  readonly arrivals = new Map<string, WebhookSignal>();
  /** How often credits were added while the run went on. */
  creditsAdded = 0;
  /** Decisions people took for parked nodes, by node key, until the node acts on them. */
  private readonly decisions = new Map<string, NodeDecision>();
  /** How many times each node waited for credits, and since when (workflow time). */
  private readonly creditWaits = new Map<string, number>();
  private readonly creditWaitSince = new Map<string, number>();
  private readonly giveUpAfter: string;
  private readonly record = proxyLocalActivities<{ [RECORD_RUN_ACTIVITY]: RecordRunActivity }>(LOCAL)[RECORD_RUN_ACTIVITY];

  constructor(options: RunFlowInput['options']) {
    this.options = options;
    this.giveUpAfter = options.giveUpAfter ?? '7d';
    this.state = { status: 'running', mode: options.mode, nodes: {}, startedAt: this.now() };
    setHandler(runStateQuery, (request) => pageOfRunState(this.state, request?.nodesFrom ?? 0));
    setHandler(
      decideNodeUpdate,
      (decision) => {
        this.decisions.set(decision.nodeKey, decision);
        return { accepted: true };
      },
      { validator: (decision) => this.validateDecision(decision) },
    );
    setHandler(webhookSignal, (delivery) => {
      if (delivery.waitId && !this.arrivals.has(delivery.waitId)) this.arrivals.set(delivery.waitId, delivery);
    });
    setHandler(creditsAddedSignal, () => void this.creditsAdded++);
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
    // Manual retries and waits for credits each start a new activity: its own id, its own attempts.
    const tries = decisions.filter((d) => d.action === 'retry').length + (this.creditWaits.get(key) ?? 0);
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
    const activity = proxyActivities<Record<string, (i: ActionActivityInput) => Promise<ActionActivityResult>>>(activityOptions)[node.action]!;
    // Edited input is a different request: it gets its own idempotency key (a provider would refuse the old one).
    const edits = decisions.filter((d) => d.action === 'retry' && d.editedInput).length;
    const { mode, workspaceId } = this.options;
    return activity({ input, mode, workspaceId, nodeKey: key, ...(edits > 0 ? { idempotencySuffix: `edit${edits}` } : {}) });
  }

  /** Parks a node whose retries are exhausted and waits for a decision, or gives up after `giveUpAfter`. */
  async park(key: string, entry: NodeRunState, error: NodeError): Promise<NodeDecision> {
    Object.assign(entry, { status: 'parked', error, endedAt: this.now() });
    this.state.status = 'parked';
    if (this.options.record) await this.report(false);
    const decided = await condition(() => this.decisions.has(key), durationMs(this.giveUpAfter as `${number}d`));
    const decision = this.decisions.get(key);
    this.state.status = liveRunStatus(Object.values(this.state.nodes).filter((n) => n.key !== key));
    if (!decided || !decision)
      throw new NodeFailed(key, { message: `Nobody retried, skipped or aborted node "${key}" within ${this.giveUpAfter}: ${error.message}`, type: 'GaveUp' });
    entry.decisions = [
      ...(entry.decisions ?? []),
      { action: decision.action, at: this.now(), ...(decision.action === 'retry' && decision.input !== undefined ? { editedInput: true } : {}) },
    ];
    if (this.options.record) await this.report(false);
    // Deleted only now: until the caller acts on the decision the node still reads as parked; this pending entry makes the validator refuse a second one.
    this.decisions.delete(key);
    return decision;
  }

  /**
   * The workspace could not pay for the node's next request: nothing was sent and nothing failed. The node (and the
   * run, unless a node is parked) shows "waiting for credits" until credits are added (the server signals every
   * waiting run), then runs again as a new activity. Credits added between the refusal and the report are seen by
   * the balance check; a recheck every hour is the safety net.
   */
  async waitForCredits(key: string, entry: NodeRunState, error: NodeError, needed: number, seen: number): Promise<void> {
    Object.assign(entry, { status: 'waitingForCredits', error });
    if (this.state.status !== 'parked') this.state.status = 'waitingForCredits';
    if (this.options.record) await this.report(false);
    const balanceNow = proxyLocalActivities<{ [CREDITS_BALANCE_ACTIVITY]: CreditsBalanceActivity }>(LOCAL)[CREDITS_BALANCE_ACTIVITY];
    // Like a parked node, a node gives up after giveUpAfter without credits (counted from its first wait). Runs
    // recorded before this patch keep rechecking every hour forever, so their histories still replay.
    const givesUp = patched(CREDITS_GIVE_UP_PATCH);
    const since = this.creditWaitSince.get(key) ?? Date.now();
    this.creditWaitSince.set(key, since);
    const limitMs = durationMs(this.giveUpAfter as `${number}d`);
    const { workspaceId } = this.options;
    if ((await balanceNow({ workspaceId })) < needed) {
      const waitMs = givesUp ? Math.max(1, Math.min(CREDITS_RECHECK_MS, since + limitMs - Date.now())) : CREDITS_RECHECK_MS;
      const added = await condition(() => this.creditsAdded > seen, waitMs);
      if (givesUp && !added && Date.now() - since >= limitMs && (await balanceNow({ workspaceId })) < needed) {
        throw new NodeFailed(key, { message: `Nobody added credits within ${this.giveUpAfter}: ${error.message}`, type: 'GaveUp' });
      }
    }
    this.creditWaits.set(key, (this.creditWaits.get(key) ?? 0) + 1);
    Object.assign(entry, { status: 'running' });
    delete entry.error;
    this.state.status = liveRunStatus(Object.values(this.state.nodes));
    if (this.options.record) await this.report(false);
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
