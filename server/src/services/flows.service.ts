import { z } from 'zod';
import { applyOperations, OperationError, type FlowOperation } from '#core/operations';
import { validationError } from '#core/validation-error';
import { AppError } from '#core/errors';
import { FlowDocument, toSnapshot, walkNodes, type FlowSnapshot } from '#core/flow';
import type { FlowProblem } from '#core/validate';
import { validateFlow } from '#core/validate';
import type { Db } from '#store/database';
import type { ServerDeps } from '../deps';
import { missingSetupProblems } from './catalog.service';
import { estimateDraft, planProblems } from './credits.service';
import { diffFlows } from '#core/flow-diff';
import { sampleScope } from '#core/test-step';
import { evaluateExpression } from '#core/expressions';
import { backendFunctionsProblems } from './settings.service';
import { removeFlowSchedules, upsertFlowSchedules } from './schedules.service';
import { durationMs } from '#core/graph';
import { DEFAULT_SCHEDULE_MIN_INTERVAL, scheduleProblems } from '#core/schedule';
import { codeProblems, refuseCodeSyntaxErrors } from './code.service';
import { actionRefsOf, catalogFor } from './imported.service';
import { defaultSecretName, ensureInbox, syncFlowEndpoint, webhookSources } from './webhooks.service';
import { connectionProblems } from './connections.service';
import * as flows from '#store/flows.repository';

export type FlowRow = NonNullable<Awaited<ReturnType<typeof flows.getFlow>>>;

/** The flow as the API answers it; its problems are checked against the workspace's catalog (imported integrations included). */
export async function presentFlow(deps: Pick<ServerDeps, 'db' | 'catalog' | 'integrations'>, workspaceId: string, row: FlowRow) {
  const document = FlowDocument.parse(JSON.parse(row.draft));
  const { catalog } = await catalogFor(deps, workspaceId, actionRefsOf(document));
  return {
    id: row.id,
    name: row.name,
    document,
    publishedVersion: row.published_version,
    unpublished: row.published_version !== null && row.trigger_type === null,
    tags: JSON.parse(row.tags) as string[],
    /** Problems of the draft; a draft may be saved with problems but not published. */
    problems: validateFlow(document, catalog),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A new flow, saved as a draft (a draft may have problems; only publishing refuses them). */
export async function createFlow(deps: Pick<ServerDeps, 'db' | 'catalog' | 'integrations'>, workspaceId: string, o: { name: string; document: FlowDocument }) {
  await refuseCodeSyntaxErrors(o.document);
  return presentFlow(deps, workspaceId, await flows.insertFlow(deps.db, { workspaceId, name: o.name, draft: o.document }));
}

/** The workspace's flows, newest first, without their documents. */
export async function listFlows(db: Db, workspaceId: string, page: flows.FlowFilter) {
  const rows = await flows.listFlows(db, workspaceId, page);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    publishedVersion: r.published_version,
    trigger: r.trigger_type,
    event: r.trigger_event,
    unpublished: r.published_version !== null && r.trigger_type === null,
    tags: JSON.parse(r.tags) as string[],
    updatedAt: r.updated_at,
  }));
}

/** What a draft update may carry: a new name, a whole new document, or edit operations applied to the draft. */
export interface DraftUpdate {
  name?: string;
  document?: FlowDocument;
  operations?: FlowOperation[];
}

/** Updates a draft. Operations go through the same pure function the editor uses, and the result is parsed again. */
export async function updateDraft(deps: Pick<ServerDeps, 'db' | 'catalog' | 'integrations'>, workspaceId: string, flowId: string, update: DraftUpdate) {
  const { db } = deps;
  const row = await requireFlow(db, workspaceId, flowId);
  let document = update.document ?? FlowDocument.parse(JSON.parse(row.draft));
  if (update.operations) {
    try {
      // Re-parsed, so no operation can store an invalid document.
      document = FlowDocument.parse(applyOperations(document, update.operations));
    } catch (err) {
      if (err instanceof OperationError) throw new AppError('VALIDATION_FAILED', `Operation refused: ${err.message}`);
      if (err instanceof z.ZodError) throw validationError('document after the operations', err);
      throw err;
    }
  }
  await refuseCodeSyntaxErrors(document);
  await flows.updateFlow(db, workspaceId, flowId, { ...(update.name !== undefined ? { name: update.name } : {}), draft: document });
  return presentFlow(deps, workspaceId, await requireFlow(db, workspaceId, flowId));
}

/** Deletes a flow: it stops receiving events and its schedules go; its versions and runs stay readable. */
export async function deleteFlow(deps: Pick<ServerDeps, 'db' | 'temporal' | 'logger'>, workspaceId: string, flowId: string): Promise<void> {
  const row = await requireFlow(deps.db, workspaceId, flowId);
  if (!(await flows.deleteFlow(deps.db, workspaceId, flowId))) throw new AppError('NOT_FOUND', `There is no flow "${flowId}" in this workspace`);
  if (row.trigger_type === 'schedule') await removeFlowSchedules(deps, workspaceId, flowId);
}

/** Unpublishes a flow: its trigger no longer starts it (app events, webhooks) and its schedules go; publishing again brings it back. */
export async function unpublishFlow(deps: Pick<ServerDeps, 'db' | 'temporal' | 'logger'>, workspaceId: string, flowId: string) {
  const row = await requireFlow(deps.db, workspaceId, flowId);
  if (row.published_version === null) throw new AppError('CONFLICT', `Flow "${flowId}" has never been published`);
  await flows.unpublishFlow(deps.db, workspaceId, flowId);
  if (row.trigger_type === 'schedule') await removeFlowSchedules(deps, workspaceId, flowId);
  return { flowId, publishedVersion: row.published_version, published: false };
}

/** A flow's published versions, newest first. */
export async function listVersions(db: Db, workspaceId: string, flowId: string) {
  await requireFlow(db, workspaceId, flowId);
  const rows = await flows.listVersions(db, workspaceId, flowId);
  return rows.map((v) => ({ version: v.version, note: v.note, publishedAt: v.published_at }));
}

/** A flow's draft document, parsed. */
export async function draftOf(db: Db, workspaceId: string, flowId: string): Promise<FlowDocument> {
  return FlowDocument.parse(JSON.parse((await requireFlow(db, workspaceId, flowId)).draft));
}

export async function requireFlow(db: Db, workspaceId: string, flowId: string): Promise<FlowRow> {
  const row = await flows.getFlow(db, workspaceId, flowId);
  // Another workspace's flow is indistinguishable from a missing one.
  if (!row) throw new AppError('NOT_FOUND', `There is no flow "${flowId}" in this workspace`);
  return row;
}

/**
 * Everything that would refuse publishing this document in this workspace, in the order publish checks it: the
 * graph itself (and triggers not built yet), then missing setup variables, the plan, and App Settings' Backend
 * functions switch (each later check only once the earlier ones pass). The one list publish, the cost estimate and
 * so the editor's publish dialog show: a check added here is made everywhere.
 */
export async function publishProblems(
  deps: Pick<ServerDeps, 'db' | 'catalog' | 'integrations' | 'secrets' | 'scheduleMinIntervalMs' | 'connections'>,
  workspaceId: string,
  document: FlowDocument,
): Promise<FlowProblem[]> {
  const { db } = deps;
  // Imported integrations' actions are found in the versions the document pins.
  const { catalog, integrations } = await catalogFor(deps, workspaceId, actionRefsOf(document));
  const problems = validateFlow(document, catalog);
  // A schedule Temporal could run: a cron that parses, a known zone, an end after the start, not too often.
  if (document.trigger.type === 'schedule')
    problems.push(...scheduleProblems(document.trigger, { minIntervalMs: deps.scheduleMinIntervalMs ?? durationMs(DEFAULT_SCHEDULE_MIN_INTERVAL) }));
  // Code steps: compile errors (line and column), a missing default export, imports outside the allowed set, undeclared secrets.
  if (problems.length === 0) problems.push(...(await codeProblems(deps.secrets, workspaceId, document)));
  if (problems.length > 0) return problems;
  const snapshot = toSnapshot(document);
  const later = [
    () => missingSetupProblems(deps.secrets, workspaceId, integrations, snapshot),
    // OAuth actions: a connection of the right provider, named by node and field.
    () => connectionProblems(deps, workspaceId, snapshot),
    // Free has no integrations: the problem names the plan and the nodes that use one.
    () => planProblems(db, workspaceId, snapshot, catalog),
    // Instant integrations (the generic HTTP action) need App Settings' Backend functions switch.
    () => backendFunctionsProblems(db, workspaceId, snapshot, catalog),
  ];
  for (const check of later) {
    const found = await check();
    if (found.length > 0) return found;
  }
  return [];
}

/**
 * What the publish dialog shows before anything is saved, for the document on screen: every problem publish would
 * refuse it for (the same checks), what one run costs (the estimate the metering follows, per node), and what changes
 * from the published version.
 */
export async function checkPublish(deps: Parameters<typeof publishProblems>[0], workspaceId: string, flowId: string, document: FlowDocument) {
  const row = await requireFlow(deps.db, workspaceId, flowId);
  const problems = await publishProblems(deps, workspaceId, document);
  const snapshot = toSnapshot(document);
  const { catalog } = await catalogFor(deps, workspaceId, actionRefsOf(document));
  const { problems: _, ...estimate } = await estimateDraft(deps.db, catalog, workspaceId, snapshot, [], await sampleItemCounts(document));
  const published = row.published_version !== null ? await flows.getVersion(deps.db, workspaceId, flowId, row.published_version) : undefined;
  return {
    problems,
    estimate,
    publishedVersion: row.published_version,
    changes: diffFlows(published?.snapshot, snapshot),
  };
}

/**
 * Each forEach's item count on the draft's pinned sample data (a loop whose items do not evaluate to a list is left
 * out). Only plain paths (`trigger.data.items`, `nodes.list.body.rows`) are evaluated, for at most 200 loops: the check
 * runs on every open of the publish dialog and must stay cheap whatever the document holds.
 */
async function sampleItemCounts(document: FlowDocument): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (!document.pinned) return counts;
  const plainPath = /^\s*[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\d+\])*\s*$/;
  let evaluated = 0;
  for (const { node } of walkNodes(document)) {
    if (node.type !== 'forEach' || !plainPath.test(node.items) || ++evaluated > 200) continue;
    const scope = await sampleScope(document, node.id);
    const items = await evaluateExpression(node.items, scope).catch(() => undefined);
    if (Array.isArray(items)) counts.set(node.id, items.length);
  }
  return counts;
}

/**
 * Publishes the draft as the next immutable version, or refuses with every problem by node. A schedule trigger's
 * Temporal Schedule is created or updated first (a schedule Temporal refuses publishes nothing; a fire always runs the
 * newest published version); one that is no longer wanted is deleted after.
 */
export async function publishFlow(
  deps: Pick<ServerDeps, 'db' | 'catalog' | 'integrations' | 'secrets' | 'temporal' | 'logger' | 'scheduleMinIntervalMs'>,
  workspaceId: string,
  flowId: string,
  note: string | undefined,
) {
  const { db } = deps;
  const row = await requireFlow(db, workspaceId, flowId);
  const document = FlowDocument.parse(JSON.parse(row.draft));
  const problems = await publishProblems(deps, workspaceId, document);
  if (problems.length > 0) {
    throw new AppError(
      'FLOW_INVALID',
      `The flow cannot be published: ${problems.length} problem${problems.length === 1 ? '' : 's'} (${problems
        .map((p) => p.message)
        .slice(0, 3)
        .join('; ')}${problems.length > 3 ? '; …' : ''})`,
      { problems },
    );
  }
  const snapshot = toSnapshot(document);
  if (snapshot.trigger.type === 'schedule') await upsertFlowSchedules(deps, workspaceId, flowId, snapshot.trigger);
  const version = await flows.publishVersion(db, {
    workspaceId,
    flowId,
    snapshot,
    ...(note !== undefined ? { note } : {}),
    triggerType: snapshot.trigger.type,
    triggerEvent: snapshot.trigger.type === 'event' ? snapshot.trigger.event : null,
  });
  if (!version) throw new AppError('NOT_FOUND', `There is no flow "${flowId}" in this workspace`);
  if (row.trigger_type === 'schedule' && snapshot.trigger.type !== 'schedule') await removeFlowSchedules(deps, workspaceId, flowId);
  // A webhook trigger gets its endpoint (same URLs on every publish); waitForWebhook nodes get their source's inbox.
  const endpoint = await syncFlowEndpoint(deps, workspaceId, flowId, snapshot.trigger);
  for (const source of new Set([...walkNodes(snapshot)].flatMap(({ node }) => (node.type === 'waitForWebhook' ? [node.source] : [])))) {
    await ensureInbox(deps, workspaceId, { source, onlyIfMissing: true });
  }
  // The sender's signing secret often exists only once it has the URL: a missing one warns, it does not refuse.
  const warnings = await webhookSecretProblems(deps, workspaceId, document);
  return {
    flowId,
    version: version.version,
    note: version.note,
    publishedAt: version.published_at,
    ...(endpoint ? { webhook: { endpointId: endpoint.id, livePath: `/hooks/${endpoint.live_path}`, testPath: `/hooks/${endpoint.test_path}` } } : {}),
    ...(warnings.length ? { warnings } : {}),
  };
}

export async function requireVersion(
  db: Db,
  workspaceId: string,
  flowId: string,
  version: number,
): Promise<{ version: number; snapshot: FlowSnapshot; note: string | null; publishedAt: string }> {
  const row = await flows.getVersion(db, workspaceId, flowId, version);
  if (!row) throw new AppError('NOT_FOUND', `Flow "${flowId}" has no version ${version}`);
  return { version: row.version, snapshot: row.snapshot, note: row.note, publishedAt: row.published_at };
}

/** A webhook trigger whose signing secrets (or public tokens) have no value yet refuses every delivery (401) until one is set. */
async function webhookSecretProblems(deps: Pick<ServerDeps, 'secrets' | 'integrations'>, workspaceId: string, document: FlowDocument): Promise<FlowProblem[]> {
  const trigger = document.trigger;
  if (trigger.type !== 'webhook') return [];
  const names = trigger.secrets ?? [defaultSecretName(deps, trigger.source)];
  const presence = await deps.secrets.presence(workspaceId, names);
  if (names.some((n) => presence.get(n)?.live || presence.get(n)?.test)) return [];
  const where =
    trigger.source === 'public'
      ? `a token of your choosing, which the sender puts in the X-Switchyard-Token header`
      : (webhookSources(deps).get(trigger.source)?.whereToGet ?? 'the signing secret the sender shows for this endpoint');
  return [
    {
      code: 'MISSING_SETUP_VARIABLE',
      field: 'trigger.secrets',
      message: `The webhook trigger verifies deliveries with the secret ${names.join(' or ')}, which has no value yet: add it in Secrets (${where})`,
    },
  ];
}
