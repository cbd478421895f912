import { isCancellation, patched } from '@temporalio/workflow';
import { CREDITS_EXHAUSTED, type CreditsExhaustedDetails } from '#core/credits';
import { hasExpressions } from '#core/expressions';
import type { ActionNode } from '#core/flow';
import { FailureTypes } from '#core/errors';
import { CREDITS_PAUSE_PATCH, PARK_FAILED_NODES_PATCH, RECONNECT_WAIT_PATCH, type ActionActivityResult, type NodeRunState } from '#core/run';
import { attemptsOf, describeFailure, failureDetails, NodeFailed } from '../errors';
import { waitForCredits } from '../waits/credits.wait';
import { waitForReconnect } from '../waits/reconnect.wait';
import { parkNode } from '../waits/park.wait';
import type { NodeContext, NodeHandler, NodeOutcome } from './node-handler';

/**
 * A catalog action, as one activity (its retry policy does the automatic retries). When they run out, `onError`
 * decides: `branch` takes the error edges, `fail` fails the run, `pause` (the default) parks the node until someone
 * retries (optionally with edited input), skips or aborts it. Out of credits, or an OAuth connection that needs a
 * reconnect, is no failure: the node waits.
 */
export const actionNode: NodeHandler<ActionNode> = (node, ctx) => activityStep(node, ctx);

/**
 * How a step that is one activity runs (a catalog action, a code step): `argument` turns the node's resolved input
 * (or the input edited at a retry) into the activity's, and `received` turns its result into the node's output.
 */
export async function activityStep(
  node: ActionNode,
  { key, entry, scope, run }: NodeContext,
  argument: (input: unknown) => unknown = (input) => input,
  received: (result: ActionActivityResult, entry: NodeRunState) => unknown = (result) => result.output,
  failed: (err: unknown, entry: NodeRunState) => void = () => undefined,
): Promise<NodeOutcome> {
  // A mapping of plain paths resolves without a promise (LIGHT_STEPS_PATCH): then nothing is awaited before the activity.
  const resolved = hasExpressions(node.inputs) ? run.resolve(node.inputs, scope) : node.inputs;
  let input = resolved instanceof Promise ? await resolved : resolved;
  entry.input = input;
  for (;;) {
    const creditsSeen = run.creditsAdded;
    const reconnectsSeen = new Map(run.reconnects);
    try {
      const result = await run.runAction(node, key, argument(input));
      entry.attempts += result.attempt;
      if (result.simulated) entry.simulated = true;
      delete entry.error;
      return { output: received(result, entry), next: {} };
    } catch (err) {
      if (isCancellation(err)) throw err;
      failed(err, entry);
      const error = describeFailure(err);
      // Out of credits is no failure: the node waits (whatever its onError) and runs again when credits come.
      if (error.type === CREDITS_EXHAUSTED && patched(CREDITS_PAUSE_PATCH)) {
        const details = failureDetails(err) as Partial<CreditsExhaustedDetails> | undefined;
        entry.attempts += (details?.attempt ?? 1) - 1; // the refused attempt sent nothing
        await waitForCredits(run, key, entry, error, details?.needed ?? 1, creditsSeen);
        continue;
      }
      entry.attempts += attemptsOf(err) ?? 1;
      // A connection that needs a person to sign in again is no failure either: the node waits for the reconnect.
      if (error.type === FailureTypes.needsReconnect && error.connectionId && patched(RECONNECT_WAIT_PATCH)) {
        await waitForReconnect(run, key, entry, error, error.connectionId, reconnectsSeen.get(error.connectionId) ?? 0);
        continue;
      }
      if (node.onError === 'branch') return { output: { error }, next: { branch: 'error' }, error };
      // Runs recorded before parking existed keep failing here, so their histories still replay.
      const onError = node.onError ?? (patched(PARK_FAILED_NODES_PATCH) ? 'pause' : 'fail');
      if (onError === 'fail') throw new NodeFailed(key, error);
      const decision = await parkNode(run, key, entry, error);
      if (decision.action === 'abort')
        throw new NodeFailed(key, { message: `Aborted${decision.reason ? `: ${decision.reason}` : ''} (after: ${error.message})`, type: 'Aborted' });
      if (decision.action === 'skip') {
        delete entry.error;
        return { output: decision.output ?? null, next: {} };
      }
      if (decision.input !== undefined) input = entry.input = decision.input;
      Object.assign(entry, { status: 'running', startedAt: run.now() });
      run.noteNode(entry);
      delete entry.endedAt;
    }
  }
}
