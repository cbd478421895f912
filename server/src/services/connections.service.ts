import crypto from 'node:crypto';
import type { Request } from 'express';
import type { Connection as ConnectionAnswer, FlowProblem, OAuthProviderInfo } from '#core/api';
import { setupFor } from '#core/catalog-sdk';
import { walkNodes, type FlowSnapshot } from '#core/flow';
import type { RunMode } from '#core/catalog-sdk';
import { AppError } from '#core/errors';
import { clientSecretNames, redirectUriFor } from '#core/oauth';
import { providersOf } from '#catalog/oauth-providers';
import { Connections, ConnectionError, newConnectionId, type ConnectionSummary } from '#store/connections';
import { OAuthRequestError } from '#store/oauth-protocol';
import { requireLiveKey, type AuthContext } from '../http/auth';
import type { RouteResult } from '../http/route';
import type { z } from 'zod';
import type { ServerDeps } from '../deps';
import { createGuardedHttpClient } from '#core/net/guarded-http';
import { RunSignals } from '#core/run';
import { runsWaitingForReconnect } from '#store/runs.repository';
import { MAX_RESUMED_RUNS } from './credits.service';

export const providerMap = providersOf;

let shared: WeakMap<object, Connections> | undefined;
/** The deps' Connections, or one made for them once (tests and tools that pass no `connections`). */
export function connectionsOf(deps: Pick<ServerDeps, 'db' | 'secrets' | 'integrations' | 'connections' | 'httpAllow'>): Connections {
  if (deps.connections) return deps.connections;
  shared ??= new WeakMap();
  let made = shared.get(deps.db);
  if (!made) {
    // Code exchange, refresh and revocation go through the address guard, as the worker's token requests do: a
    // provider URL a workspace configures cannot reach this machine's network (SWITCHYARD_HTTP_ALLOW lifts it).
    const http = createGuardedHttpClient({ allow: deps.httpAllow ?? [], timeoutMs: 20_000 });
    made = new Connections(deps.db, deps.secrets, providerMap(deps.integrations), { fetch: http.fetch });
    shared.set(deps.db, made);
  }
  return made;
}

/** `SWITCHYARD_PUBLIC_URL`, or the address the request came to. */
export function publicBase(deps: Pick<ServerDeps, 'publicUrl'>, req: Request): string {
  return deps.publicUrl ?? `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
}

/** A test key sees and touches the test side only. */
export function visibleModes(mode: RunMode): readonly RunMode[] {
  return mode === 'test' ? ['test'] : ['live', 'test'];
}

/** ConnectionError → the API's error: a refused or unusable connection is 422, an unreachable provider 502. */
export function toAppError(err: unknown): unknown {
  // A provider misconfigured (http URLs, no authorization endpoint) or refusing: 422; unreachable: 502.
  if (err instanceof OAuthRequestError) return new AppError(err.permanent ? 'CONNECTION_FAILED' : 'PROVIDER_UNAVAILABLE', err.message);
  if (!(err instanceof ConnectionError)) return err;
  if (err.kind === 'not-found') return new AppError('NOT_FOUND', err.message);
  if (err.kind === 'transient') return new AppError('PROVIDER_UNAVAILABLE', err.message);
  return new AppError('CONNECTION_FAILED', err.message, { kind: err.kind });
}

export async function providerInfos(deps: ServerDeps, workspaceId: string, req: Request): Promise<z.infer<typeof OAuthProviderInfo>[]> {
  const providers = [...providerMap(deps.integrations).values()];
  const names = providers.flatMap((p) => Object.values(clientSecretNames(p.key)));
  const presence = await deps.secrets.presence(workspaceId, names);
  const connections = connectionsOf(deps);
  const out = [];
  for (const p of providers) {
    const n = clientSecretNames(p.key);
    const has = (mode: RunMode) => !!presence.get(n.clientId)?.[mode] && !!presence.get(n.clientSecret)?.[mode];
    const config = p.configurable ? await connections.genericConfig(workspaceId, p.key, 'live') : undefined;
    out.push({
      key: p.key,
      title: p.title,
      grant: config?.grant ?? p.grant,
      // What the catalog's integrations of this provider need, so one connection serves them all (editable when connecting).
      scopes: config?.scopes ?? [
        ...new Set([...p.scopes, ...deps.integrations.flatMap((i) => (i.auth.type === 'oauth2' && i.auth.provider.key === p.key ? i.auth.scopes : []))]),
      ],
      pkce: p.pkce,
      revocation: !!(config?.revocationUrl ?? p.revocationUrl),
      configurable: !!p.configurable,
      redirectUri: redirectUriFor(publicBase(deps, req)),
      whereToGet: p.whereToGet,
      clientSecrets: n,
      client: { live: has('live'), test: has('test') },
    });
  }
  return out;
}

/** The answer for a connection: its provider's title and the flows that reference it (drafts or published versions). */
export async function connectionAnswers(deps: ServerDeps, workspaceId: string, list: ConnectionSummary[]): Promise<z.infer<typeof ConnectionAnswer>[]> {
  if (list.length === 0) return [];
  const providers = providerMap(deps.integrations);
  const flows = await deps.db
    .selectFrom('flows')
    .select(['id', 'name', 'draft'])
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .execute();
  const versions = await deps.db.selectFrom('flow_versions').select(['flow_id', 'snapshot']).where('workspace_id', '=', workspaceId).execute();
  return list.map((c) => {
    const quoted = JSON.stringify(c.id);
    const ids = new Set([
      ...flows.filter((f) => f.draft.includes(quoted)).map((f) => f.id),
      ...versions.filter((v) => v.snapshot.includes(quoted)).map((v) => v.flow_id),
    ]);
    return {
      ...c,
      providerTitle: providers.get(c.provider)?.title ?? c.provider,
      usedBy: flows.filter((f) => ids.has(f.id)).map((f) => ({ flowId: f.id, name: f.name })),
    };
  });
}

export const SESSION_COOKIE = 'sy_oauth_session';

/**
 * The browser session an authorization is bound to: the `sy_oauth_session` cookie (HttpOnly, SameSite=Lax so it comes
 * back on the provider's top-level redirect, scoped to the callback path). An existing one is kept, so two pop-ups
 * of the same browser share it.
 */
export function browserSession(req: Request, secure: boolean): { id: string; setCookie?: string } {
  const existing = readCookie(req, SESSION_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return { id: existing };
  const id = crypto.randomBytes(32).toString('base64url');
  return { id, setCookie: `${SESSION_COOKIE}=${id}; Path=/api/oauth/callback; HttpOnly; SameSite=Lax; Max-Age=3600${secure ? '; Secure' : ''}` };
}

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** The small page the provider's redirect lands on (no script: the editor watches the connection's status). */
export function callbackPage(title: string, message: string): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><meta charset="utf-8"><title>${esc(title)}</title><main style="font-family:sans-serif;max-width:36rem;margin:3rem auto"><h1>${esc(title)}</h1><p>${esc(message)}</p><p>You can close this window.</p></main>`;
}

export { newConnectionId };

export function isConnectionError(err: unknown): err is ConnectionError {
  return err instanceof ConnectionError;
}

/** The side a request acts on: a test key always the test side; a live key the one it names (default live). */
export function modeFor(auth: AuthContext, asked: RunMode | undefined): RunMode {
  if (auth.mode === 'test') {
    if (asked === 'live') requireLiveKey(auth, 'connect, test or disconnect the live side of a connection');
    return 'test';
  }
  return asked ?? 'live';
}

/** Runs `work`, turning connection and protocol errors into the API's errors. */
export async function wrapErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw toAppError(err);
  }
}

/** A connection as the API answers it (404 when it is not in this workspace). */
export async function connectionAnswer(deps: ServerDeps, auth: AuthContext, id: string): Promise<z.infer<typeof ConnectionAnswer>> {
  const found = await connectionsOf(deps).get(auth.workspaceId, id, visibleModes(auth.mode));
  if (!found) throw new AppError('NOT_FOUND', `There is no connection "${id}" in this workspace`);
  return (await connectionAnswers(deps, auth.workspaceId, [found]))[0]!;
}

export interface ConnectRequest {
  providerKey: string;
  name: string;
  connectionId: string;
  mode: RunMode;
  scopes?: string[];
}

/** Starts (or restarts, for a reconnect) the sign-in of one side; a client-credentials side connects at once (201). */
export async function startConnection(deps: ServerDeps, req: Request, auth: AuthContext, o: ConnectRequest): Promise<RouteResult> {
  const connections = connectionsOf(deps);
  return wrapErrors(async () => {
    const { provider } = await connections.client(auth.workspaceId, o.providerKey, o.mode);
    if (provider.grant === 'client_credentials') {
      await connections.connectClientCredentials({ workspaceId: auth.workspaceId, ...o });
      await resumeRunsWaitingFor(deps, auth.workspaceId, o.connectionId, o.mode);
      return { status: 201, body: { connectionId: o.connectionId, mode: o.mode, connection: await connectionAnswer(deps, auth, o.connectionId) } };
    }
    const base = publicBase(deps, req);
    const session = browserSession(req, base.startsWith('https:'));
    const started = await connections.startAuthorization({ workspaceId: auth.workspaceId, ...o, sessionId: session.id, redirectUri: redirectUriFor(base) });
    return {
      body: { connectionId: o.connectionId, mode: o.mode, authorizeUrl: started.authorizeUrl, expiresAt: started.expiresAt },
      ...(session.setCookie ? { headers: { 'Set-Cookie': session.setCookie } } : {}),
    };
  });
}

/**
 * Publish check: every node of an OAuth integration names a connection (its `connection` input, a literal id) that
 * exists in the workspace with a live or test side, of the provider the integration needs; an HTTP request with
 * connection auth names one that exists (any provider). Each problem names the node and the field.
 */
export async function connectionProblems(
  deps: Pick<ServerDeps, 'db' | 'secrets' | 'integrations' | 'connections'>,
  workspaceId: string,
  snapshot: FlowSnapshot,
): Promise<z.infer<typeof FlowProblem>[]> {
  const wanted: { nodeId: string; field: string; value: unknown; provider?: { key: string; title: string }; integration: string }[] = [];
  for (const { node } of walkNodes(snapshot)) {
    if (node.type !== 'action') continue;
    const integration = setupFor(deps.integrations, node.action)?.integration;
    if (!integration) continue;
    const inputs = (node.inputs ?? {}) as Record<string, unknown>;
    if (integration.auth.type === 'oauth2') {
      const { key, title } = integration.auth.provider;
      wanted.push({ nodeId: node.id, field: 'inputs.connection', value: inputs.connection, provider: { key, title }, integration: integration.title });
    } else {
      const auth = inputs.auth as { type?: unknown; connection?: unknown } | undefined;
      if (auth && typeof auth === 'object' && auth.type === 'connection')
        wanted.push({ nodeId: node.id, field: 'inputs.auth.connection', value: auth.connection, integration: integration.title });
    }
  }
  if (wanted.length === 0) return [];
  const ids = wanted.flatMap((w) => (typeof w.value === 'string' ? [w.value] : []));
  const found = await connectionsOf(deps).findMany(workspaceId, ids);
  const problems: z.infer<typeof FlowProblem>[] = [];
  for (const w of wanted) {
    const needs = w.provider ? `a ${w.provider.title} connection` : 'an OAuth connection';
    if (typeof w.value !== 'string' || w.value === '') {
      problems.push({
        code: 'MISSING_CONNECTION',
        nodeId: w.nodeId,
        field: w.field,
        message: `Node "${w.nodeId}" (${w.integration}) needs ${needs}: pick one in the step's Connection field, or connect an account under Connections`,
      });
      continue;
    }
    const conn = found.get(w.value);
    if (!conn || conn.modes.size === 0) {
      problems.push({
        code: 'MISSING_CONNECTION',
        nodeId: w.nodeId,
        field: w.field,
        message: `Node "${w.nodeId}" (${w.integration}) uses connection ${w.value}, which ${conn ? 'is not connected' : 'does not exist in this workspace'}: pick ${needs} under Connections`,
      });
    } else if (w.provider && conn.provider !== w.provider.key) {
      problems.push({
        code: 'WRONG_CONNECTION',
        nodeId: w.nodeId,
        field: w.field,
        message: `Node "${w.nodeId}" (${w.integration}) needs ${needs}, but "${conn.name}" (${w.value}) is a ${providerMap(deps.integrations).get(conn.provider)?.title ?? conn.provider} connection`,
      });
    }
  }
  return problems;
}

/**
 * Signals every live run of the workspace and mode with a node waiting for a reconnect of this connection, so the node
 * runs again. A run that reports "waiting" just after this sweep finds the connection healthy itself (its status
 * check), so none is left behind. Returns how many runs were signalled.
 */
export async function resumeRunsWaitingFor(
  deps: Pick<ServerDeps, 'db' | 'temporal' | 'logger'>,
  workspaceId: string,
  connectionId: string,
  mode: RunMode,
): Promise<number> {
  const waiting = await runsWaitingForReconnect(deps.db, { workspaceId, connectionId, mode, limit: MAX_RESUMED_RUNS });
  let signalled = 0;
  for (const run of waiting) {
    try {
      await deps.temporal.call((client) => client.workflow.getHandle(run.workflowId).signal(RunSignals.connectionRestored, { connectionId }));
      signalled++;
    } catch (err) {
      // The run ended meanwhile (nothing to resume), or Temporal is away: the run's own recheck resumes it.
      deps.logger.warn({ err, runId: run.id }, 'could not signal a run waiting for a reconnect');
    }
  }
  return signalled;
}
