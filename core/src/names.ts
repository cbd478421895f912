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
  /** A webhook delivery to an endpoint; `eventKey` is the provider's event id (or the body's digest). */
  webhook: (o: { endpointId: string; mode: RunMode; eventKey: string }) => `webhook:${o.endpointId}:${o.mode}:${o.eventKey}`,
} as const;
