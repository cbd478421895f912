import { WorkflowFailedError } from '@temporalio/client';
import { AppError } from '#core/errors';
import { durationMs } from '#core/graph';
import { ExpressionError, hasExpressions, resolveMapping } from '#core/expressions';
import { TRIGGER_ID, walkNodes, type FlowDocument, type FlowSnapshot } from '#core/flow';
import { INSTANT_CALL_ACTION, isImportedRef } from '#core/instant';
import { actionDefaultsOf } from '#core/run-admission';
import { DEFAULT_ACTION_TIMEOUT } from '#core/run';
import { sampleScope, TEST_STEP_WORKFLOW, type TestStepInput, type TestStepResult } from '#core/test-step';
import { runCost } from '#store/credits.repository';
import type { ServerDeps } from '../deps';
import { requirePlanForRun } from './credits.service';
import { requireFlow } from './flows.service';
import { catalogFor } from './imported.service';
import { requireBackendFunctionsForRun } from './settings.service';

/** How long Test this step may take: a person is waiting. */
export const TEST_STEP_TIMEOUT_MS = 30_000;

export interface TestStepRequest {
  /** The flow on screen (saved or not): its node, and its pinned samples. */
  document: FlowDocument;
  nodeId: string;
  /** Upstream nodes' outputs from earlier tests; pinned samples win over them. */
  outputs?: Record<string, unknown> | undefined;
}

/**
 * Test this step: one action node of the flow on screen, run once in test mode against sample data. The same checks
 * as a run (the plan, Backend functions for instant integrations) and the same activity; answers the resolved input,
 * the output or the error, and the credits it used at list price (a test run is not charged).
 */
export async function testStep(
  deps: Pick<ServerDeps, 'db' | 'temporal' | 'catalog' | 'integrations'>,
  workspaceId: string,
  flowId: string,
  r: TestStepRequest,
) {
  await requireFlow(deps.db, workspaceId, flowId);
  const node = [...walkNodes(r.document)].find((w) => w.node.id === r.nodeId)?.node;
  if (!node) throw new AppError('NOT_FOUND', `The flow has no step "${r.nodeId}"`);
  if (node.type !== 'action')
    throw new AppError(
      'STEP_NOT_TESTABLE',
      `Step "${node.id}" is a ${node.type} step: Test this step runs action steps (a code step has its own test in its panel)`,
      {
        nodeId: node.id,
      },
    );
  const { catalog } = await catalogFor(deps, workspaceId, [node.action]);
  const info = catalog.getAction(node.action);
  if (!info)
    throw new AppError('STEP_NOT_TESTABLE', `Step "${node.id}" uses ${node.action}, which is not in the catalog; replace it from the palette`, {
      nodeId: node.id,
    });

  const scope = await sampleScope(r.document, node.id, r.outputs);
  let input: unknown;
  try {
    input = hasExpressions(node.inputs) ? await resolveMapping(node.inputs, scope) : node.inputs;
  } catch (err) {
    if (err instanceof ExpressionError)
      throw new AppError('STEP_NOT_TESTABLE', `Step "${node.id}": ${err.message}. Pin sample data for the trigger or the steps it reads, or test them first`, {
        nodeId: node.id,
      });
    throw err;
  }
  // The run's own admission checks, for a flow of this one step.
  const single: FlowSnapshot = {
    schemaVersion: r.document.schemaVersion,
    trigger: { type: 'manual' },
    nodes: [node],
    edges: [{ from: TRIGGER_ID, to: node.id }],
  };
  await requirePlanForRun(deps.db, workspaceId, single, catalog);
  await requireBackendFunctionsForRun(deps.db, workspaceId, single, catalog);

  const imported = isImportedRef(node.action);
  const workflowId = `test-step:${workspaceId}:${flowId}:${node.id}:${Date.now()}`;
  const testInput: TestStepInput = {
    workspaceId,
    nodeKey: `test:${node.id}`,
    activity: imported ? INSTANT_CALL_ACTION : node.action,
    input: imported ? { ref: node.action, input } : input,
    // A person waits for the answer: one attempt, at most TEST_STEP_TIMEOUT_MS whatever the step's own timeout.
    timeout: Math.min(durationMs(node.timeout ?? actionDefaultsOf(single, catalog)[node.action]?.timeout ?? DEFAULT_ACTION_TIMEOUT), TEST_STEP_TIMEOUT_MS),
  };
  const { temporal } = deps;
  const started = Date.now();
  const result = await temporal
    .call(
      (client) =>
        client.workflow.execute<(i: TestStepInput) => Promise<TestStepResult>>(TEST_STEP_WORKFLOW, {
          args: [testInput],
          taskQueue: temporal.taskQueue,
          workflowId,
          workflowExecutionTimeout: TEST_STEP_TIMEOUT_MS + 5_000,
          memo: { mode: 'test', activity: testInput.activity },
        }),
      { deadlineMs: TEST_STEP_TIMEOUT_MS + 10_000 },
    )
    .catch((err: unknown): TestStepResult => {
      // No worker took it in time (or it ran out of time): an answer, not an error.
      if (err instanceof WorkflowFailedError)
        return {
          ok: false,
          error: { message: `The step did not finish within ${TEST_STEP_TIMEOUT_MS / 1000} s (is a worker running?)`, type: 'Timeout' },
          ms: Date.now() - started,
        };
      throw err;
    });
  const cost = await runCost(deps.db, workspaceId, workflowId);
  return { ...result, nodeId: node.id, input, credits: cost.listCredits };
}
