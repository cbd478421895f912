import { z } from 'zod';
import { Plans } from '#core/credits';
import { defineRoute, type RouteDef } from '../http/route';
import type { ServerDeps } from '../deps';
import { accountOf, addWorkspaceCredits, changeWorkspacePlan, requireWorkspace } from '../services/credits.service';
import { Account } from './credits.routes';
import { audit } from '../services/audit.service';
import type { AuthContext } from '../http/auth';

/** The admin token's holder, as the audit log names it. */
const ADMIN: AuthContext = { workspaceId: '', mode: 'live', keyId: '', scopes: [], actor: { type: 'admin', id: 'admin', label: 'SWITCHYARD_ADMIN_TOKEN' } };

const WorkspaceParams = z.object({ workspaceId: z.string().min(1).max(64) });
const AccountAfterChange = Account.extend({ resumedRuns: z.number().int() });

/** The admin API (SWITCHYARD_ADMIN_TOKEN only): a workspace's plan and credits. */
export function adminRoutes({ db, temporal }: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/admin/workspaces/:workspaceId/credits',
      tag: 'Admin',
      summary: "A workspace's plan and balance (admin token only)",
      auth: 'admin',
      params: WorkspaceParams,
      responses: {
        200: { description: 'Plan and balance', schema: Account },
        401: { description: 'No token' },
        403: { description: 'Not the admin token, or no admin token configured' },
        404: { description: 'No such workspace' },
      },
      async handler({ params }) {
        await requireWorkspace(db, params.workspaceId);
        return { body: await accountOf(db, params.workspaceId) };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/admin/workspaces/:workspaceId/plan',
      tag: 'Admin',
      summary: "Change a workspace's plan (an upgrade grants the rest of the new plan's monthly credits at once)",
      auth: 'admin',
      params: WorkspaceParams,
      body: z.object({ plan: z.enum(Plans) }),
      responses: {
        200: { description: 'The account after the change', schema: AccountAfterChange },
        401: { description: 'No token' },
        403: { description: 'Not the admin token, or no admin token configured' },
        404: { description: 'No such workspace' },
        503: { description: 'Temporal is unreachable; nothing was done: try again' },
      },
      async handler({ params, body, req }) {
        const result = await changeWorkspacePlan(db, temporal, params.workspaceId, body.plan);
        await audit(db, ADMIN, req, 'plan.changed', { workspaceId: params.workspaceId, details: { plan: body.plan } });
        return { body: result };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/admin/workspaces/:workspaceId/credits',
      tag: 'Admin',
      summary: 'Add credits (a top-up, never expiring) or remove some (a negative correction); runs waiting for credits resume',
      auth: 'admin',
      params: WorkspaceParams,
      body: z.object({
        // Not 0: a union (not a refine), so the rule is in the JSON Schema too.
        credits: z.union([z.number().int().min(1), z.number().int().max(-1)], { error: 'a whole number of credits other than 0' }),
        note: z.string().max(500).optional(),
      }),
      responses: {
        200: { description: 'The account after, and how many waiting runs were signalled', schema: AccountAfterChange },
        401: { description: 'No token' },
        403: { description: 'Not the admin token, or no admin token configured' },
        404: { description: 'No such workspace' },
        503: { description: 'Temporal is unreachable; nothing was done: try again' },
      },
      async handler({ params, body, req }) {
        const result = await addWorkspaceCredits(db, temporal, params.workspaceId, body);
        await audit(db, ADMIN, req, 'credits.granted', { workspaceId: params.workspaceId, details: { ...body } });
        return { body: result };
      },
    }),
  ];
}
