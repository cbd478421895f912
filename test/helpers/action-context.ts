import type { ActionContext, HttpClient } from '#core/catalog-sdk';

/**
 * A context for calling an action's `run` directly, outside a workflow: live mode, a silent log, fixed ids,
 * the given HTTP client and endpoint, and secrets read from `o.secrets` (`get` throws for one not there).
 */
export function testActionContext(o: { http: HttpClient; secrets: Record<string, string>; endpoint?: string; workspaceId?: string }): ActionContext {
  return {
    mode: 'live',
    http: o.http,
    log: { info() {}, warn() {}, error() {} },
    idempotencyKey: 'k',
    signal: new AbortController().signal,
    run: { workspaceId: o.workspaceId ?? 'w', workflowId: 'wf', runId: 'r', nodeId: 'n', attempt: 1 },
    secrets: {
      conceal: () => undefined,
      get: async (name: string) => {
        const value = o.secrets[name];
        if (value === undefined) throw new Error(`testActionContext: no secret ${name}`);
        return value;
      },
      find: async (name: string) => o.secrets[name],
      setting: async (name: string) => o.secrets[name],
    },
    ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}),
  };
}
