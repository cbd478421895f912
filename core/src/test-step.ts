import { evaluateExpression, type ExpressionScope } from './expressions';
import { TRIGGER_ID, walkNodes, type FlowDocument } from './flow';

/**
 * "Test this step" for an action node: the node's activity, once, in test mode (test secret values, or the
 * integration's sandbox where it has none; usage recorded at price 0), with the input resolved from sample data.
 */
export interface TestStepInput {
  workspaceId: string;
  /** The node's id, prefixed (`test:notify`): it makes the idempotency key, distinct from any run's. */
  nodeKey: string;
  /** The activity to run: the action ref (`http.request@1`), or instant.call@1 for an imported action. */
  activity: string;
  input: unknown;
  /** The node's own timeout, or the action's default. */
  timeout: string | number;
}

export type TestStepResult =
  { ok: true; output: unknown; simulated: boolean; ms: number } | { ok: false; error: { message: string; type?: string }; ms: number };

/** The workflow type that runs "Test this step" for an action node (code steps have their own: testCodeStep). */
export const TEST_STEP_WORKFLOW = 'testActionStep';

/**
 * The scope a step's expressions read when it is tried rather than run (Test this step, the editor's previews): the
 * trigger's pinned data, upstream outputs from earlier tests with pinned samples over them, and in a forEach body the
 * loop's first item.
 */
export async function sampleScope(document: FlowDocument, nodeId: string, outputs: Record<string, unknown> = {}): Promise<ExpressionScope> {
  const pinned = document.pinned ?? {};
  const { [TRIGGER_ID]: triggerData, ...pinnedNodes } = pinned;
  const trigger = document.trigger;
  const scope: ExpressionScope = {
    trigger: { type: trigger.type, ...(trigger.type === 'event' ? { name: trigger.event } : {}), data: triggerData ?? {} },
    nodes: { ...outputs, ...pinnedNodes },
  };
  const parent = [...walkNodes(document)].find((w) => w.node.id === nodeId)?.parent;
  if (parent) {
    const items = pinned[parent.id] ?? (await evaluateExpression(parent.items, scope).catch(() => undefined));
    if (Array.isArray(items) && items.length > 0) Object.assign(scope, { item: items[0], index: 0 });
  }
  return scope;
}
