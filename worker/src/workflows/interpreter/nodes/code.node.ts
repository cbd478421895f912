import { CODE_RUN_ACTIVITY, codeLimits, type CodeRunInput, type CodeRunOutput } from '#core/code';
import type { ActionNode, CodeNode } from '#core/flow';
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
  return activityStep(step, ctx, argument, (result, entry) => {
    const out = result.output as CodeRunOutput;
    if (out.logs.length > 0) entry.logs = out.logs;
    else delete entry.logs;
    return out.value;
  });
};
