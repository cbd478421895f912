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
