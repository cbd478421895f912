/**
 * Names and id formats shared by the API, the worker, the store and the editor: each written once, here.
 * Plain values (no zod): workflow code and the editor import this module too.
 */
import type { RunMode } from './catalog-sdk';

/** A workspace secret's name: upper case, digits and `_`, at most 100 characters (`STRIPE_SECRET_KEY`). */
export const SECRET_NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,99}$/;
/** What to tell someone whose secret name does not match SECRET_NAME_PATTERN. */
export const SECRET_NAME_HINT = 'a secret name is UPPER_SNAKE_CASE, e.g. STRIPE_SECRET_KEY';

/** The workflow type of the flow interpreter (the exported function `runFlow` in worker/src/workflows). */
export const RUN_FLOW_WORKFLOW = 'runFlow';

/**
 * Workflow ids of runs. Each says how the run started and its mode, and is the dedupe key of that start: the same
 * app event id (or webhook event) gives the same workflow id, so it never starts a second run.
 */
export const WorkflowIds = {
  /** An app event sent to `POST /v1/events`, once per subscribed flow. */
  event: (o: { workspaceId: string; flowId: string; mode: RunMode; eventId: string }) => `event:${o.workspaceId}:${o.flowId}:${o.mode}:${o.eventId}`,
  /** A manual run (`POST /api/flows/:id/runs`); `runKey` is new for every request. */
  manual: (o: { flowId: string; mode: RunMode; runKey: string }) => `manual:${o.flowId}:${o.mode}:${o.runKey}`,
  /** An app's `POST /v1/flows/:flowKey/invoke`; `key` is its Idempotency-Key header (or a new uuid): the same key, the same run. */
  invoke: (o: { workspaceId: string; flowId: string; mode: RunMode; key: string }) => `invoke:${o.workspaceId}:${o.flowId}:${o.mode}:${o.key}`,
  /** A webhook delivery to an endpoint; `eventKey` is the provider's event id (or the body's digest). */
  webhook: (o: { endpointId: string; mode: RunMode; eventKey: string }) => `webhook:${o.endpointId}:${o.mode}:${o.eventKey}`,
  /** A fire of a flow's schedule (docs/schedules.md): once per scheduled time, so a double fire starts one run. */
  schedule: (o: { workspaceId: string; flowId: string; mode: RunMode; scheduledAt: string }) =>
    `schedule:${o.workspaceId}:${o.flowId}:${o.mode}:${o.scheduledAt}`,
} as const;

/** The workflow type a flow's Temporal Schedule starts at each fire (`scheduledFlowRun` in worker/src/workflows). */
export const SCHEDULED_FLOW_WORKFLOW = 'scheduledFlowRun';

const SCHEDULE_PREFIX = 'flow-schedule:';

/** Ids of flows' Temporal Schedules: one per published flow and mode, derived from the workspace and the flow. */
export const ScheduleIds = {
  /** The flow's schedule in this mode: `flow-schedule:<workspace>:<flow>:<mode>`. */
  flow: (o: { workspaceId: string; flowId: string; mode: RunMode }) => `${SCHEDULE_PREFIX}${o.workspaceId}:${o.flowId}:${o.mode}`,
  /** What every flow schedule id starts with (the worker's reconciliation lists them by it). */
  prefix: SCHEDULE_PREFIX,
  /** The parts of a flow schedule id, or undefined for any other schedule. */
  parse(id: string): { workspaceId: string; flowId: string; mode: RunMode } | undefined {
    if (!id.startsWith(SCHEDULE_PREFIX)) return undefined;
    const [workspaceId, flowId, mode, ...rest] = id.slice(SCHEDULE_PREFIX.length).split(':');
    if (!workspaceId || !flowId || (mode !== 'live' && mode !== 'test') || rest.length > 0) return undefined;
    return { workspaceId, flowId, mode };
  },
  /** The id the schedule's workflow gets at each fire; Temporal appends the fire time (`…-2026-12-05T09:00:00Z`). */
  fireWorkflow: (o: { workspaceId: string; flowId: string; mode: RunMode }) => `scheduled:${o.workspaceId}:${o.flowId}:${o.mode}`,
} as const;

/** The activities behind a scheduled start (worker/src/schedules/admission.ts), named once for the workflow and the worker. */
export const ScheduleActivities = {
  /** The start path's checks and the run's claim, for one fire. */
  admit: 'admitScheduledRun',
  /** The run's workflow started: the claim becomes a running run. */
  started: 'markScheduledRunStarted',
} as const;
