import { z } from 'zod';
import { Plans } from '../../../core/src/credits';
import { FlowDocument, toSnapshot } from '../../../core/src/flow';
import * as credits from '../../../store/src/credits.repository';
import { defineRoute, type RouteDef } from '../http/route';
import type { ServerDeps } from '../deps';
import { estimateFlow, presentAccount, requireWorkspace, resumeWaitingRuns } from '../services/credits.service';
import { publishProblems, requireFlow } from '../services/flows.service';

const UsageQuery = z.object({
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
});
const WorkspaceParams = z.object({ workspaceId: z.string().min(1).max(64) });
/** presentAccount's answer. */
const Account = z.object({
  plan: z.enum(Plans),
  planTitle: z.string(),
  integrations: z.boolean(),
  monthlyCredits: z.number(),
  period: z.string(),
  balance: z.number(),
  allowanceBalance: z.number(),
  topupBalance: z.number(),
  plans: z.array(z.object({ key: z.enum(Plans), title: z.string(), monthlyCredits: z.number(), integrations: z.boolean() })),
});
const AccountAfterChange = Account.extend({ resumedRuns: z.number().int() });

export function creditRoutes(deps: ServerDeps): RouteDef[] {
  const { db, temporal, catalog } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/api/credits',
      testKey: 'allowed',
      tag: 'Credits',
      summary: "The workspace's plan and credit balance",
      responses: { 200: { description: 'Plan, balance (allowance and top-ups), period', schema: Account } },
      async handler({ auth }) {
        return { body: presentAccount(await credits.ensureAccount(db, auth.workspaceId)) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/credits/usage',
      testKey: 'allowed',
      tag: 'Credits',
      summary: 'Credits used, by day, integration, flow and run (live charges and test usage at list price)',
      query: UsageQuery,
      responses: { 200: { description: 'Usage; `charged` is what the balance paid (0 for test), `listCredits` the list price' } },
      async handler({ auth, query }) {
        const account = await credits.ensureAccount(db, auth.workspaceId);
        return {
          body: {
            balance: account.balance,
            plan: account.plan,
            ...(await credits.usage(db, auth.workspaceId, { ...query, ...(auth.mode === 'test' ? { mode: 'test' as const } : {}) })),
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/flows/:flowId/estimate',
      testKey: 'allowed',
      tag: 'Credits',
      summary: "What one run of the flow's draft costs, and whether the workspace's plan and App Settings allow it",
      params: z.object({ flowId: z.string() }),
      responses: { 200: { description: 'Credits per run (minimum), per node, notes, plan problems' }, 404: { description: 'No such flow' } },
      async handler({ auth, params }) {
        const row = await requireFlow(db, auth.workspaceId, params.flowId);
        const document = FlowDocument.parse(JSON.parse(row.draft));
        const snapshot = toSnapshot(document);
        const account = await credits.ensureAccount(db, auth.workspaceId);
        return {
          body: {
            ...estimateFlow(snapshot, catalog),
            balance: account.balance,
            plan: account.plan,
            // What would refuse the publish for this workspace: the same checks publish makes.
            problems: await publishProblems(deps, auth.workspaceId, document),
          },
        };
      },
    }),
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
        return { body: presentAccount(await credits.ensureAccount(db, params.workspaceId)) };
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
      async handler({ params, body }) {
        await requireWorkspace(db, params.workspaceId);
        const account = await credits.changePlan(db, params.workspaceId, body.plan);
        const resumed = account.balance > 0 ? await resumeWaitingRuns(db, temporal, params.workspaceId) : 0;
        return { body: { ...presentAccount(account), resumedRuns: resumed } };
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
      async handler({ params, body }) {
        await requireWorkspace(db, params.workspaceId);
        const account = await credits.addCredits(db, {
          workspaceId: params.workspaceId,
          amount: body.credits,
          kind: body.credits > 0 ? 'topup' : 'adjustment',
          ...(body.note !== undefined ? { note: body.note } : {}),
        });
        const resumed = body.credits > 0 ? await resumeWaitingRuns(db, temporal, params.workspaceId) : 0;
        return { body: { ...presentAccount(account), resumedRuns: resumed } };
      },
    }),
  ];
}
