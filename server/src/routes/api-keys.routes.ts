import { z } from 'zod';
import { ApiKeyList, ApiKeyRequest, CreatedApiKey } from '#core/api';
import { defineRoute, type RouteDef } from '../http/route';
import type { ServerDeps } from '../deps';
import type { People } from '../services/people.service';

/** Workspace API keys with scopes, a mode and a name; only hashes are stored, the key is shown once. */
export function apiKeyRoutes(_deps: ServerDeps, people: People): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/keys',
      scope: 'keys:manage',
      tag: 'API keys',
      summary: "The workspace's API keys: name, mode, scopes, last use, revocation (never the keys themselves)",
      responses: { 200: { description: 'Keys', schema: ApiKeyList } },
      async handler({ auth }) {
        return { body: { keys: await people.keys(auth.workspaceId) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/keys',
      scope: 'keys:manage',
      tag: 'API keys',
      summary: 'Create an API key with a name, a mode (a test key stays behind the test-mode wall) and scopes; the key is shown this once',
      body: ApiKeyRequest,
      responses: { 201: { description: 'Created; `key` is shown this once', schema: CreatedApiKey } },
      async handler({ body, auth, req }) {
        return { status: 201, body: await people.createKey(req, auth, body) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/keys/:keyId',
      scope: 'keys:manage',
      tag: 'API keys',
      summary: 'Revoke an API key: it is refused at once',
      params: z.object({ keyId: z.string().min(1).max(64) }),
      responses: { 204: { description: 'Revoked' }, 404: { description: 'No such active key' } },
      async handler({ params, auth, req }) {
        await people.revokeKey(req, auth, params.keyId);
        return { status: 204 };
      },
    }),
  ];
}
