import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { actionRef, setupFor, type IntegrationDefinition, type SetupVariable } from '#core/catalog-sdk';
import { AppError } from '#core/errors';
import { walkNodes, type FlowSnapshot } from '#core/flow';
import type { FlowProblem } from '#core/validate';
import type { SecretStore } from '#store/secrets';
import { getSettings, installIntegration, listInstallations } from '#store/settings.repository';
import { publishedSnapshots } from '#store/flows.repository';
import type { Db } from '#store/database';
import type { ServerDeps } from '../deps';
import { secretsRead } from './code.service';
import { importedSchemas, requireImported, summarizeImported } from './imported.service';
import { isImportedRef } from '#core/instant';
import { latestImported } from '#store/imported-integrations.repository';

const catalogDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../catalog');

/** The catalog, searched by words (in keys, titles and descriptions, actions included) and category, with what is installed. */
export async function searchCatalog(
  deps: Pick<ServerDeps, 'db' | 'integrations'>,
  workspaceId: string,
  query: { q?: string | undefined; category?: string | undefined },
) {
  const installed = await listInstallations(deps.db, workspaceId);
  const used = await publishedUse(deps.db, workspaceId);
  const words = query.q?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
  const matches = deps.integrations.filter((i) => {
    if (query.category && (i.category ?? 'Other') !== query.category) return false;
    const text = [i.key, i.title, i.description, ...i.actions.flatMap((a) => [a.key, a.title, a.description])].join(' ').toLowerCase();
    return words.every((word) => text.includes(word));
  });
  // The workspace's imported integrations are listed too, as instant (they are "installed" by importing them).
  const imported = (await latestImported(deps.db, workspaceId)).filter((i) => {
    if (query.category && query.category !== 'Instant') return false;
    const text = [i.spec.key, i.spec.title, i.spec.description, ...i.spec.operations.flatMap((o) => [o.key, o.title])].join(' ').toLowerCase();
    return words.every((word) => text.includes(word));
  });
  return {
    integrations: [
      ...matches.map((i) => ({ ...summarizeIntegration(i), ...installation(i.key, installed, used) })),
      ...imported.map((i) => ({ ...summarizeImported(i), installedAt: i.createdAt, usedByFlows: used.get(i.spec.key)?.flows ?? 0 })),
    ],
    webhookSources: webhookSourceSummaries(deps.integrations),
  };
}

/** One integration with what this workspace still needs, and its actions' input and output JSON Schemas (for forms). */
export async function integrationDetail(deps: Pick<ServerDeps, 'db' | 'integrations' | 'secrets' | 'catalog'>, workspaceId: string, key: string) {
  if (isImportedRef(key)) {
    const imported = await requireImported(deps, workspaceId, key);
    const presence = await deps.secrets.presence(
      workspaceId,
      imported.spec.setup.map((v) => v.name),
    );
    return {
      ...summarizeImported(imported),
      installedAt: imported.createdAt,
      usedByFlows: (await publishedUse(deps.db, workspaceId)).get(imported.spec.key)?.flows ?? 0,
      setupStatus: imported.spec.setup.map((v) => ({ ...v, live: presence.get(v.name)?.live ?? false, test: presence.get(v.name)?.test ?? false })),
      schemas: importedSchemas(imported),
    };
  }
  const integration = requireIntegration(deps.integrations, key);
  const installed = await listInstallations(deps.db, workspaceId);
  return {
    ...summarizeIntegration(integration),
    ...installation(integration.key, installed, await publishedUse(deps.db, workspaceId)),
    setupStatus: await setupStatus(deps.secrets, workspaceId, integration),
    schemas: deps.catalog.actions.filter((a) => a.integration === integration.key),
  };
}

/**
 * Installs an integration (it shows as installed and its setup is listed). App Settings' Backend functions switch is
 * left as it is: a ready-made integration does not need it, and an instant one asks the user to turn it on.
 */
export async function install(deps: Pick<ServerDeps, 'db' | 'integrations' | 'secrets'>, workspaceId: string, key: string) {
  const integration = requireIntegration(deps.integrations, key);
  const { installedAt } = await installIntegration(deps.db, workspaceId, integration.key);
  const status = await setupStatus(deps.secrets, workspaceId, integration);
  return {
    key: integration.key,
    installedAt,
    backendFunctions: (await getSettings(deps.db, workspaceId)).backendFunctions,
    missing: status.filter((v) => v.required && !v.live && !v.test),
    setupStatus: status,
  };
}

export function requireIntegration(integrations: IntegrationDefinition[], key: string): IntegrationDefinition {
  const integration = integrations.find((i) => i.key === key);
  if (!integration) throw new AppError('NOT_FOUND', `There is no integration "${key}" in the catalog`);
  return integration;
}

/** Each setup variable of the integration with whether the workspace has a live and a test value. */
export async function setupStatus(secrets: SecretStore, workspaceId: string, integration: IntegrationDefinition) {
  const variables = integration.setup ?? [];
  const presence = await secrets.presence(
    workspaceId,
    variables.map((v) => v.name),
  );
  return variables.map((v) => ({ ...describeVariable(v), live: presence.get(v.name)?.live ?? false, test: presence.get(v.name)?.test ?? false }));
}

function describeVariable(v: SetupVariable) {
  return {
    name: v.name,
    description: v.description,
    whereToGet: v.whereToGet,
    required: v.required !== false,
    secret: v.secret !== false,
    ...(v.testPrefix ? { testPrefix: v.testPrefix } : {}),
  };
}

/**
 * Required setup variables that the flow's integrations still lack, one problem per variable, naming the nodes and
 * saying where to get it. Publishing is live: a variable with only a test value is a problem too (SETUP_TEST_ONLY):
 * test runs would work and every live run would stop at the node.
 */
export async function missingSetupProblems(
  secrets: SecretStore,
  workspaceId: string,
  integrations: IntegrationDefinition[],
  snapshot: FlowSnapshot,
): Promise<FlowProblem[]> {
  const uses = new Map<string, { nodeIds: string[]; variables: SetupVariable[]; title: string }>();
  for (const { node } of walkNodes(snapshot)) {
    if (node.type !== 'action') continue;
    const setup = setupFor(integrations, node.action);
    if (!setup) continue;
    const entry = uses.get(setup.integration.key) ?? {
      nodeIds: [],
      variables: setup.variables.filter((v) => v.required !== false),
      title: setup.integration.title,
    };
    entry.nodeIds.push(node.id);
    uses.set(setup.integration.key, entry);
  }
  const names = [...uses.values()].flatMap((u) => u.variables.map((v) => v.name));
  const presence = await secrets.presence(workspaceId, names);
  const problems: FlowProblem[] = [];
  for (const use of uses.values()) {
    const usedBy = use.nodeIds.map((id) => `"${id}"`).join(', ');
    for (const v of use.variables) {
      const p = presence.get(v.name);
      if (p?.live) continue;
      problems.push(
        p?.test
          ? {
              code: 'SETUP_TEST_ONLY',
              nodeId: use.nodeIds[0]!,
              field: `setup.${v.name}`,
              message: `${v.name} has only a test value: test runs work, but live runs of ${usedBy} would stop. Set its live value under Secrets before publishing. ${v.whereToGet}`,
            }
          : {
              code: 'MISSING_SETUP_VARIABLE',
              nodeId: use.nodeIds[0]!,
              field: `setup.${v.name}`,
              message: `${use.title} needs the setup variable ${v.name} (${v.description}), used by ${usedBy}. ${v.whereToGet} Add it under Secrets.`,
            },
      );
    }
  }
  return problems;
}

/** Integrations the workspace's published flows use: how many flows, and since when (the earliest publish). */
async function publishedUse(db: Db, workspaceId: string): Promise<Map<string, { flows: number; since: string }>> {
  const use = new Map<string, { flows: number; since: string }>();
  for (const v of await publishedSnapshots(db, workspaceId)) {
    const keys = new Set([...walkNodes(v.snapshot)].flatMap(({ node }) => (node.type === 'action' ? [node.action.split('.')[0]!.replace(/@\d+$/, '')] : [])));
    for (const key of keys) {
      const entry = use.get(key);
      use.set(key, { flows: (entry?.flows ?? 0) + 1, since: entry && entry.since < v.publishedAt ? entry.since : v.publishedAt });
    }
  }
  return use;
}

/** Installed by hand, or used by a published flow (then since its first publish). */
function installation(key: string, installed: Map<string, string>, used: Map<string, { flows: number; since: string }>) {
  return { installedAt: installed.get(key) ?? used.get(key)?.since ?? null, usedByFlows: used.get(key)?.flows ?? 0 };
}

/** The webhook sources the catalog verifies (read-only: what the editor offers for webhook triggers and inboxes). */
export function webhookSourceSummaries(integrations: IntegrationDefinition[]) {
  return integrations.flatMap((i) =>
    (i.webhooks ?? []).map((s) => ({
      id: s.id,
      title: s.title,
      integration: i.key,
      secretVariable: s.secretVariable,
      whereToGet: s.whereToGet,
      examples: (s.events ?? []).flatMap((e) => (e.example ? [{ type: e.type, title: e.title, payload: e.example }] : [])),
    })),
  );
}

export function summarizeIntegration(i: IntegrationDefinition) {
  return {
    key: i.key,
    version: i.version,
    title: i.title,
    description: i.description,
    category: i.category ?? 'Other',
    ...(i.instant ? { instant: true } : {}),
    auth: i.auth.type === 'oauth2' ? { type: 'oauth2', provider: i.auth.provider.key, scopes: i.auth.scopes } : i.auth,
    setup: (i.setup ?? []).map(describeVariable),
    actions: i.actions.map((a) => ({
      ref: actionRef(i, a),
      key: a.key,
      title: a.title,
      description: a.description,
      sideEffects: a.sideEffects ?? false,
      idempotent: a.idempotent ?? false,
      hasSandbox: a.sandbox !== undefined,
      ...(a.example !== undefined ? { example: a.example } : {}),
    })),
    examplePrompts: i.examplePrompts ?? [],
    docs: i.docs ?? [],
    testConnection: i.testConnection !== undefined,
  };
}

/**
 * The integration prompt: everything a builder (or the assistant) needs to use the integration, as
 * Markdown generated from the manifest and the action sources.
 */
export function integrationPrompt(i: IntegrationDefinition): string {
  const lines: string[] = [];
  lines.push(`# ${i.title} integration`, '', i.description, '');
  lines.push(
    '## Overview',
    '',
    `Catalog key \`${i.key}\`, version ${i.version}. Authentication: ${i.auth.type === 'none' ? 'none' : i.auth.type === 'apiKey' ? `API key in the secret \`${i.auth.variable}\`` : 'OAuth 2 (connect an account)'}.`,
    '',
  );
  lines.push('Actions:', '');
  for (const a of i.actions)
    lines.push(`- \`${actionRef(i, a)}\`: **${a.title}**. ${a.description}${a.idempotent ? ' Retries are safe: an idempotency key is sent.' : ''}`);
  lines.push('', '## Setup variables', '');
  if (!i.setup?.length) lines.push('None.');
  for (const v of i.setup ?? [])
    lines.push(
      `- \`${v.name}\`${v.required === false ? ' (optional)' : ''}: ${v.description.replace(/\.$/, '')}. ${v.whereToGet}${v.testPrefix ? ` Test values start with \`${v.testPrefix}\`.` : ''}`,
    );
  lines.push(
    '',
    "Each secret has a live value and a test value. Test runs use the test value; without one, they use the integration's sandbox and mark the step as simulated.",
    '',
  );
  lines.push('## Backend function code', '');
  for (const a of i.actions) {
    lines.push(`### ${a.title} (\`${actionRef(i, a)}\`)`, '');
    lines.push('Input (JSON Schema):', '', '```json', JSON.stringify(z.toJSONSchema(a.input, { io: 'input', unrepresentable: 'any' }), null, 2), '```', '');
    lines.push('Output (JSON Schema):', '', '```json', JSON.stringify(z.toJSONSchema(a.output, { io: 'output', unrepresentable: 'any' }), null, 2), '```', '');
    const source = actionSource(i.key, a.key);
    if (source) lines.push('Source:', '', '```ts', source.trimEnd(), '```', '');
  }
  lines.push(...codeStepSection(i));
  lines.push(
    '## Frontend snippet',
    '',
    'Your app talks to Switchyard with the typed client `@switchyard/client` (clients/js: ESM, fetch only), which calls `POST /v1/events`, ' +
      '`POST /v1/flows/<flow id>/invoke` and `GET /v1/runs/<id>/events`. Use a `sy_test_…` key while testing.',
    '',
    '```ts',
  );
  lines.push(
    `import { createClient } from '@switchyard/client';`,
    ``,
    `const switchyard = createClient({ baseUrl: 'https://YOUR-SWITCHYARD', apiKey: process.env.SWITCHYARD_API_KEY! });`,
    `// Start every flow triggered by an app event (the id makes a resend start nothing twice):`,
    `await switchyard.events.send('user.signed_up', { email: 'ada@example.com' }, { id: crypto.randomUUID() });`,
    `// Or call a flow whose trigger is "invoke" and use its answer:`,
    `const answer = await switchyard.flows.invoke('flw_YOUR_FLOW', { email: 'ada@example.com' }, { idempotencyKey: crypto.randomUUID() });`,
    `if (answer.done) console.log(answer.output);`,
    `else for await (const event of switchyard.runs.follow(answer.runId)) console.log(event.type, event.nodeId ?? '');`,
    '```',
    '',
  );
  lines.push(
    'Call it from your backend with the secret key (sy_live_…), never from a browser. A web page uses a publishable key (sy_pub_…, POST /api/publishable-keys): ' +
      'it may only send events and invoke flows whose trigger is marked public, from the origins you allow, within its rate limits.',
    '',
  );
  lines.push('## Example usage', '');
  for (const action of i.actions) {
    lines.push(
      `A flow node that ${action.title.charAt(0).toLowerCase()}${action.title.slice(1)} (\`${actionRef(i, action)}\`):`,
      '',
      '```json',
      JSON.stringify(
        {
          id: `${i.key}_${action.key}`.replace(/-/g, '_'),
          type: 'action',
          action: actionRef(i, action),
          inputs: action.example ?? exampleInputs(action.input),
        },
        null,
        2,
      ),
      '```',
      '',
    );
  }
  if (i.examplePrompts?.length) lines.push('Example prompts:', '', ...i.examplePrompts.map((p) => `- "${p}"`), '');
  lines.push('## Documentation', '');
  for (const d of i.docs ?? []) lines.push(`- [${d.title}](${d.url})`);
  return lines.join('\n') + '\n';
}

/**
 * The integration's backend function as a code step (`catalog/<key>/code-step.ts`): what its main action does, with
 * ctx.fetch, runnable as is (catalog/code-steps.test.ts runs each against the provider's local peer).
 */
function codeStepSection(i: IntegrationDefinition): string[] {
  const file = path.join(catalogDir, i.key, 'code-step.ts');
  const first = i.actions[0];
  if (!fs.existsSync(file) || !first) return [];
  const source = fs.readFileSync(file, 'utf8');
  const secrets = secretsRead(source);
  return [
    '### As a code step',
    '',
    `A code step doing what \`${actionRef(i, first)}\` does, with \`ctx.fetch\` (1 credit per request). Paste it into a Code step` +
      (secrets.length ? ` and declare the secret${secrets.length === 1 ? '' : 's'} ${secrets.map((s) => `\`${s}\``).join(', ')}` : '') +
      '; it needs Backend functions on in App Settings. The `import type` line is erased when the step runs.',
    '',
    '```ts',
    source.trimEnd(),
    '```',
    '',
  ];
}

function actionSource(integration: string, action: string): string | undefined {
  const file = path.join(catalogDir, integration, 'actions', `${action}.action.ts`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

/** Required top-level inputs with a placeholder each, so the example is a valid starting point. */
function exampleInputs(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { type?: string }>; required?: string[] };
  const out: Record<string, unknown> = {};
  for (const name of json.required ?? []) {
    const type = json.properties?.[name]?.type;
    out[name] =
      type === 'number' || type === 'integer'
        ? 1
        : type === 'boolean'
          ? true
          : type === 'object'
            ? {}
            : type === 'array'
              ? []
              : { $expr: `trigger.data.${name}` };
  }
  return out;
}
