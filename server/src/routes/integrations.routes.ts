import { z } from 'zod';
import { CurlImportResult } from '#core/api';
import { defineRoute, type RouteDef } from '../http/route';
import { importCurlCommand } from '../services/integrations.service';
import type { ServerDeps } from '../deps';

/** Instant integrations: a service outside the catalog, from what its docs give (a cURL line; OpenAPI comes next). */
export function integrationRoutes({ secrets }: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/integrations/import/curl',
      testKey: 'allowed',
      tag: 'Integrations',
      summary: 'Turn a cURL command line into an HTTP request step; credentials found in it become workspace secrets',
      body: z.object({ command: z.string().min(1).max(100_000) }),
      responses: {
        200: { description: 'The step to add (http.request@1), the secrets it names and whether a value was saved, and notes', schema: CurlImportResult },
        422: { description: 'Not a cURL command that can be read, or a request the HTTP action cannot send' },
      },
      async handler({ body, auth }) {
        return { body: await importCurlCommand(secrets, auth, body.command) };
      },
    }),
  ];
}
