import { CODE_RUN_ACTIVITY, codeLimits, type CodeRunInput, type CodeRunOutput } from '#core/code';
import type { ActionNode, CodeNode } from '#core/flow';
import type { NodeRunState } from '#core/run';
import { failureDetails } from '../errors';
import { activityStep } from './action.node';
import type { NodeHandler } from './node-handler';

/** Beyond its CPU limit, the time one attempt may spend awaiting ctx.fetch answers (a fetch times out after 30 s). */
const FETCH_ALLOWANCE_S = 120;

/**
 * A code step: one `code.run@1` activity, run like an action (retries, onError, parking, waiting for credits, manual
 * retry with edited input). The activity receives the source and the declared secret *names*; the values are read
 * in the worker. The node's output is what the function returned; its log goes into the node's state.
 */
export const codeNode: NodeHandler<CodeNode> = (node, ctx) => {
  const limits = codeLimits(node.limits);
  const step: ActionNode = {
    id: node.id,
    type: 'action',
    action: CODE_RUN_ACTIVITY,
    inputs: node.inputs,
    timeout: node.timeout ?? `${Math.ceil(limits.cpuMs / 1000) + FETCH_ALLOWANCE_S}s`,
    ...(node.retry ? { retry: node.retry } : {}),
    ...(node.onError ? { onError: node.onError } : {}),
  };
  const argument = (input: unknown): CodeRunInput => ({
    source: node.source,
    language: node.language,
    input,
    secrets: node.secrets,
    ...(node.limits ? { limits: node.limits } : {}),
  });
  const keepLogs = (logs: string[] | undefined, entry: NodeRunState) => {
    if (logs && logs.length > 0) entry.logs = logs;
    else delete entry.logs;
  };
  return activityStep(
    step,
    ctx,
    argument,
    (result, entry) => {
      const out = result.output as CodeRunOutput;
      keepLogs(out.logs, entry);
      return out.value;
    },
    // A failed attempt's log is what explains it (the code's own failures carry it in their details).
    (err, entry) => keepLogs((failureDetails(err) as { logs?: string[] } | undefined)?.logs, entry),
  );
};
