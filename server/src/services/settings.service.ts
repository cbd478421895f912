import type { CatalogIndex } from '#core/catalog-sdk';
import { AppError } from '#core/errors';
import type { FlowSnapshot } from '#core/flow';
import { backendFunctionsProblemsFor, instantIntegrationNodes } from '#core/run-admission';
import type { FlowProblem } from '#core/validate';
import type { Db } from '#store/database';
import { getSettings, setBackendFunctions } from '#store/settings.repository';

/**
 * App Settings' Backend functions switch: instant integrations (the generic HTTP action) run only when it is on.
 * Ready-made integrations turn it on when installed (catalog.routes.ts); code steps need it too.
 */
export async function backendFunctionsProblems(db: Db, workspaceId: string, snapshot: FlowSnapshot, catalog: CatalogIndex): Promise<FlowProblem[]> {
  const nodes = instantIntegrationNodes(snapshot, catalog);
  if (nodes.length === 0 || (await getSettings(db, workspaceId)).backendFunctions) return [];
  return backendFunctionsProblemsFor(nodes);
}

/** Refuses to start a run of a version with instant integrations while the switch is off (it was turned off after publishing). */
export async function requireBackendFunctionsForRun(db: Db, workspaceId: string, snapshot: FlowSnapshot, catalog: CatalogIndex): Promise<void> {
  const problems = await backendFunctionsProblems(db, workspaceId, snapshot, catalog);
  if (problems.length > 0) throw new AppError('FORBIDDEN', problems[0]!.message, { problems });
}

/** The workspace's App Settings. */
export function readSettings(db: Db, workspaceId: string) {
  return getSettings(db, workspaceId);
}

/** Switches backend functions on or off; runs already going finish either way. */
export async function switchBackendFunctions(db: Db, workspaceId: string, on: boolean) {
  await setBackendFunctions(db, workspaceId, on);
  return getSettings(db, workspaceId);
}
