import { z } from 'zod';
import { readSettings, switchBackendFunctions } from '../services/settings.service';
import { defineRoute, type RouteDef } from '../http/route';
import type { ServerDeps } from '../deps';
import { audit } from '../services/audit.service';

const Settings = z.object({ backendFunctions: z.boolean(), updatedAt: z.string().nullable() });

/** App Settings: the workspace's switches. */
export function settingsRoutes({ db }: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/settings',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'App Settings',
      summary: 'App Settings: whether backend functions are on',
      responses: { 200: { description: 'Settings', schema: Settings } },
      async handler({ auth }) {
        return { body: await readSettings(db, auth.workspaceId) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/settings',
      scope: 'settings:write',
      tag: 'App Settings',
      summary: 'Switch backend functions on or off (instant integrations and code steps need them)',
      body: z.object({ backendFunctions: z.boolean() }),
      responses: { 200: { description: 'Settings', schema: Settings } },
      async handler({ body, auth, req }) {
        const result = await switchBackendFunctions(db, auth.workspaceId, body.backendFunctions);
        await audit(db, auth, req, 'settings.changed', { details: { backendFunctions: body.backendFunctions } });
        return { body: result };
      },
    }),
  ];
}
