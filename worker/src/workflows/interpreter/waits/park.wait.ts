import { condition } from '@temporalio/workflow';
import { durationMs } from '#core/graph';
import type { NodeDecision, NodeError, NodeRunState } from '#core/run';
import { NodeFailed } from '../errors';
import type { RunContext } from '../run-context';
import { liveRunStatus } from '../scheduler';

/**
 * A node whose retries ran out parks: the node and the run show "parked" until someone retries it (optionally with
 * edited input), skips it or aborts it (the decideNode update, validated by RunContext), or the run gives up after
 * `giveUpAfter`. Returns the decision; the node acts on it.
 */
export async function parkNode(run: RunContext, key: string, entry: NodeRunState, error: NodeError): Promise<NodeDecision> {
  Object.assign(entry, { status: 'parked', error, endedAt: run.now() });
  run.noteNode(entry);
  run.state.status = 'parked';
  if (run.options.record) await run.report(false);
  const decided = await condition(() => run.decisions.has(key), durationMs(run.giveUpAfter as `${number}d`));
  const decision = run.decisions.get(key);
  run.state.status = liveRunStatus(Object.values(run.state.nodes).filter((n) => n.key !== key));
  if (!decided || !decision)
    throw new NodeFailed(key, { message: `Nobody retried, skipped or aborted node "${key}" within ${run.giveUpAfter}: ${error.message}`, type: 'GaveUp' });
  entry.decisions = [
    ...(entry.decisions ?? []),
    { action: decision.action, at: run.now(), ...(decision.action === 'retry' && decision.input !== undefined ? { editedInput: true } : {}) },
  ];
  if (run.options.record) await run.report(false);
  // Deleted only now: until the caller acts on the decision the node still reads as parked; this pending entry makes the validator refuse a second one.
  run.decisions.delete(key);
  return decision;
}
