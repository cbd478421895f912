import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { defineAction, defineIntegration, type ActionContext, type IntegrationDefinition } from '#core/catalog-sdk';
import { NonRetryableError } from '#core/errors';
import { errorForStatus } from '#core/http-errors';
import { operationInputSchema, parseImportedRef, type ImportedIntegration, type ImportedOperation } from '#core/instant';
import { parseBody } from '#catalog/http/actions/request.action';
import type { Db } from '#store/database';
import { getImported } from '#store/imported-integrations.repository';

export const InstantCallInput = z.object({
  /** The imported action the node names: `x-github.issues-create@2`. */
  ref: z.string(),
  input: z.record(z.string(), z.unknown()),
});

export const InstantCallOutput = z.object({ status: z.number().int(), headers: z.record(z.string(), z.string()), body: z.json().nullable() });

/**
 * Every action of an imported integration runs as this one activity (`instant.call@1`): the interpreter names the
 * node's action in the input, and the operation is read from the workspace's stored version (versions never change).
 * It is adapted like every action (input checks, secrets read now and scrubbed, attempts, typed failures) and metered
 * like one (its request goes through the guarded client: 1 credit, charged before it leaves).
 */
export function instantIntegration(db: Db): IntegrationDefinition {
  const validators = new Map<string, ValidateFunction>();
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });

  const call = defineAction({
    key: 'call',
    title: 'Call an imported operation',
    description: "Sends one request of an integration imported from an OpenAPI document, with the workspace's setup variables.",
    input: InstantCallInput,
    output: InstantCallOutput,
    sideEffects: true,
    timeout: '60s',
    async run({ ref, input }, ctx) {
      const parsed = parseImportedRef(ref);
      if (!parsed) throw new NonRetryableError(`"${ref}" is not an imported action`, { code: 'INVALID_INPUT' });
      const integration = await getImported(db, ctx.run.workspaceId, parsed.key, parsed.version);
      const op = integration?.spec.operations.find((o) => o.key === parsed.action);
      if (!integration || !op) {
        throw new NonRetryableError(`${ref} is not in this workspace: import ${parsed.key} version ${parsed.version} again, or pick another action`, { code: 'INVALID_INPUT' });
      }
      const id = `${ctx.run.workspaceId}:${ref}`;
      let validate = validators.get(id);
      if (!validate) {
        validate = ajv.compile(operationInputSchema(integration.spec, op));
        validators.set(id, validate);
      }
      if (!validate(input)) {
        const fields = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath.slice(1).replace(/\//g, '.') || '(input)'} ${e.message ?? 'is invalid'}`);
        throw new NonRetryableError(`${ref}: invalid input: ${fields.join('; ')}`, { code: 'INVALID_INPUT' });
      }
      const request = await buildRequest(integration, op, input, ctx);
      const res = await ctx.http.request(request);
      const error = errorForStatus(res, `${op.method} ${new URL(request.url).origin}${op.path}`);
      if (error) throw error;
      return { status: res.status, headers: res.headers, body: parseBody(res.headers['content-type'], res.text()) };
    },
  });
  return defineIntegration({
    key: 'instant',
    version: 1,
    title: 'Instant integrations',
    description: 'Operations of integrations imported from OpenAPI documents.',
    category: 'Instant',
    auth: { type: 'none' },
    instant: true,
    actions: [call],
  });
}

async function buildRequest(integration: ImportedIntegration, op: ImportedOperation, input: Record<string, unknown>, ctx: ActionContext) {
  const { spec } = integration;
  const base = (await ctx.secrets.setting?.(spec.baseUrlVariable)) ?? spec.baseUrl;
  if (!base) throw new NonRetryableError(`${spec.title} has no base URL: set ${spec.baseUrlVariable} under Secrets`, { code: 'SECRET_MISSING' });
  const path = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const p = op.params.find((x) => x.in === 'path' && x.name === name);
    return encodeURIComponent(String(p ? input[p.field] : ''));
  });
  const url = new URL(base.replace(/\/+$/, '') + path);
  const headers: Record<string, string> = { accept: 'application/json' };
  const cookies: string[] = [];
  for (const p of op.params) {
    const value = input[p.field];
    if (value === undefined || p.in === 'path') continue;
    if (p.in === 'query') {
      if (Array.isArray(value)) for (const v of value) url.searchParams.append(p.name, wire(v));
      else url.searchParams.set(p.name, wire(value));
    } else if (p.in === 'header') headers[p.name.toLowerCase()] = wire(value);
    else cookies.push(`${p.name}=${encodeURIComponent(wire(value))}`);
  }
  // An operation that takes an Idempotency-Key header gets the step's stable key (the same on every retry) unless given one.
  const idempotency = op.params.find((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key');
  if (idempotency && input[idempotency.field] === undefined) headers['idempotency-key'] = ctx.idempotencyKey;
  const sensitiveHeaders: string[] = [];
  for (const name of pickSecurity(integration, op)) {
    const scheme = spec.schemes[name];
    if (!scheme || scheme.type === 'oauth2') continue;
    if (scheme.type === 'bearer') headers.authorization = `Bearer ${await ctx.secrets.get(scheme.variable)}`;
    else if (scheme.type === 'basic') {
      const pair = `${await ctx.secrets.get(scheme.usernameVariable)}:${await ctx.secrets.get(scheme.passwordVariable)}`;
      const encoded = Buffer.from(pair).toString('base64');
      ctx.secrets.conceal(scheme.passwordVariable, encoded);
      headers.authorization = `Basic ${encoded}`;
    } else {
      const value = await ctx.secrets.get(scheme.variable);
      if (scheme.in === 'header') {
        headers[scheme.param.toLowerCase()] = value;
        sensitiveHeaders.push(scheme.param);
      } else if (scheme.in === 'query') url.searchParams.set(scheme.param, value);
      else cookies.push(`${scheme.param}=${encodeURIComponent(value)}`);
    }
  }
  if (cookies.length > 0) headers.cookie = cookies.join('; ');
  let body: string | undefined;
  if (op.body && input.body !== undefined) {
    headers['content-type'] = op.body.contentType;
    if (/x-www-form-urlencoded/i.test(op.body.contentType) && input.body && typeof input.body === 'object') {
      body = new URLSearchParams(Object.entries(input.body as Record<string, unknown>).map(([k, v]) => [k, wire(v)])).toString();
    } else if (/json/i.test(op.body.contentType)) body = JSON.stringify(input.body);
    else body = typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
  }
  return { url: url.toString(), method: op.method, headers, sensitiveHeaders, ...(body !== undefined ? { body } : {}) };
}

function wire(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** The schemes to send: the first alternative Switchyard can send (OAuth 2 ones wait for OAuth connections). */
function pickSecurity(integration: ImportedIntegration, op: ImportedOperation): string[] {
  const alternatives = (op.security ?? integration.spec.security).filter((names) => names.every((n) => integration.spec.schemes[n]?.type !== 'oauth2'));
  return alternatives[0] ?? [];
}
