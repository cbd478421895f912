import type { WorkflowExecutionDescription, WorkflowHandle } from '@temporalio/client';
import type { temporal as proto } from '@temporalio/proto';
import { RunQueries, type NodeError, type RunState, type RunStatePage, type RunStatePageRequest } from '#core/run';
import type { TemporalAccess } from '../temporal';

/** A run's state from its workflow, every page of it (see pageOfRunState in core). */
export async function queryRunState(temporal: TemporalAccess, handle: WorkflowHandle): Promise<RunState> {
  const ask = (nodesFrom: number) => temporal.call(() => handle.query<RunStatePage, [RunStatePageRequest]>(RunQueries.state, { nodesFrom }));
  const { nextNodes, ...state } = await ask(0);
  // Node entries are only ever appended, so a later page starts where the one before ended even while the run moves on.
  for (let next = nextNodes; next !== undefined;) {
    const page = await ask(next);
    Object.assign(state.nodes, page.nodes);
    next = page.nextNodes !== undefined && page.nextNodes > next ? page.nextNodes : undefined;
  }
  return state;
}

/**
 * Why Temporal closed a workflow that did not record its own end (the interpreter records completed, failed
 * and cancelled runs itself): terminated, timed out, or failed or cancelled outside the interpreter. The run is
 * then `failed` with this as its error. Undefined for a workflow that completed.
 */
export async function closedOutside(temporal: TemporalAccess, handle: WorkflowHandle, d: WorkflowExecutionDescription): Promise<NodeError | undefined> {
  if (d.status.name === 'COMPLETED') return undefined;
  const last = (await lastEvents(temporal, handle, d.runId, 1).catch(() => []))[0];
  switch (d.status.name) {
    case 'TERMINATED': {
      const reason = last?.workflowExecutionTerminatedEventAttributes?.reason;
      return { type: 'Terminated', message: `The run was terminated in Temporal${reason ? `: ${reason}` : ' (no reason given)'}` };
    }
    case 'TIMED_OUT':
      return { type: 'Timeout', message: 'The run reached its time limit in Temporal (workflow run timeout) and was stopped' };
    case 'CANCELLED':
      return { type: 'Cancelled', message: 'The run was cancelled in Temporal before it could record its end' };
    default:
      return {
        type: 'Internal',
        message: `The run failed in Temporal: ${last?.workflowExecutionFailedEventAttributes?.failure?.message ?? 'no reason given'}`,
      };
  }
}

/**
 * A workflow whose task keeps failing (a payload over Temporal's limits, a bug in the interpreter, a
 * non-determinism after a bad deploy) stays open: Temporal retries the task, and a fixed worker resumes it.
 * So the run is not failed; its detail says it is stuck and why (the last task failure), from the second attempt on.
 */
export async function stuckWorkflowTask(
  temporal: TemporalAccess,
  handle: WorkflowHandle,
  d: WorkflowExecutionDescription,
): Promise<{ message: string; attempts: number } | undefined> {
  if (!isStuck(d)) return undefined;
  const attempts = d.raw.pendingWorkflowTask?.attempt ?? 0;
  // Retries of a failing task add no events: the last failure is among the newest events.
  const failed = (await lastEvents(temporal, handle, d.runId, 10)).find((e) => e.workflowTaskFailedEventAttributes);
  const message = failed?.workflowTaskFailedEventAttributes?.failure?.message ?? 'the workflow task fails';
  return { message: `Temporal retries its workflow task (attempt ${attempts}), which fails with: ${message}`, attempts };
}

/** Temporal is retrying the workflow's task: it failed at least once. */
export function isStuck(d: WorkflowExecutionDescription): boolean {
  return (d.raw.pendingWorkflowTask?.attempt ?? 0) >= 2;
}

async function lastEvents(temporal: TemporalAccess, handle: WorkflowHandle, runId: string, count: number): Promise<proto.api.history.v1.IHistoryEvent[]> {
  const { client } = handle;
  const res = await temporal.call(() =>
    client.workflowService.getWorkflowExecutionHistoryReverse({
      namespace: client.options.namespace,
      execution: { workflowId: handle.workflowId, runId },
      maximumPageSize: count,
    }),
  );
  return res.history?.events ?? [];
}
