import { z } from 'zod';
import { SecretSummary } from '#core/api';
import { AppError } from '#core/errors';
import { SECRET_NAME_HINT, SECRET_NAME_PATTERN } from '#core/names';
import { requireLiveKey } from '../http/auth';
import { forgetWebhookEndpoints } from '../services/webhooks.service';
import { defineRoute, type RouteDef } from '../http/route';
import type { ServerDeps } from '../deps';
import { audit } from '../services/audit.service';

const SecretParams = z.object({ name: z.string().regex(SECRET_NAME_PATTERN, SECRET_NAME_HINT) });
const SecretValue = z.string().min(1).max(16_384);
/** The live value; `null` removes it; absent leaves it unchanged. The test value, used by test runs, likewise. */
const Live = SecretValue.nullable();
const Test = SecretValue.nullable();
/** At least one of the two: a union (not a refine), so the rule is in the JSON Schema too (`anyOf` of the two `required`). */
const PutSecretBody = z.union([z.object({ live: Live, test: Test.optional() }), z.object({ live: Live.optional(), test: Test })], {
  error: 'give a live value, a test value, or both (a string, or null to remove it)',
});

/** Values go in and never come out: responses carry the name, which modes are set, the last four characters and the time. */
export function secretRoutes({ secrets, db }: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/secrets',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Secrets',
      summary: 'List secrets (never their values)',
      responses: { 200: { description: 'Secrets', schema: z.object({ secrets: z.array(SecretSummary) }) } },
      async handler({ auth }) {
        return { body: { secrets: await secrets.list(auth.workspaceId) } };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/secrets/:name',
      scope: 'secrets:write',
      testKey: 'allowed',
      tag: 'Secrets',
      summary: 'Create or update a secret: its live and/or test value',
      params: SecretParams,
      body: PutSecretBody,
      responses: { 200: { description: 'Saved', schema: SecretSummary }, 400: { description: 'Invalid name or value' } },
      async handler({ params, body, auth, req }) {
        if (body.live !== undefined) requireLiveKey(auth, 'set or remove a live secret value');
        const saved = await secrets.put(auth.workspaceId, params.name, {
          ...(body.live !== undefined ? { live: body.live } : {}),
          ...(body.test !== undefined ? { test: body.test } : {}),
        });
        forgetWebhookEndpoints(); // a changed signing secret applies to webhook deliveries at once
        // The name and which values changed; never a value.
        const change = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? 'removed' : 'set');
        await audit(db, auth, req, 'secret.set', {
          target: params.name,
          details: {
            name: params.name,
            ...(body.live !== undefined ? { live: change(body.live) } : {}),
            ...(body.test !== undefined ? { test: change(body.test) } : {}),
          },
        });
        return { body: saved };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/secrets/:name',
      scope: 'secrets:write',
      tag: 'Secrets',
      summary: 'Delete a secret (both values)',
      params: SecretParams,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such secret' } },
      async handler({ params, auth, req }) {
        if (!(await secrets.remove(auth.workspaceId, params.name))) throw new AppError('NOT_FOUND', `There is no secret ${params.name} in this workspace`);
        forgetWebhookEndpoints();
        await audit(db, auth, req, 'secret.deleted', { target: params.name, details: { name: params.name } });
        return { status: 204 };
      },
    }),
  ];
}
