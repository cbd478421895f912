import type { CatalogIndex } from '#core/catalog-sdk';
import { AppError } from '#core/errors';
import { walkNodes, type FlowSnapshot } from '#core/flow';
import type { FlowProblem } from '#core/validate';
import type { Db } from '#store/database';
import { getSettings, setBackendFunctions } from '#store/settings.repository';

/**
 * App Settings' Backend functions switch: instant integrations (the generic HTTP action) run only when it is on.
 * Ready-made integrations turn it on when installed (catalog.routes.ts); code steps need it too.
 */
export async function backendFunctionsProblems(db: Db, workspaceId: string, snapshot: FlowSnapshot, catalog: CatalogIndex): Promise<FlowProblem[]> {
  const nodes = [...walkNodes(snapshot)]
    .filter(({ node }) => node.type === 'code' || (node.type === 'action' && catalog.getAction(node.action)?.instant === true))
    .map(({ node }) => node);
  if (nodes.length === 0 || (await getSettings(db, workspaceId)).backendFunctions) return [];
  const names = nodes.map((n) => `"${n.id}"`).join(', ');
  const what = nodes.every((n) => n.type === 'code')
    ? `${nodes.length === 1 ? 'is a code step' : 'are code steps'}, which need them`
    : nodes.some((n) => n.type === 'code')
      ? 'are code steps or use the generic HTTP action (an instant integration), which need them'
      : `use${nodes.length === 1 ? 's' : ''} the generic HTTP action, an instant integration that needs them`;
  return [
    {
      code: 'BACKEND_FUNCTIONS_OFF',
      nodeId: nodes[0]!.id,
      message:
        `Backend functions are off for this workspace, and node${nodes.length === 1 ? '' : 's'} ${names} ${what}. ` +
        'Switch on Backend functions in App Settings (PATCH /api/settings {"backendFunctions": true}), or use a ready-made integration from the catalog.',
    },
  ];
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
