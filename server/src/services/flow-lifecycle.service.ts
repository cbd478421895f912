import { z } from 'zod';
import { setupFor } from '#core/catalog-sdk';
import { AppError } from '#core/errors';
import { FlowDocument, walkNodes, type FlowSnapshot } from '#core/flow';
import { validateFlow } from '#core/validate';
import { validationError } from '#core/validation-error';
import * as flows from '#store/flows.repository';
import type { Db } from '#store/database';
import type { ServerDeps } from '../deps';
import { refuseCodeSyntaxErrors } from './code.service';
import { presentFlow, requireFlow, requireVersion } from './flows.service';
import { actionRefsOf, catalogFor } from './imported.service';
import { upsertFlowSchedules } from './schedules.service';
import { syncFlowEndpoint } from './webhooks.service';

type Deps = Pick<ServerDeps, 'db' | 'catalog' | 'integrations'>;

/** The file a flow is exported as: its draft and what it needs, never a secret value or a pinned sample. */
export const FLOW_EXPORT_FORMAT = 'switchyard.flow';
export const FlowExport = z.object({
  format: z.literal(FLOW_EXPORT_FORMAT),
  formatVersion: z.literal(1),
  name: z.string().min(1).max(200),
  tags: z.array(z.string()).max(20).default([]),
  exportedAt: z.string().optional(),
  document: FlowDocument,
  /** What the flow needs in the workspace it is imported into: integrations by key and secrets by name (names only). */
  requires: z.object({ integrations: z.array(z.string()), secrets: z.array(z.string()) }).optional(),
});
export type FlowExport = z.infer<typeof FlowExport>;

/** A tag: short, lower-case words joined by dashes (`billing`, `on-call`). */
export const Tag = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a tag is 1 to 32 lower-case letters, digits and dashes, e.g. billing or on-call')
  .describe('A tag');

/** A copy of a flow's draft, unpublished, named "<name> (copy)". Its runs, versions and webhook URLs are its own. */
export async function duplicateFlow(deps: Deps, workspaceId: string, flowId: string) {
  const row = await requireFlow(deps.db, workspaceId, flowId);
  const copy = await flows.insertFlow(deps.db, {
    workspaceId,
    name: `${row.name} (copy)`.slice(0, 200),
    draft: FlowDocument.parse(JSON.parse(row.draft)),
    tags: JSON.parse(row.tags) as string[],
  });
  return presentFlow(deps, workspaceId, copy);
}

/** An old version back as the draft (nothing is published): its steps, with their canvas positions where they still exist. */
export async function restoreVersion(deps: Deps, workspaceId: string, flowId: string, version: number) {
  const row = await requireFlow(deps.db, workspaceId, flowId);
  const old = await requireVersion(deps.db, workspaceId, flowId, version);
  const draft = FlowDocument.parse(JSON.parse(row.draft));
  const ids = new Set(['trigger', ...[...walkNodes(old.snapshot)].map((w) => w.node.id)]);
  const layout = Object.fromEntries(Object.entries(draft.layout).filter(([id]) => ids.has(id)));
  await flows.updateFlow(deps.db, workspaceId, flowId, { draft: { ...old.snapshot, layout } });
  return presentFlow(deps, workspaceId, await requireFlow(deps.db, workspaceId, flowId));
}

/** Enables a disabled flow: its newest published version starts on its trigger again (schedules and webhook endpoint come back). */
export async function enableFlow(deps: Pick<ServerDeps, 'db' | 'temporal' | 'logger' | 'integrations' | 'catalog'>, workspaceId: string, flowId: string) {
  const row = await requireFlow(deps.db, workspaceId, flowId);
  if (row.published_version === null) throw new AppError('CONFLICT', `Flow "${row.name}" was never published: publish it to start it`);
  const { snapshot } = await requireVersion(deps.db, workspaceId, flowId, row.published_version);
  if (snapshot.trigger.type === 'schedule') await upsertFlowSchedules(deps, workspaceId, flowId, snapshot.trigger);
  await flows.enableFlow(deps.db, workspaceId, flowId, {
    type: snapshot.trigger.type,
    event: snapshot.trigger.type === 'event' ? snapshot.trigger.event : null,
  });
  await syncFlowEndpoint(deps, workspaceId, flowId, snapshot.trigger);
  return presentFlow(deps, workspaceId, await requireFlow(deps.db, workspaceId, flowId));
}

/** Every tag in use in the workspace. */
export function flowTags(db: Db, workspaceId: string) {
  return flows.listTags(db, workspaceId);
}

export async function setFlowTags(deps: Deps, workspaceId: string, flowId: string, tags: string[]) {
  await requireFlow(deps.db, workspaceId, flowId);
  await flows.setTags(deps.db, workspaceId, flowId, [...new Set(tags)].sort());
  return presentFlow(deps, workspaceId, await requireFlow(deps.db, workspaceId, flowId));
}

/** What a flow needs: the integrations its actions belong to, and the secret names they and its code steps read. */
async function requirementsOf(deps: Deps, workspaceId: string, document: FlowDocument | FlowSnapshot) {
  const { integrations } = await catalogFor(deps, workspaceId, actionRefsOf(document));
  const keys = new Set<string>();
  const secrets = new Set<string>();
  for (const { node } of walkNodes(document)) {
    if (node.type === 'code') node.secrets.forEach((s) => secrets.add(s));
    if (node.type !== 'action') continue;
    const setup = setupFor(integrations, node.action);
    keys.add(setup?.integration.key ?? node.action.split('.')[0]!);
    setup?.variables.filter((v) => v.required !== false).forEach((v) => secrets.add(v.name));
  }
  if (document.trigger.type === 'webhook') document.trigger.secrets?.forEach((s) => secrets.add(s));
  return { integrations: [...keys].sort(), secrets: [...secrets].sort() };
}

/** The flow as a file: its draft without pinned samples (they may hold customer data), its tags and what it needs. */
export async function exportFlow(deps: Deps, workspaceId: string, flowId: string): Promise<FlowExport> {
  const row = await requireFlow(deps.db, workspaceId, flowId);
  const { pinned: _pinned, ...document } = FlowDocument.parse(JSON.parse(row.draft));
  return {
    format: FLOW_EXPORT_FORMAT,
    formatVersion: 1,
    name: row.name,
    tags: JSON.parse(row.tags) as string[],
    exportedAt: new Date().toISOString(),
    document,
    requires: await requirementsOf(deps, workspaceId, document),
  };
}

/**
 * A flow from an exported file, as a new unpublished draft. What the workspace lacks is reported, not refused: actions
 * the catalog does not have, secrets with no value, OAuth connections that are not this workspace's; and the draft's
 * problems, as the editor shows them.
 */
export async function importFlow(deps: Pick<ServerDeps, 'db' | 'catalog' | 'integrations' | 'secrets'>, workspaceId: string, file: unknown) {
  const parsed = FlowExport.safeParse(file);
  if (!parsed.success) {
    if (typeof file !== 'object' || file === null || (file as { format?: unknown }).format !== FLOW_EXPORT_FORMAT)
      throw new AppError(
        'IMPORT_INVALID',
        `This is not a Switchyard flow file: it should have "format": "${FLOW_EXPORT_FORMAT}" (export one from a flow's menu)`,
      );
    throw validationError('flow file', parsed.error);
  }
  const { name, tags, document } = parsed.data;
  await refuseCodeSyntaxErrors(document);
  const { catalog } = await catalogFor(deps, workspaceId, actionRefsOf(document));
  const unknownActions = [...new Set(actionRefsOf(document).filter((ref) => !catalog.getAction(ref)))];
  const needs = await requirementsOf(deps, workspaceId, document);
  const presence = await deps.secrets.presence(workspaceId, needs.secrets);
  const missingSecrets = needs.secrets.filter((n) => !presence.get(n)?.live && !presence.get(n)?.test);
  const row = await flows.insertFlow(deps.db, { workspaceId, name, draft: document, tags: tags.filter((t) => Tag.safeParse(t).success) });
  return {
    flow: await presentFlow(deps, workspaceId, row),
    missing: { actions: unknownActions, secrets: missingSecrets },
    problems: validateFlow(document, catalog),
  };
}
