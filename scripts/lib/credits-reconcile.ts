import type { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
// A CommonJS package: Node's ESM loader sees only its default export (a named import fails at run time under tsx).
import proto from '@temporalio/proto';
import { actionPricing, actionRef, type IntegrationDefinition } from '#core/catalog-sdk';
import { chargedWorkflows, chargesOf, neverSentChargesOf, sendChecksOf } from '#store/credits.repository';
import type { Db } from '#store/database';
import { RUN_FLOW_WORKFLOW } from '#core/names';

const EventType = proto.temporal.api.enums.v1.EventType;

/** One workflow run, as Temporal's history and the ledger see it. */
export interface RunReconciliation {
  workflowId: string;
  runId: string;
  /** Attempts of metered activities that Temporal recorded (the last attempt number of each activity). */
  attempts: number;
  /** Requests charged in the ledger (one row each), and the credits they cost (list price in test mode). */
  charges: number;
  credits: number;
  /**
   * Charges of attempts the worker never finished (it was killed) whose request may not have left: the worker's send
   * journal shows the kill landed while the request was being written (at most one per kill), or there is no journal
   * verdict (it was not recovered yet, or was lost with the worker's disk: then any charge of an attempt in flight).
   */
  unconfirmed: number;
  /** Charges written just before a kill whose request never left, refunded from the worker's send journal. */
  neverSent: number;
  /** Charges for attempts Temporal has no record of: a ledger error. */
  unknown: string[];
  /** Completed attempts of per-request-priced actions with no charge at all: usage that was missed. */
  missing: string[];
}

export interface ReconcileReport {
  from: string;
  to: string;
  runs: RunReconciliation[];
  /** The runs where the ledger and Temporal do not tell the same story (unconfirmed, unknown or missing charges). */
  differences: RunReconciliation[];
  totals: { runs: number; attempts: number; charges: number; credits: number; unconfirmed: number; neverSent: number; unknown: number; missing: number };
}

/**
 * Recomputes usage for a time range from Temporal histories (every metered activity's attempts) and the
 * ledger, and lists every difference. Runs are those Temporal lists as started in the range plus those
 * with charges in it.
 */
export async function reconcileCredits(o: {
  client: Client;
  db: Db;
  integrations: IntegrationDefinition[];
  from: string;
  to: string;
  /** Only these workflow ids (tests). */
  workflowIds?: string[];
  /** Only runs of this task queue (the worker's `TEMPORAL_TASK_QUEUE`), when the namespace is shared. */
  taskQueue?: string;
}): Promise<ReconcileReport> {
  const pricing = new Map<string, ReturnType<typeof actionPricing>>();
  for (const i of o.integrations) for (const a of i.actions) pricing.set(actionRef(i, a), actionPricing(a));

  const executions = new Map<string, { workflowId: string; runId: string }>();
  if (o.workflowIds) {
    for (const workflowId of o.workflowIds) {
      const d = await o.client.workflow.getHandle(workflowId).describe();
      executions.set(`${workflowId}/${d.runId}`, { workflowId, runId: d.runId });
    }
  } else {
    if (o.taskQueue?.includes("'")) throw new Error(`Task queue ${JSON.stringify(o.taskQueue)} cannot be used in a list query`);
    const queue = o.taskQueue !== undefined ? ` AND TaskQueue = '${o.taskQueue}'` : '';
    const query = `WorkflowType = '${RUN_FLOW_WORKFLOW}' AND StartTime >= '${o.from}' AND StartTime < '${o.to}'${queue}`;
    for await (const w of o.client.workflow.list({ query })) executions.set(`${w.workflowId}/${w.runId}`, { workflowId: w.workflowId, runId: w.runId });
  }
  const charges = await chargesOf(
    o.db,
    o.workflowIds ?? [...new Set([...[...executions.values()].map((e) => e.workflowId), ...(await chargedWorkflows(o.db, o))])],
  );
  for (const c of charges) {
    const key = `${c.workflow_id}/${c.temporal_run_id}`;
    if (!executions.has(key)) executions.set(key, { workflowId: c.workflow_id!, runId: c.temporal_run_id! });
  }
  const workflowIds = [...new Set([...executions.values()].map((e) => e.workflowId))];
  const refundedUnsent = await neverSentChargesOf(o.db, workflowIds);
  const verdicts = await sendChecksOf(
    o.db,
    charges.map((c) => c.id),
  );
  const attemptRows = workflowIds.length
    ? await o.db.selectFrom('node_attempts').select(['workflow_id', 'activity_id', 'attempt', 'status']).where('workflow_id', 'in', workflowIds).execute()
    : [];

  // Histories hold payloads as stored: encrypted ones (store/src/payload-codec.ts) are decoded with the client's codecs.
  const codecs = o.client.options.loadedDataConverter.payloadCodecs;
  const runs: RunReconciliation[] = [];
  for (const { workflowId, runId } of executions.values()) {
    const activities = new Map<string, { type: string; lastAttempt: number; closed: boolean; completed: boolean; simulated: boolean }>();
    const byScheduled = new Map<string, string>();
    try {
      const history = await o.client.workflow.getHandle(workflowId, runId).fetchHistory();
      for (const e of history.events ?? []) {
        const id = String(e.eventId);
        if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
          const a = e.activityTaskScheduledEventAttributes!;
          activities.set(a.activityId!, { type: a.activityType?.name ?? '', lastAttempt: 0, closed: false, completed: false, simulated: false });
          byScheduled.set(id, a.activityId!);
        } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
          const a = e.activityTaskStartedEventAttributes!;
          const act = activities.get(byScheduled.get(String(a.scheduledEventId)) ?? '');
          if (act) act.lastAttempt = a.attempt ?? 1;
        } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
          const a = e.activityTaskCompletedEventAttributes!;
          const act = activities.get(byScheduled.get(String(a.scheduledEventId)) ?? '');
          if (act) Object.assign(act, { closed: true, completed: true, simulated: await isSimulated(a.result?.payloads?.[0], codecs) });
        } else if (
          e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED ||
          e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT ||
          e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED
        ) {
          const a =
            e.activityTaskFailedEventAttributes ??
            e.activityTaskTimedOutEventAttributes ??
            (e.activityTaskCanceledEventAttributes as { scheduledEventId?: unknown });
          const act = activities.get(byScheduled.get(String(a.scheduledEventId)) ?? '');
          if (act) act.closed = true;
        }
      }
    } catch {
      // No history (deleted by retention): every charge of the run is reported as unknown.
    }
    const metered = [...activities.entries()].filter(([, a]) => pricing.has(a.type) && pricing.get(a.type)!.kind !== 'free');
    const runCharges = charges.filter((c) => c.workflow_id === workflowId && c.temporal_run_id === runId);
    const runAttempts = attemptRows.filter((r) => r.workflow_id === workflowId);
    const interrupted = (activityId: string, attempt: number): boolean => {
      const row = runAttempts.find((r) => r.activity_id === activityId && r.attempt === attempt);
      if (row?.status !== 'running') return false;
      const act = activities.get(activityId);
      return (act?.closed ?? false) || runAttempts.some((r) => r.activity_id === activityId && r.attempt > attempt);
    };
    const report: RunReconciliation = {
      workflowId,
      runId,
      attempts: 0,
      charges: 0,
      credits: 0,
      unconfirmed: 0,
      neverSent: refundedUnsent.filter((c) => c.workflow_id === workflowId && c.temporal_run_id === runId).length,
      unknown: [],
      missing: [],
    };
    for (const [, a] of metered) report.attempts += a.lastAttempt;
    for (const c of runCharges) {
      if (c.request_index !== null) report.charges++;
      report.credits += c.mode === 'test' ? c.credits : -c.amount;
      const act = activities.get(c.activity_id ?? '');
      // A charge of an attempt still running (pending activity) has no started event yet: not an error.
      if (!act || (c.attempt ?? 0) > Math.max(act.lastAttempt, act.closed ? 0 : Number.MAX_SAFE_INTEGER)) {
        report.unknown.push(`${c.activity_id}#${c.attempt}/${c.request_index ?? 'usage'}`);
      } else if (c.request_index !== null && interrupted(c.activity_id!, c.attempt!) && verdicts.get(c.id) !== 'sent') report.unconfirmed++;
    }
    for (const [activityId, a] of metered) {
      const kind = pricing.get(a.type)!.kind;
      if (!a.completed || a.simulated || kind === 'usage') continue;
      if (!runCharges.some((c) => c.activity_id === activityId && c.attempt === a.lastAttempt)) report.missing.push(`${activityId}#${a.lastAttempt}`);
    }
    runs.push(report);
  }
  runs.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
  const differences = runs.filter((r) => r.unconfirmed > 0 || r.unknown.length > 0 || r.missing.length > 0);
  const sum = (f: (r: RunReconciliation) => number) => runs.reduce((n, r) => n + f(r), 0);
  return {
    from: o.from,
    to: o.to,
    runs,
    differences,
    totals: {
      runs: runs.length,
      attempts: sum((r) => r.attempts),
      charges: sum((r) => r.charges),
      credits: sum((r) => r.credits),
      unconfirmed: sum((r) => r.unconfirmed),
      neverSent: sum((r) => r.neverSent),
      unknown: sum((r) => r.unknown.length),
      missing: sum((r) => r.missing.length),
    },
  };
}

async function isSimulated(payload: Payload | null | undefined, codecs: PayloadCodec[]): Promise<boolean> {
  if (!payload?.data) return false;
  try {
    let plain = payload;
    for (const codec of [...codecs].reverse()) plain = (await codec.decode([plain]))[0]!;
    return (JSON.parse(Buffer.from(plain.data ?? new Uint8Array()).toString('utf8')) as { simulated?: boolean }).simulated === true;
  } catch {
    return false;
  }
}

/** The report as people read it: totals, then one line per run that differs. */
export function formatReport(r: ReconcileReport): string {
  const t = r.totals;
  const lines = [
    `Credits reconciliation ${r.from} .. ${r.to}`,
    `  runs ${t.runs}, activity attempts ${t.attempts}, requests charged ${t.charges}, credits ${t.credits}`,
    `  unconfirmed charges ${t.unconfirmed} (worker killed while the request was being written, or no journal verdict: it may not have left), unknown charges ${t.unknown}, missing charges ${t.missing}`,
    `  refunded after a crash ${t.neverSent} (charged just before a kill, request never left: the send journal showed it)`,
  ];
  if (r.differences.length === 0) lines.push('  No differences.');
  for (const d of r.differences) {
    const parts = [];
    if (d.unconfirmed) parts.push(`${d.unconfirmed} unconfirmed`);
    if (d.unknown.length) parts.push(`unknown to Temporal: ${d.unknown.join(', ')}`);
    if (d.missing.length) parts.push(`not charged: ${d.missing.join(', ')}`);
    lines.push(`  ${d.workflowId} (${d.runId}): attempts ${d.attempts}, charges ${d.charges}; ${parts.join('; ')}`);
  }
  return lines.join('\n');
}
