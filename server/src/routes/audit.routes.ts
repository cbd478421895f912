import { z } from 'zod';
import { AuditActions } from '#core/access';
import { AuditList } from '#core/api';
import { defineRoute, type RouteDef } from '../http/route';
import type { ServerDeps } from '../deps';
import { readAudit } from '../services/audit.service';

/** The audit log: owners read who did what, newest first. */
export function auditRoutes({ db }: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/audit',
      scope: 'audit:read',
      tag: 'Audit',
      summary:
        "The workspace's audit log, newest first: sign-ins of its members, member, role and key changes, secret names, publishes, run operations, connections",
      query: z.object({
        limit: z.coerce.number().int().min(1).max(500).default(100),
        /** `next` of the previous page: entries before this time. */
        before: z.string().max(40).optional(),
        action: z.enum(AuditActions).optional(),
      }),
      responses: { 200: { description: 'Entries', schema: AuditList } },
      async handler({ query, auth }) {
        return { body: await readAudit(db, auth.workspaceId, query) };
      },
    }),
  ];
}
