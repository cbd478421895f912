import { z } from 'zod';
import { CurlImportResult, IntegrationSummary, OpenApiImportResult } from '#core/api';
import { defineRoute, type RouteDef } from '../http/route';
import { importCurlCommand } from '../services/integrations.service';
import { importedPrompt, importedSummaries, importOpenApiDocument, requireImported } from '../services/imported.service';

const KeyParams = z.object({ key: z.string().min(1).max(64) });
import type { ServerDeps } from '../deps';

const ImportAuth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bearer') }),
  z.object({ type: z.literal('basic') }),
  z.object({ type: z.literal('apiKey'), in: z.enum(['header', 'query', 'cookie']), name: z.string().min(1).max(100) }),
]);

/** Instant integrations: a service outside the catalog, from what its docs give (an OpenAPI document, a cURL line). */
export function integrationRoutes(deps: ServerDeps): RouteDef[] {
  const { secrets } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/api/integrations/import/openapi',
      scope: 'flows:write',
      tag: 'Integrations',
      summary: 'Import an OpenAPI (3.0, 3.1) or Swagger 2.0 document as the next version of a workspace integration (instant): one action per operation',
      body: z.object({
        document: z
          .union([z.string().min(1), z.record(z.string(), z.unknown())])
          .optional()
          .describe('The document: its JSON or YAML text, or the JSON object'),
        url: z.string().max(2000).optional().describe('Where to fetch it instead (through the guarded client: private addresses are refused)'),
        key: z.string().max(64).optional().describe('The integration key, `x-…`; default from the server host or the title'),
        operations: z.array(z.string().max(200)).max(2000).optional().describe('Keep only these operations (action keys or operationIds)'),
        auth: ImportAuth.optional().describe('How the API authenticates, for a document that declares no security scheme'),
        preview: z.boolean().optional().describe('List what would be imported; store nothing'),
      }),
      responses: {
        200: { description: 'The imported version (or the preview): its actions, setup variables, connections and notes', schema: OpenApiImportResult },
        422: { description: 'Not a document that can be imported (each problem named by its JSON pointer), or over a limit (20 MB, 2,000 operations)' },
      },
      async handler({ body, auth }) {
        return { body: await importOpenApiDocument(deps, auth, body) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/integrations/imported',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Integrations',
      summary: 'The integrations imported into this workspace (newest version of each)',
      responses: { 200: { description: 'Imported integrations', schema: z.object({ integrations: z.array(IntegrationSummary) }) } },
      async handler({ auth }) {
        return { body: { integrations: (await importedSummaries(deps, auth.workspaceId)).map((i) => ({ ...i, installedAt: null })) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/integrations/imported/:key/prompt',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Integrations',
      summary: "An imported integration's Integration Prompt as Markdown: overview, setup variables, an example request per action, example usage, links",
      params: KeyParams,
      query: z.object({ version: z.coerce.number().int().min(1).optional() }),
      responses: { 200: { description: 'Markdown', schema: z.string(), contentType: 'text/markdown' }, 404: { description: 'No such imported integration' } },
      async handler({ params, query, auth }) {
        return { body: importedPrompt(await requireImported(deps, auth.workspaceId, params.key, query.version)), contentType: 'text/markdown; charset=utf-8' };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/integrations/import/curl',
      scope: 'flows:write',
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
