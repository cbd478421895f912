import { z } from 'zod';
import { Plans } from '#core/credits';
import { toSnapshot } from '#core/flow';
import { defineRoute, type RouteDef } from '../http/route';
import type { ServerDeps } from '../deps';
import { accountOf, estimateDraft, usageOf } from '../services/credits.service';
import { draftOf, publishProblems } from '../services/flows.service';
import { actionRefsOf, catalogFor } from '../services/imported.service';

const UsageRow = z.looseObject({ mode: z.string(), charged: z.number(), listCredits: z.number(), requests: z.number() });
const UsageQuery = z.object({
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
});
/** presentAccount's answer. */
export const Account = z.object({
  plan: z.enum(Plans),
  planTitle: z.string(),
  integrations: z.boolean(),
  monthlyCredits: z.number(),
  period: z.string(),
  balance: z.number(),
  allowanceBalance: z.number(),
  topupBalance: z.number(),
  plans: z.array(z.object({ key: z.enum(Plans), title: z.string(), monthlyCredits: z.number(), integrations: z.boolean(), schedules: z.boolean() })),
});

export function creditRoutes(deps: ServerDeps): RouteDef[] {
  const { db } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/api/credits',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Credits',
      summary: "The workspace's plan and credit balance",
      responses: { 200: { description: 'Plan, balance (allowance and top-ups), period', schema: Account } },
      async handler({ auth }) {
        return { body: await accountOf(db, auth.workspaceId) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/credits/usage',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Credits',
      summary: 'Credits used, by day, integration, flow and run (live charges and test usage at list price)',
      query: UsageQuery,
      responses: {
        200: {
          description: 'Usage; `charged` is what the balance paid (0 for test), `listCredits` the list price',
          schema: z.object({
            balance: z.number(),
            plan: z.enum(Plans),
            byDay: z.array(UsageRow),
            byIntegration: z.array(UsageRow),
            byFlow: z.array(UsageRow),
            byRun: z.array(UsageRow),
          }),
        },
      },
      async handler({ auth, query }) {
        return { body: await usageOf(db, auth, query) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/flows/:flowId/estimate',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Credits',
      summary: "What one run of the flow's draft costs, and whether the workspace's plan and App Settings allow it",
      params: z.object({ flowId: z.string() }),
      responses: {
        200: {
          description: 'Credits per run (minimum), per node, notes, and what would refuse the publish (`problems`)',
          schema: z.looseObject({
            credits: z.number(),
            balance: z.number(),
            plan: z.enum(Plans),
            problems: z.array(z.looseObject({ code: z.string(), message: z.string() })),
          }),
        },
        404: { description: 'No such flow' },
      },
      async handler({ auth, params }) {
        const document = await draftOf(db, auth.workspaceId, params.flowId);
        // What would refuse the publish for this workspace: the same checks publish makes.
        const problems = await publishProblems(deps, auth.workspaceId, document);
        const { catalog } = await catalogFor(deps, auth.workspaceId, actionRefsOf(document));
        return { body: await estimateDraft(db, catalog, auth.workspaceId, toSnapshot(document), problems) };
      },
    }),
  ];
}
