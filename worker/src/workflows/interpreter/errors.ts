/** How failures travel through the interpreter, and how an activity's failure becomes a node's error. */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { NodeError } from '#core/run';

/** A node failed and its onError says the run fails (or it gave up, or was aborted). */
export class NodeFailed extends Error {
  constructor(
    readonly nodeKey: string,
    readonly error: NodeError,
  ) {
    super(`Node "${nodeKey}" failed: ${error.message}`);
  }
}

/** The user-facing error of a failed activity: the action's own message and type, not Temporal's wrapper. */
export function describeFailure(err: unknown): NodeError {
  let cause: unknown = err;
  if (err instanceof ActivityFailure && err.cause) cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    const details = (cause.details?.[0] ?? {}) as { status?: number; connectionId?: string };
    return {
      message: cause.message,
      type: cause.type ?? 'Error',
      ...(details.status ? { status: details.status } : {}),
      ...(details.connectionId ? { connectionId: details.connectionId } : {}),
    };
  }
  if (cause instanceof Error) return { message: cause.message, type: cause.name === 'TimeoutFailure' ? 'Timeout' : cause.name };
  return { message: String(cause), type: 'Error' };
}

/** The details an action attached to its failure (the credits refusal's `needed`, the attempt). */
export function failureDetails(err: unknown): unknown {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  return cause instanceof ApplicationFailure ? cause.details?.[0] : undefined;
}

/** How many attempts the failed activity made, as the action reported it. */
export function attemptsOf(err: unknown): number | undefined {
  return (failureDetails(err) as { attempt?: number } | undefined)?.attempt;
}
