/**
 * The interpreter: one workflow that walks a flow snapshot. This file runs in Temporal's deterministic
 * sandbox: it imports only @temporalio/workflow, pure core modules and types (a lint rule enforces it).
 * Any change to the order of commands it issues breaks replay of running flows: gate such changes with
 * `patched()` and record a new history in test/replay.
 */
import { allHandlersFinished, ApplicationFailure, CancellationScope, condition, continueAsNew, isCancellation } from '@temporalio/workflow';
import { TRIGGER_ID } from '#core/graph';
import type { RunFlowInput, RunStatePage } from '#core/run';
import { pageOfRunState, UNFINISHED_NODE_STATUSES } from '#core/run';
import { NodeFailed } from './interpreter/errors';
import { RunContext } from './interpreter/run-context';
import { defaultRunOutput, lastNodeOutput } from './interpreter/scheduler';
import { ContinueRun, walkGraph } from './interpreter/walk';

export { awaitAnswerUpdate, creditsAddedSignal, decideNodeUpdate, runEventsQuery, runStateQuery, webhookSignal } from './interpreter/run-context';

/**
 * Runs a flow version to its end. The parts: `interpreter/scheduler.ts` (pure: ready nodes, joins, skips, run
 * status), `interpreter/walk.ts` (starts ready nodes), `interpreter/nodes/*.node.ts` (one handler per node kind),
 * `interpreter/run-context.ts` (state, queries, updates, signals, parking, credits). Returns the first page of the
 * final state (the whole state when it fits); the `runs` row keeps it whole.
 */
export async function runFlow({ snapshot, trigger, options, resume }: RunFlowInput): Promise<RunStatePage> {
  const run = new RunContext(options, { ...(resume ? { resumed: resume.state, blobsSeen: resume.blobsSeen } : {}) });
  const { state } = run;
  run.noteValue(trigger.data);
  const scope = { trigger, nodes: resume?.scopeNodes ?? {} };
  let failure: unknown;
  try {
    // An invoked run is waited on by an update (awaitAnswer) that a new run would not know: it never continues as new.
    const top = trigger.type === 'invoke' ? undefined : { restore: resume?.walk };
    const ended = await walkGraph(run, snapshot, TRIGGER_ID, scope, '', top);
    // An invoked run answers like a function: the end node's output, or the last node's (docs/app-side.md).
    state.output = ended ? ended.output : trigger.type === 'invoke' ? lastNodeOutput(state) : defaultRunOutput(state);
    state.status = 'completed';
    if (trigger.type === 'invoke') state.response ??= { output: state.output, at: run.now() };
  } catch (err) {
    if (err instanceof ContinueRun) return continueRun(run, { snapshot, trigger, options }, scope.nodes, err);
    failure = err;
    if (isCancellation(err)) state.status = 'cancelled';
    else {
      state.status = 'failed';
      state.error =
        err instanceof NodeFailed ? { ...err.error, nodeId: err.nodeKey } : { message: err instanceof Error ? err.message : String(err), type: 'Internal' };
    }
  }
  state.endedAt = run.now();
  // A node still parked or waiting when the run ends (cancelled, or another branch failed) did not succeed.
  for (const n of Object.values(state.nodes))
    if (n.status !== 'running' && (UNFINISHED_NODE_STATUSES as readonly string[]).includes(n.status)) {
      n.status = 'failed';
      run.noteNode(n);
    }
  run.emitWithOutput({ type: 'run.ended', status: state.status, ...(state.error ? { error: state.error } : {}) }, state.output);
  // Runs even when the workflow was cancelled, so the run's row never stays "running".
  if (options.record) await run.report(true);
  // An invoke waiting on the awaitAnswer update hears the end before the workflow closes (no commands: replay-safe).
  if (trigger.type === 'invoke') await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  if (failure !== undefined) {
    if (isCancellation(failure)) throw failure;
    throw ApplicationFailure.create({ type: 'FlowFailed', message: state.error?.message ?? 'The flow failed', nonRetryable: true, details: [state.error] });
  }
  // The local activity above got the whole state (its input never enters the history); the result is one payload.
  return pageOfRunState(state);
}

/**
 * The run's history is long and nothing is running: the same run goes on in a new Temporal run of the same workflow id,
 * with its state, event log, outputs and walk (one run to the API and the editor; node keys, and so attempt log and
 * idempotency keys, unchanged). Handlers still at work finish first, so no signal or update is lost.
 */
async function continueRun(run: RunContext, input: RunFlowInput, scopeNodes: Record<string, unknown>, at: ContinueRun): Promise<never> {
  run.state.continuedAsNew = (run.state.continuedAsNew ?? 0) + 1;
  if (input.options.record) await run.report(false);
  await condition(allHandlersFinished);
  return continueAsNew<typeof runFlow>({ ...input, resume: { state: run.state, scopeNodes, walk: at.walk, blobsSeen: run.blobsSeen } });
}
