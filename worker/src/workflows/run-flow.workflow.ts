/**
 * The interpreter: one workflow that walks a flow snapshot. This file runs in Temporal's deterministic
 * sandbox: it imports only @temporalio/workflow, pure core modules and types (a lint rule enforces it).
 * Any change to the order of commands it issues breaks replay of running flows: gate such changes with
 * `patched()` and record a new history in test/replay.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { RetryPolicy } from '../../../core/src/catalog-sdk';
import { evaluateExpression, hasExpressions, resolveMapping, type ExpressionScope } from '../../../core/src/expressions';
import type { ActionNode, FlowEdge, FlowGraph, FlowNode, ForEachNode, WaitForWebhookNode } from '../../../core/src/flow';
import { durationMs, TRIGGER_ID } from '../../../core/src/graph';
import {
  CREDITS_BALANCE_ACTIVITY,
  CREDITS_EXHAUSTED,
  CREDITS_GIVE_UP_PATCH,
  CREDITS_RECHECK_MS,
  type CreditsExhaustedDetails,
} from '../../../core/src/credits';
import {
  CREDITS_PAUSE_PATCH,
  PARK_FAILED_NODES_PATCH,
  RECORD_RUN_ACTIVITY,
  REGISTER_WEBHOOK_WAIT_ACTIVITY,
  RunQueries,
  RunSignals,
  RunUpdates,
  pageOfRunState,
  type WebhookSignal,
  type NodeDecision,
  type ActionActivityInput,
  type ActionActivityResult,
  type NodeError,
  type NodeRunState,
  type RunFlowInput,
  type RunState,
  type RunStatePage,
  type RunStatePageRequest,
} from '../../../core/src/run';
import type { RecordRunActivity } from '../activities/record-run';
import type { CreditsBalanceActivity } from '../credits/reset';
import type { RegisterWebhookWaitActivity } from '../activities/webhook-waits';

/** The run's state, a page at a time (see pageOfRunState): a 1,000-node run's whole state does not fit in one payload. */
export const runStateQuery = defineQuery<RunStatePage, [RunStatePageRequest?]>(RunQueries.state);
/** Retry, skip or abort a parked node. Refused (by the validator, before anything is recorded) unless the node is parked. */
export const decideNodeUpdate = defineUpdate<{ accepted: true }, [NodeDecision]>(RunUpdates.decideNode);
/** A webhook delivery: the one that started the run (ignored here: it is the trigger), or one a waitForWebhook node waits for. */
export const webhookSignal = defineSignal<[WebhookSignal]>(RunSignals.webhook);
/** The workspace got credits: nodes waiting for credits run again. */
export const creditsAddedSignal = defineSignal(RunSignals.creditsAdded);

const DEFAULT_RETRY: Required<RetryPolicy> = { maximumAttempts: 5, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' };
const DEFAULT_TIMEOUT = '30s';

/** A node failed and its onError says the run fails. */
class NodeFailed extends Error {
  constructor(
    readonly nodeKey: string,
    readonly error: NodeError,
  ) {
    super(`Node "${nodeKey}" failed: ${error.message}`);
  }
}

/** Where a node sends the run next. `end` stops the graph it is in. */
type Next = { branch?: string } | { end: true; output: unknown };

/** Returns the first page of the final state (the whole state when it fits); the `runs` row keeps it whole. */
export async function runFlow({ snapshot, trigger, options }: RunFlowInput): Promise<RunStatePage> {
  const now = () => new Date().toISOString(); // deterministic in workflow code: the task's start time
  const state: RunState = { status: 'running', mode: options.mode, nodes: {}, startedAt: now() };
  setHandler(runStateQuery, (request) => pageOfRunState(state, request?.nodesFrom ?? 0));
  const record = proxyLocalActivities<{ [RECORD_RUN_ACTIVITY]: RecordRunActivity }>({ startToCloseTimeout: '30s', retry: { maximumInterval: '10s' } })[
    RECORD_RUN_ACTIVITY
  ];

  // Parked nodes and the decisions people take for them.
  const decisions = new Map<string, NodeDecision>();
  setHandler(
    decideNodeUpdate,
    (decision) => {
      decisions.set(decision.nodeKey, decision);
      return { accepted: true };
    },
    {
      validator: (decision) => {
        const node = state.nodes[decision.nodeKey];
        if (node?.status !== 'parked') {
          throw new Error(
            `Node "${decision.nodeKey}" is ${node ? node.status : 'not part of this run'}; only a parked node can be retried, skipped or aborted`,
          );
        }
        // Two decisions at once (two people, a bulk retry and a person): the first one wins, the other is refused, not dropped.
        const pending = decisions.get(decision.nodeKey);
        if (pending) throw new Error(`Node "${decision.nodeKey}" already has a decision (${pending.action}) being carried out; only one decision per park`);
      },
    },
  );
  // Deliveries for waitForWebhook nodes, by wait id; the first one for a wait wins (a copy is ignored).
  const arrivals = new Map<string, WebhookSignal>();
  setHandler(webhookSignal, (delivery) => {
    if (delivery.waitId && !arrivals.has(delivery.waitId)) arrivals.set(delivery.waitId, delivery);
  });
  // Nodes waiting for credits: how often credits were added, and how many times each node waited.
  let creditsAdded = 0;
  setHandler(creditsAddedSignal, () => void creditsAdded++);
  const creditWaits = new Map<string, number>();
  /** When each node first waited for credits (workflow time). */
  const creditWaitSince = new Map<string, number>();
  const giveUpAfter = options.giveUpAfter ?? '7d';
  const report = (final: boolean) =>
    CancellationScope.nonCancellable(() =>
      record({ runId: options.runId, workspaceId: options.workspaceId, workflowId: workflowInfo().workflowId, state, final }),
    );

  /** Parks a node whose retries are exhausted and waits for a decision, or gives up. */
  const park = async (key: string, entry: NodeRunState, error: NodeError): Promise<NodeDecision> => {
    Object.assign(entry, { status: 'parked', error, endedAt: now() });
    state.status = 'parked';
    if (options.record) await report(false);
    const decided = await condition(() => decisions.has(key), durationMs(giveUpAfter as `${number}d`));
    const decision = decisions.get(key);
    if (!Object.values(state.nodes).some((n) => n.status === 'parked' && n.key !== key))
      state.status = Object.values(state.nodes).some((n) => n.status === 'waitingForCredits') ? 'waitingForCredits' : 'running';
    if (!decided || !decision)
      throw new NodeFailed(key, { message: `Nobody retried, skipped or aborted node "${key}" within ${giveUpAfter}: ${error.message}`, type: 'GaveUp' });
    entry.decisions = [
      ...(entry.decisions ?? []),
      { action: decision.action, at: now(), ...(decision.action === 'retry' && decision.input !== undefined ? { editedInput: true } : {}) },
    ];
    if (options.record) await report(false);
    // Deleted only now: until the caller acts on the decision the node still reads as parked; this pending entry makes the validator refuse a second one.
    decisions.delete(key);
    return decision;
  };

  /**
   * The workspace could not pay for the node's next request: nothing was sent and nothing failed. The node
   * (and the run, unless a node is parked) shows "waiting for credits" until credits are added (the server
   * signals every waiting run), then runs again as a new activity. Credits added between the refusal and
   * the report are seen by the balance check; a recheck every hour is the safety net.
   */
  const waitForCredits = async (key: string, entry: NodeRunState, error: NodeError, needed: number, seen: number): Promise<void> => {
    Object.assign(entry, { status: 'waitingForCredits', error });
    if (state.status !== 'parked') state.status = 'waitingForCredits';
    if (options.record) await report(false);
    const balanceNow = proxyLocalActivities<{ [CREDITS_BALANCE_ACTIVITY]: CreditsBalanceActivity }>({
      startToCloseTimeout: '30s',
      retry: { maximumInterval: '10s' },
    })[CREDITS_BALANCE_ACTIVITY];
    // Like a parked node, a node gives up after giveUpAfter without credits (counted from its first wait). Runs
    // recorded before this patch keep rechecking every hour forever, so their histories still replay.
    const givesUp = patched(CREDITS_GIVE_UP_PATCH);
    const since = creditWaitSince.get(key) ?? Date.now();
    creditWaitSince.set(key, since);
    const limitMs = durationMs(giveUpAfter as `${number}d`);
    if ((await balanceNow({ workspaceId: options.workspaceId })) < needed) {
      const waitMs = givesUp ? Math.max(1, Math.min(CREDITS_RECHECK_MS, since + limitMs - Date.now())) : CREDITS_RECHECK_MS;
      const added = await condition(() => creditsAdded > seen, waitMs);
      if (givesUp && !added && Date.now() - since >= limitMs && (await balanceNow({ workspaceId: options.workspaceId })) < needed) {
        throw new NodeFailed(key, { message: `Nobody added credits within ${giveUpAfter}: ${error.message}`, type: 'GaveUp' });
      }
    }
    creditWaits.set(key, (creditWaits.get(key) ?? 0) + 1);
    Object.assign(entry, { status: 'running' });
    delete entry.error;
    const others = Object.values(state.nodes);
    state.status = others.some((n) => n.status === 'parked')
      ? 'parked'
      : others.some((n) => n.status === 'waitingForCredits')
        ? 'waitingForCredits'
        : 'running';
    if (options.record) await report(false);
  };

  const runAction = (node: ActionNode, key: string, input: unknown): Promise<ActionActivityResult> => {
    const defaults = options.actionDefaults[node.action] ?? {};
    const retry = { ...DEFAULT_RETRY, ...defaults.retry, ...node.retry };
    // Manual retries and waits for credits each start a new activity: its own id, its own attempts.
    const tries = (state.nodes[key]?.decisions?.filter((d) => d.action === 'retry').length ?? 0) + (creditWaits.get(key) ?? 0);
    const activityOptions: ActivityOptions = {
      activityId: tries === 0 ? key : `${key}#${tries + 1}`,
      startToCloseTimeout: node.timeout ?? defaults.timeout ?? DEFAULT_TIMEOUT,
      retry: {
        maximumAttempts: retry.maximumAttempts,
        initialInterval: retry.initialInterval,
        backoffCoefficient: retry.backoffCoefficient,
        maximumInterval: retry.maximumInterval,
      },
    };
    // One activity per action node, named after the action (`http.request@1`).
    const activity = proxyActivities<Record<string, (i: ActionActivityInput) => Promise<ActionActivityResult>>>(activityOptions)[node.action]!;
    // Edited input is a different request: it gets its own idempotency key (a provider would refuse the old one).
    const edits = state.nodes[key]?.decisions?.filter((d) => d.action === 'retry' && d.editedInput).length ?? 0;
    return activity({ input, mode: options.mode, workspaceId: options.workspaceId, nodeKey: key, ...(edits > 0 ? { idempotencySuffix: `edit${edits}` } : {}) });
  };

  /**
   * Registers the wait (the API routes matching deliveries to this run; an event buffered just before is
   * returned at once), then sleeps on a durable timer until a delivery arrives: no worker time is used.
   */
  const waitForWebhook = async (node: WaitForWebhookNode, key: string, scope: ExpressionScope, graph: FlowGraph): Promise<{ output: unknown; next: Next }> => {
    const matchValue = node.match ? await resolveMapping(node.match.equals, scope) : undefined;
    // Switchyard's run id, not Temporal's: it survives a reset (retry from the failed step), so a replayed wait keeps its id.
    const { workflowId } = workflowInfo();
    const waitId = `${workflowId}/${options.runId}/${key}`;
    const timeoutMs = durationMs(node.timeout);
    const register = proxyActivities<{ [REGISTER_WEBHOOK_WAIT_ACTIVITY]: RegisterWebhookWaitActivity }>({
      startToCloseTimeout: '30s',
      retry: { maximumInterval: '10s' },
    })[REGISTER_WEBHOOK_WAIT_ACTIVITY];
    const buffered = await register({
      waitId,
      workspaceId: options.workspaceId,
      runId: options.runId,
      workflowId,
      nodeKey: key,
      mode: options.mode,
      source: node.source,
      eventType: node.event,
      ...(node.match ? { matchField: node.match.field, matchValue } : {}),
      expiresAt: new Date(Date.now() + timeoutMs).toISOString(),
    });
    if (buffered) arrivals.set(waitId, buffered);
    const entry = state.nodes[key];
    if (entry && !arrivals.has(waitId)) entry.status = 'waitingForEvent';
    const arrived = await condition(() => arrivals.has(waitId), timeoutMs);
    const delivery = arrivals.get(waitId);
    if (arrived && delivery) {
      const output = { received: true, eventId: delivery.eventId, eventType: delivery.eventType, deliveryId: delivery.deliveryId, event: delivery.payload };
      return { output, next: {} };
    }
    const expected = `${node.source} "${node.event}" event${node.match ? ` with ${node.match.field} = ${JSON.stringify(matchValue)}` : ''}`;
    if (!graph.edges.some((e) => e.from === node.id && e.branch === 'timeout')) {
      throw new NodeFailed(key, {
        message: `No ${expected} arrived within ${node.timeout}; connect the node's timeout branch to handle this`,
        type: 'Timeout',
      });
    }
    return { output: { received: false }, next: { branch: 'timeout' } };
  };

  const execute = async (node: FlowNode, key: string, scope: ExpressionScope, graph: FlowGraph): Promise<Next> => {
    const entry: NodeRunState = { key, nodeId: node.id, type: node.type, status: 'running', attempts: 0, startedAt: now() };
    state.nodes[key] = entry;
    const succeed = (output: unknown, next: Next): Next => {
      Object.assign(entry, { status: 'succeeded', output, endedAt: now() });
      if ('branch' in next && next.branch !== undefined) entry.branch = next.branch;
      if (!('end' in next)) (scope.nodes as Record<string, unknown>)[node.id] = output;
      return next;
    };
    try {
      switch (node.type) {
        case 'action': {
          let input = hasExpressions(node.inputs) ? await resolveMapping(node.inputs, scope) : node.inputs;
          entry.input = input;
          for (;;) {
            const creditsSeen = creditsAdded;
            try {
              const result = await runAction(node, key, input);
              entry.attempts += result.attempt;
              if (result.simulated) entry.simulated = true;
              delete entry.error;
              return succeed(result.output, {});
            } catch (err) {
              if (isCancellation(err)) throw err;
              const error = describeFailure(err);
              // Out of credits is no failure: the node waits (whatever its onError) and runs again when credits come.
              if (error.type === CREDITS_EXHAUSTED && patched(CREDITS_PAUSE_PATCH)) {
                const details = failureDetails(err) as Partial<CreditsExhaustedDetails> | undefined;
                entry.attempts += (details?.attempt ?? 1) - 1; // the refused attempt sent nothing
                await waitForCredits(key, entry, error, details?.needed ?? 1, creditsSeen);
                continue;
              }
              entry.attempts += attemptsOf(err) ?? 1;
              if (node.onError === 'branch') {
                Object.assign(entry, { status: 'failed', error, branch: 'error', endedAt: now() });
                (scope.nodes as Record<string, unknown>)[node.id] = { error };
                return { branch: 'error' };
              }
              // Runs recorded before parking existed keep failing here, so their histories still replay.
              const onError = node.onError ?? (patched(PARK_FAILED_NODES_PATCH) ? 'pause' : 'fail');
              if (onError === 'fail') throw new NodeFailed(key, error);
              const decision = await park(key, entry, error);
              if (decision.action === 'abort')
                throw new NodeFailed(key, { message: `Aborted${decision.reason ? `: ${decision.reason}` : ''} (after: ${error.message})`, type: 'Aborted' });
              if (decision.action === 'skip') {
                delete entry.error;
                return succeed(decision.output ?? null, {});
              }
              if (decision.input !== undefined) input = entry.input = decision.input;
              Object.assign(entry, { status: 'running', startedAt: now() });
              delete entry.endedAt;
            }
          }
        }
        case 'condition': {
          const result = Boolean(await evaluateExpression(node.condition, scope));
          return succeed({ result }, { branch: String(result) });
        }
        case 'switch': {
          const value = await evaluateExpression(node.value, scope);
          const branch = node.cases.includes(String(value)) ? String(value) : 'default';
          return succeed({ value, branch }, { branch });
        }
        case 'delay': {
          const ms = durationMs(node.duration);
          await sleep(ms); // a durable timer: the worker holds nothing while it waits
          return succeed({ delayedMs: ms }, {});
        }
        case 'waitForWebhook': {
          const { output, next } = await waitForWebhook(node, key, scope, graph);
          return succeed(output, next);
        }
        case 'end': {
          const output = node.output === undefined ? undefined : await resolveMapping(node.output, scope);
          succeed(output, {});
          return { end: true, output };
        }
        case 'forEach':
          return succeed(await runForEach(node, key, scope), {});
      }
    } catch (err) {
      if (err instanceof NodeFailed || isCancellation(err)) {
        if (err instanceof NodeFailed && (entry.status === 'running' || entry.status === 'parked'))
          Object.assign(entry, { status: 'failed', error: err.error, endedAt: now() });
        throw err;
      }
      // Expression errors and bad data are the node's failure, named by node.
      const error: NodeError = { message: err instanceof Error ? err.message : String(err), type: err instanceof Error ? err.name : 'Error' };
      Object.assign(entry, { status: 'failed', error, endedAt: now() });
      throw new NodeFailed(key, error);
    }
  };

  const runForEach = async (node: ForEachNode, key: string, scope: ExpressionScope): Promise<unknown[]> => {
    const items = await evaluateExpression(node.items, scope);
    if (!Array.isArray(items)) {
      throw new Error(`forEach "${node.id}": items must be a list, but the expression gave ${items === undefined ? 'nothing' : typeof items}`);
    }
    const results: unknown[] = new Array(items.length);
    const bodyIds = new Set(node.body.nodes.map((n) => n.id));
    let nextIndex = 0;
    const lane = async (): Promise<void> => {
      while (nextIndex < items.length) {
        const index = nextIndex++;
        const inner: ExpressionScope = { trigger: scope.trigger, nodes: { ...(scope.nodes as Record<string, unknown>) }, item: items[index], index };
        const ended = await runGraph(node.body, node.id, inner, `${key}[${index}].`);
        const outputs = Object.fromEntries(Object.entries(inner.nodes as Record<string, unknown>).filter(([id]) => bodyIds.has(id)));
        results[index] = ended ? { ...outputs, end: ended.output } : outputs;
      }
    };
    await Promise.all(Array.from({ length: Math.min(node.concurrency, items.length) }, lane));
    return results;
  };

  /**
   * Walks one graph from its start. A node runs when every incoming edge is decided and at least one was
   * taken; when all its incoming edges are dead it is skipped and its own edges die (so joins after
   * branches wait for exactly the branches that run). Ready nodes are visited in document order, which
   * keeps the command order, and so replay, deterministic.
   */
  const runGraph = async (graph: FlowGraph, startId: string, scope: ExpressionScope, prefix: string): Promise<{ output: unknown } | undefined> => {
    const incoming = new Map<string, FlowEdge[]>();
    for (const edge of graph.edges) incoming.set(edge.to, [...(incoming.get(edge.to) ?? []), edge]);
    const decided = new Map<FlowEdge, boolean>();
    for (const edge of graph.edges) if (edge.from === startId) decided.set(edge, true);
    const started = new Set<string>();
    // Finished nodes queue up here; one waiter per turn (cheaper than racing every in-flight promise).
    const finished: { id: string; next: Next }[] = [];
    let inflight = 0;
    let failure: { error: unknown } | undefined;
    let wake: (() => void) | undefined;
    let ended: { output: unknown } | undefined;

    const decideOutgoing = (id: string, next: Next | undefined): void => {
      for (const edge of graph.edges) {
        if (edge.from !== id) continue;
        decided.set(edge, next !== undefined && !('end' in next) && edge.branch === next.branch);
      }
    };

    for (;;) {
      let progressed = true;
      while (progressed && !ended) {
        progressed = false;
        for (const node of graph.nodes) {
          if (started.has(node.id)) continue;
          const ins = incoming.get(node.id) ?? [];
          if (ins.some((e) => !decided.has(e))) continue;
          started.add(node.id);
          progressed = true;
          const key = prefix + node.id;
          if (ins.some((e) => decided.get(e))) {
            inflight++;
            execute(node, key, scope, graph).then(
              (next) => {
                finished.push({ id: node.id, next });
                wake?.();
              },
              (error: unknown) => {
                failure ??= { error };
                wake?.();
              },
            );
          } else {
            state.nodes[key] = { key, nodeId: node.id, type: node.type, status: 'skipped', attempts: 0 };
            decideOutgoing(node.id, undefined);
          }
        }
      }
      if (ended || inflight === 0) return ended;
      while (finished.length === 0 && !failure) await new Promise<void>((resolve) => (wake = resolve));
      if (failure) throw failure.error;
      const { id, next } = finished.shift()!;
      inflight--;
      if ('end' in next) ended = { output: next.output };
      else decideOutgoing(id, next);
    }
  };

  let failure: unknown;
  try {
    const ended = await runGraph(snapshot, TRIGGER_ID, { trigger, nodes: {} }, '');
    state.output = ended
      ? ended.output
      : Object.fromEntries(
          Object.values(state.nodes)
            .filter((n) => n.status === 'succeeded' && n.key === n.nodeId)
            .map((n) => [n.nodeId, n.output]),
        );
    state.status = 'completed';
  } catch (err) {
    failure = err;
    if (isCancellation(err)) state.status = 'cancelled';
    else {
      state.status = 'failed';
      state.error =
        err instanceof NodeFailed ? { ...err.error, nodeId: err.nodeKey } : { message: err instanceof Error ? err.message : String(err), type: 'Internal' };
    }
  }
  state.endedAt = now();
  // A node still parked when the run ends (cancelled, or another branch failed) did not succeed.
  for (const n of Object.values(state.nodes))
    if (n.status === 'parked' || n.status === 'waitingForCredits' || n.status === 'waitingForEvent') n.status = 'failed';
  // Runs even when the workflow was cancelled, so the run's row never stays "running".
  if (options.record) await report(true);
  if (failure !== undefined) {
    if (isCancellation(failure)) throw failure;
    throw ApplicationFailure.create({ type: 'FlowFailed', message: state.error?.message ?? 'The flow failed', nonRetryable: true, details: [state.error] });
  }
  // The local activity above got the whole state (its input never enters the history); the result is one payload.
  return pageOfRunState(state);
}

/** The user-facing error of a failed activity: the action's own message and type, not Temporal's wrapper. */
function describeFailure(err: unknown): NodeError {
  let cause: unknown = err;
  if (err instanceof ActivityFailure && err.cause) cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    const details = (cause.details?.[0] ?? {}) as { status?: number };
    return { message: cause.message, type: cause.type ?? 'Error', ...(details.status ? { status: details.status } : {}) };
  }
  if (cause instanceof Error) return { message: cause.message, type: cause.name === 'TimeoutFailure' ? 'Timeout' : cause.name };
  return { message: String(cause), type: 'Error' };
}

function failureDetails(err: unknown): unknown {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  return cause instanceof ApplicationFailure ? cause.details?.[0] : undefined;
}

function attemptsOf(err: unknown): number | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  if (cause instanceof ApplicationFailure) return (cause.details?.[0] as { attempt?: number } | undefined)?.attempt;
  return undefined;
}
