import type { IntegrationDefinition } from '#core/catalog-sdk';
import type { TestConnectionInput, TestConnectionResult } from '#core/run';
import { actionContext, type ActionDeps } from './actions';
import { Scrubber } from './scrub';

/**
 * Runs an integration's `testConnection` with the workspace's secrets for the mode. Runs in the worker
 * (through a one-activity workflow) so the API server never calls providers itself.
 */
export function createTestConnectionActivity(integrations: IntegrationDefinition[], deps: ActionDeps) {
  return async ({ workspaceId, integration: key, mode }: TestConnectionInput): Promise<TestConnectionResult> => {
    const integration = integrations.find((i) => i.key === key);
    if (!integration?.testConnection) return { ok: false, error: `${key} offers no connection test` };
    const scrubber = new Scrubber();
    const ctx = actionContext({ integration, deps, mode, workspaceId, nodeKey: 'test-connection', scrubber, ref: `${key}.test-connection` });
    try {
      const { detail } = await integration.testConnection(ctx);
      return { ok: true, detail: scrubber.text(detail) };
    } catch (err) {
      return { ok: false, error: scrubber.text(err instanceof Error ? err.message : String(err)) };
    }
  };
}
