/**
 * `POST /v1/flows/:flowKey/invoke`: an app calls a published flow like a backend function and gets its answer
 * (docs/app-side.md). The run starts through the same path as every other start (startRun: plan, Backend
 * functions, input size, dedupe by workflow id), then the server waits on the workflow's `awaitAnswer` update.
 */
import crypto from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { CatalogIndex } from '#core/catalog-sdk';
import type { InvokeAccepted, InvokeResult } from '#core/api';
import { AppError } from '#core/errors';
import { WorkflowIds } from '#core/names';
import { RunUpdates, type InvokeAnswer, type RunState } from '#core/run';
import type { Db } from '#store/database';
import { getFlow, getVersion } from '#store/flows.repository';
import * as runs from '#store/runs.repository';
import type { TemporalAccess } from '../temporal';
import { startRun, type Caller } from './runs.service';

export interface InvokeRequest {
  flowKey: string;
  input: unknown;
  /** The Idempotency-Key header: the same key (per flow and mode) runs the flow once and answers the same. */
  idempotencyKey?: string;
  waitMs: number;
}

export type InvokeOutcome = { status: 200; body: InvokeResult } | { status: 202; body: InvokeAccepted };

export async function invokeFlow(deps: { db: Db; temporal: TemporalAccess; catalog: CatalogIndex }, caller: Caller, r: InvokeRequest): Promise<InvokeOutcome> {
  const { db, temporal, catalog } = deps;
  const flow = await getFlow(db, caller.workspaceId, r.flowKey);
  if (!flow)
    throw new AppError('NOT_FOUND', `There is no flow "${r.flowKey}" in this workspace; the flow key is the flow's id (flw_…), shown in the editor's URL`);
  if (flow.published_version === null || flow.trigger_type === null)
    throw new AppError('CONFLICT', `Flow "${flow.name}" is not published; publish it (with an invoke trigger) before your app invokes it`);
  if (flow.trigger_type !== 'invoke')
    throw new AppError(
      'CONFLICT',
      `Flow "${flow.name}" starts on its ${flow.trigger_type} trigger, not on invoke; set its trigger to "invoke" and publish it${flow.trigger_type === 'event' ? ', or send the event to POST /v1/events' : ''}`,
    );
  const version = await getVersion(db, caller.workspaceId, flow.id, flow.published_version);
  if (!version) throw new AppError('NOT_FOUND', `Flow "${flow.name}" has no version ${flow.published_version}`);
  if (caller.publishable && !(version.snapshot.trigger.type === 'invoke' && version.snapshot.trigger.public === true))
    throw new AppError(
      'FORBIDDEN',
      `Flow "${flow.name}" is not public: a publishable key (sy_pub_…) may invoke only flows whose invoke trigger is marked public. Mark it public and publish it, or call it from your backend with a secret key.`,
    );
  const key = r.idempotencyKey ?? crypto.randomUUID();
  const started = await startRun(db, temporal, catalog, {
    workspaceId: caller.workspaceId,
    flowId: flow.id,
    version: version.version,
    snapshot: version.snapshot,
    trigger: { type: 'invoke', id: key, data: r.input },
    mode: caller.mode,
    workflowId: WorkflowIds.invoke({ workspaceId: caller.workspaceId, flowId: flow.id, mode: caller.mode, key }),
  });
  const duplicate = !started.created;
  if (duplicate) await requireSameInput(db, caller, started.runId, r.input, key);
  const answer = await awaitAnswer(db, temporal, caller, started.runId, started.workflowId, r.waitMs);
  const base = { runId: started.runId, duplicate, mode: caller.mode };
  if (!answer) {
    return {
      status: 202,
      body: { ...base, status: 'running', links: { run: `/v1/runs/${started.runId}`, events: `/v1/runs/${started.runId}/events` } },
    };
  }
  if (answer.response) {
    const by = answer.response.nodeKey;
    return { status: 200, body: { ...base, status: answer.status, output: answer.response.output, ...(by ? { respondedBy: by } : {}) } };
  }
  throw answerError(flow.name, started.runId, answer);
}

/** The same key with another input is another request: refused (Stripe does the same), so a mixed-up key is seen. */
async function requireSameInput(db: Db, caller: Caller, runId: string, input: unknown, key: string): Promise<void> {
  const row = await runs.getRun(db, caller.workspaceId, runId);
  if (row && canonicalJson(row.trigger.data) !== canonicalJson(input))
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      `The Idempotency-Key "${key}" was used for run ${runId} with another input; send a new key for a new request, or the same input to get that run's answer`,
      { runId },
    );
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/**
 * The run's answer, or undefined when none came within `waitMs`. Asks the workflow (the `awaitAnswer` update, which
 * returns when a respond node ran, the run ended or parked); a workflow that already closed is answered from its row.
 */
async function awaitAnswer(
  db: Db,
  temporal: TemporalAccess,
  caller: Caller,
  runId: string,
  workflowId: string,
  waitMs: number,
): Promise<InvokeAnswer | undefined> {
  if (waitMs <= 0) return fromRow(db, caller, runId);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), waitMs);
  try {
    const handle = temporal.client.workflow.getHandle(workflowId);
    return await temporal.client.withAbortSignal(abort.signal, () => handle.executeUpdate<InvokeAnswer, []>(RunUpdates.awaitAnswer));
  } catch (err) {
    if (abort.signal.aborted) return fromRow(db, caller, runId);
    // Closed before the update reached it (or the update could not run): the run's row holds how it ended.
    if (err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError || isClosedOrMissing(err)) return fromRow(db, caller, runId);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function isClosedOrMissing(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const msg = (e as Error).message ?? '';
    if (/already completed|not found|workflow execution.*(completed|closed)/i.test(msg)) return true;
  }
  return false;
}

async function fromRow(db: Db, caller: Caller, runId: string): Promise<InvokeAnswer | undefined> {
  const row = await runs.getRun(db, caller.workspaceId, runId);
  const state = row?.state as RunState | null | undefined;
  if (!state) return undefined;
  if (state.response) return { status: state.status, response: state.response };
  if (state.status === 'failed' || state.status === 'cancelled') return { status: state.status, ...(state.error ? { error: state.error } : {}) };
  if (state.status === 'parked') {
    const parked = Object.values(state.nodes).find((n) => n.status === 'parked');
    return { status: 'parked', ...(parked ? { parked: { nodeKey: parked.key, ...(parked.error ? { error: parked.error } : {}) } } : {}) };
  }
  return undefined;
}

/** A run that ended without an answer, or parked: the status says which, the details name the node and its error. */
function answerError(flowName: string, runId: string, answer: InvokeAnswer): AppError {
  const follow = `GET /v1/runs/${runId}`;
  if (answer.status === 'parked') {
    const p = answer.parked;
    return new AppError(
      'RUN_PARKED',
      `Flow "${flowName}" parked node "${p?.nodeKey ?? '?'}" after its retries ran out${p?.error ? ` (${p.error.type}: ${p.error.message})` : ''}; it waits for someone to retry, skip or abort it in the editor. Follow the run at ${follow}.`,
      { runId, status: 'parked', nodeId: p?.nodeKey, error: p?.error },
    );
  }
  if (answer.status === 'cancelled')
    return new AppError('CONFLICT', `Run ${runId} of flow "${flowName}" was cancelled before it answered`, { runId, status: 'cancelled' });
  const e = answer.error;
  return new AppError(
    'FLOW_FAILED',
    e
      ? `Flow "${flowName}" failed${e.nodeId ? ` at node "${e.nodeId}"` : ''} (${e.type}${e.status ? `, HTTP ${e.status}` : ''}): ${e.message}. Run ${runId}: ${follow}.`
      : `Flow "${flowName}" failed. Run ${runId}: ${follow}.`,
    { runId, status: answer.status, nodeId: e?.nodeId, type: e?.type, upstreamStatus: e?.status, message: e?.message },
  );
}
