import { z } from 'zod';
import { FlowVersionDetail, VersionList } from '#core/api';
import { defineRoute, type RouteDef } from '../http/route';
import { listVersions, requireVersion } from '../services/flows.service';
import type { ServerDeps } from '../deps';
import { FlowParams } from './flows.routes';

/** A flow's published versions: immutable snapshots, the one a run finishes on. */
export function versionRoutes({ db }: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/flows/:flowId/versions',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Flows',
      summary: 'List published versions, newest first',
      params: FlowParams,
      responses: { 200: { description: 'Versions', schema: VersionList }, 404: { description: 'No such flow' } },
      async handler({ params, auth }) {
        return { body: { versions: await listVersions(db, auth.workspaceId, params.flowId) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/flows/:flowId/versions/:version',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Flows',
      summary: 'Read one published version (read-only snapshot)',
      params: FlowParams.extend({ version: z.coerce.number().int().min(1) }),
      responses: {
        200: {
          description: 'The version',
          schema: FlowVersionDetail,
        },
        404: { description: 'No such version' },
      },
      async handler({ params, auth }) {
        return { body: await requireVersion(db, auth.workspaceId, params.flowId, params.version) };
      },
    }),
  ];
}
