import type { FlowDocument } from '#core/flow';
import { getSettings, listInstallations } from '#store/settings.repository';
import { planFlow, type Plan } from '../assistant/planner';
import type { ServerDeps } from '../deps';

/**
 * The assistant: a prompt (and the flow being edited) → a draft, a question or a reason, planned offline from the
 * catalog's own words, knowing the workspace (installed integrations, secrets with a value, the Backend functions switch).
 */
export async function askAssistant(
  deps: Pick<ServerDeps, 'db' | 'integrations' | 'catalog' | 'secrets'>,
  workspaceId: string,
  request: { prompt: string; flow?: FlowDocument | undefined },
): Promise<Plan> {
  const [installed, secrets, settings] = await Promise.all([
    listInstallations(deps.db, workspaceId),
    deps.secrets.list(workspaceId),
    getSettings(deps.db, workspaceId),
  ]);
  return planFlow(
    {
      prompt: request.prompt,
      ...(request.flow ? { flow: request.flow } : {}),
      workspace: {
        installed: [...installed.keys()],
        secrets: secrets.filter((s) => s.live || s.test).map((s) => s.name),
        backendFunctions: settings.backendFunctions,
      },
    },
    { integrations: deps.integrations, index: deps.catalog, webhookSources: deps.integrations.flatMap((i) => i.webhooks ?? []) },
  );
}
