import { z } from 'zod';
import { CreatedPublishableKey, PublishableKeyList, PublishableKeyRequest } from '#core/api';
import { defineRoute, type RouteDef } from '../http/route';
import { createPublishableKey, listPublishableKeys, revokePublishableKey } from '../services/publishable-keys.service';
import type { ServerDeps } from '../deps';

/** Keys for browsers (docs/app-side.md): managed with the workspace's live key only. */
export function publishableKeyRoutes({ db }: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/publishable-keys',
      scope: 'keys:manage',
      tag: 'Publishable keys',
      summary:
        'Create a publishable key (sy_pub_…) for browsers: it may only send events and invoke public flows, from its allowed origins, within its rate limits',
      body: PublishableKeyRequest,
      responses: {
        201: { description: 'Created; `key` is shown this once', schema: CreatedPublishableKey },
        400: { description: 'Invalid origins or limits' },
      },
      async handler({ body, auth }) {
        return { status: 201, body: await createPublishableKey(db, auth.workspaceId, body) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/publishable-keys',
      scope: 'keys:manage',
      tag: 'Publishable keys',
      summary: "The workspace's publishable keys (without the keys themselves)",
      responses: { 200: { description: 'Keys', schema: PublishableKeyList } },
      async handler({ auth }) {
        return { body: { keys: await listPublishableKeys(db, auth.workspaceId) } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/publishable-keys/:keyId',
      scope: 'keys:manage',
      tag: 'Publishable keys',
      summary: 'Revoke a publishable key: it is refused at once',
      params: z.object({ keyId: z.string().min(1).max(64) }),
      responses: { 204: { description: 'Revoked' }, 404: { description: 'No such key' } },
      async handler({ params, auth }) {
        await revokePublishableKey(db, auth.workspaceId, params.keyId);
        return { status: 204 };
      },
    }),
  ];
}
