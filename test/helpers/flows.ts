import crypto from 'node:crypto';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { expect } from 'vitest';
import type { RunMode } from '#core/catalog-sdk';
import { FlowDocument, toSnapshot } from '#core/flow';
import type { NodeError, RunFlowInput, RunState, TestConnectionInput, TestConnectionResult } from '#core/run';
import { startTestWorker, temporalClient } from './temporal';

/** How a test run runs: its mode and workspace, and the flow id and trigger data it reports. */
export interface RunSettings {
  mode: RunMode;
  workspaceId: string;
  /** Default `flw_test`. */
  flowId?: string;
  /** What expressions read as `trigger.data`. Default `{}`. */
  data?: unknown;
}

/** The error a failed run ended with (the failed node's message, type and status), and the node's id. */
export type RunError = NodeError & { nodeId?: string };

/** A test worker on its own task queue and a client of the dev server to run flows on it. */
export interface FlowRunner {
  client: Client;
  taskQueue: string;
  /** Stops the worker, then closes the client. */
  stop(): Promise<void>;
}

/** Starts a test worker (see startTestWorker) and connects a client, together. */
export async function startFlowRunner(o: Parameters<typeof startTestWorker>[0]): Promise<FlowRunner> {
  const [worker, temporal] = await Promise.all([startTestWorker(o), temporalClient()]);
  return {
    client: temporal.client,
    taskQueue: worker.taskQueue,
    async stop() {
      await worker.stop();
      await temporal.close();
    },
  };
}

/** A fresh workflow id, `test-<uuid>`. */
export function newWorkflowId(): string {
  return `test-${crypto.randomUUID()}`;
}

/** The input of a manual run of a whole flow document (parsed with FlowDocument): version 1, not recorded. */
export function flowInput(doc: unknown, o: RunSettings): RunFlowInput {
  return {
    snapshot: toSnapshot(FlowDocument.parse(doc)),
    trigger: { type: 'manual', data: o.data ?? {} },
    options: {
      runId: `run_${crypto.randomUUID()}`,
      workspaceId: o.workspaceId,
      flowId: o.flowId ?? 'flw_test',
      version: 1,
      mode: o.mode,
      actionDefaults: {},
      record: false,
    },
  };
}

/** The input of a manual run of `nodes` in sequence: trigger → nodes[0] → nodes[1] → … */
export function linearFlow(nodes: unknown[], o: RunSettings): RunFlowInput {
  const ids = nodes.map((n) => (n as { id: string }).id);
  const doc = {
    trigger: { type: 'manual' },
    // Integration tests check how a provider's errors fail a step: fail the run rather than park it.
    nodes: nodes.map((n) => ((n as { type?: string }).type === 'action' && !('onError' in (n as object)) ? { ...(n as object), onError: 'fail' } : n)),
    edges: ids.map((id, i) => ({ from: i === 0 ? 'trigger' : ids[i - 1]!, to: id })),
  };
  return flowInput(doc, o);
}

/** Runs `input` on the real dev server, on the worker polling `taskQueue`, and returns the final state. */
export function runFlow(client: Client, taskQueue: string, input: RunFlowInput, o: { workflowId?: string } = {}): Promise<RunState> {
  return client.workflow.execute<(i: RunFlowInput) => Promise<RunState>>('runFlow', {
    args: [input],
    taskQueue,
    workflowId: o.workflowId ?? newWorkflowId(),
  });
}

/** Runs `nodes` in sequence (see linearFlow) and returns the final state. */
export function runNodes(client: Client, taskQueue: string, nodes: unknown[], o: RunSettings & { workflowId?: string }): Promise<RunState> {
  return runFlow(client, taskQueue, linearFlow(nodes, o), o);
}

/** Runs `nodes` in sequence; returns the final state and the workflow id (the prefix of every node's idempotency key). */
export async function runNodesWithId(client: Client, taskQueue: string, nodes: unknown[], o: RunSettings): Promise<{ state: RunState; workflowId: string }> {
  const workflowId = newWorkflowId();
  const state = await runNodes(client, taskQueue, nodes, { ...o, workflowId });
  return { state, workflowId };
}

/** Awaits a run that must fail and checks that it failed as a workflow; returns that failure. */
export async function expectRunFailure(run: Promise<unknown>): Promise<WorkflowFailedError> {
  const err = await run.then(
    () => {
      throw new Error('expected the run to fail, but it completed');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return err as WorkflowFailedError;
}

/** Awaits a run that must fail; returns the run's error (the failed node's message, type, status and id). */
export async function expectRunError(run: Promise<unknown>): Promise<RunError> {
  const cause = (await expectRunFailure(run)).cause as { message: string; details?: unknown[] } | undefined;
  return { ...(cause?.details?.[0] as RunError), message: String(cause?.message) };
}

/** Runs `nodes` in sequence; the run must fail, and its error is returned. */
export function runNodesFailing(client: Client, taskQueue: string, nodes: unknown[], o: RunSettings & { workflowId?: string }): Promise<RunError> {
  return expectRunError(runNodes(client, taskQueue, nodes, o));
}

/** Runs the `testConnection` workflow for one integration of a workspace, in one mode. */
export function testConnection(client: Client, taskQueue: string, input: TestConnectionInput): Promise<TestConnectionResult> {
  return client.workflow.execute<(i: TestConnectionInput) => Promise<TestConnectionResult>>('testConnection', {
    args: [input],
    taskQueue,
    workflowId: newWorkflowId(),
  });
}

/**
 * The run helpers of one integration's tests, on `o.runner()` with flow id `flw_<integration>`; runs go to
 * `o.workspaceId()` unless told otherwise. The getters are read at each call, so they may return what a
 * `beforeAll` sets up.
 */
export function integrationFlows(integration: string, o: { runner: () => FlowRunner; workspaceId: () => string }) {
  const settings = (mode: RunMode, workspaceId: string): RunSettings => ({ mode, workspaceId, flowId: `flw_${integration}` });
  return {
    /** Runs the nodes in sequence on the real dev server. */
    run: (nodes: unknown[], mode: RunMode, workspaceId = o.workspaceId()) =>
      runNodes(o.runner().client, o.runner().taskQueue, nodes, settings(mode, workspaceId)),
    /** Runs the nodes and returns the error the run failed with. */
    runFailing: (nodes: unknown[], mode: RunMode, workspaceId = o.workspaceId()) =>
      runNodesFailing(o.runner().client, o.runner().taskQueue, nodes, settings(mode, workspaceId)),
    /** Runs the integration's connection test for a workspace. */
    testConnection: (workspaceId: string, mode: RunMode) => testConnection(o.runner().client, o.runner().taskQueue, { workspaceId, integration, mode }),
  };
}

/** A builder of action nodes with one id and action: `(inputs, extra?) => ({ id, type: 'action', action, inputs, ...extra })`. */
export function actionNode(id: string, action: string) {
  return (inputs: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ id, type: 'action', action, inputs, ...extra });
}
