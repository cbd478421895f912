import { z } from 'zod';
import { ConnectionList, Connection, ConnectionTestResult, ConnectStarted, OAuthProviderList } from '#core/api';
import { RunModes, type RunMode } from '#core/catalog-sdk';
import { AppError } from '#core/errors';
import { clientSecretNames, CONNECTION_ID_PATTERN, GenericProviderConfig, PROVIDER_KEY_PATTERN } from '#core/oauth';
import type { Request } from 'express';
import type { AuthContext } from '../http/auth';
import { defineRoute, type RouteDef } from '../http/route';
import {
  callbackPage,
  connectionAnswer,
  connectionAnswers,
  connectionsOf,
  isConnectionError,
  modeFor,
  newConnectionId,
  providerInfos,
  resumeRunsWaitingFor,
  readCookie,
  SESSION_COOKIE,
  startConnection,
  wrapErrors,
  visibleModes,
  type ConnectRequest,
} from '../services/connections.service';
import type { ServerDeps } from '../deps';
import { audit } from '../services/audit.service';

const ConnectionParams = z.object({ connectionId: z.string().regex(CONNECTION_ID_PATTERN, 'a connection id: con_ and 20 letters or digits') });
const ProviderParams = z.object({ provider: z.string().regex(PROVIDER_KEY_PATTERN, 'a provider key such as google or generic') });
const Name = z.string().trim().min(1).max(100);
const Scopes = z.array(z.string().min(1).max(200)).max(50);
const ModeBody = z.object({ mode: z.enum(RunModes).optional() });

/**
 * OAuth connections. Tokens never appear in an answer, a URL Switchyard makes or a log; the authorization's `state`
 * is single-use and bound to the browser session that started it (a cookie), and its PKCE verifier stays on the server.
 */
type ConnectAction = 'connection.created' | 'connection.reconnected';

/** Starts (or restarts) a connection and records it in the audit log. */
async function connectRecorded(deps: ServerDeps, req: Request, auth: AuthContext, o: ConnectRequest, action: ConnectAction) {
  const started = await startConnection(deps, req, auth, o);
  await audit(deps.db, auth, req, action, { target: o.connectionId, details: { provider: o.providerKey, name: o.name, mode: o.mode } });
  return started;
}

export function connectionRoutes(deps: ServerDeps): RouteDef[] {
  const connections = () => connectionsOf(deps);
  const answer = (auth: AuthContext, id: string) => connectionAnswer(deps, auth, id);
  const connect = (req: Request, auth: AuthContext, o: ConnectRequest, action: ConnectAction) => connectRecorded(deps, req, auth, o, action);

  return [
    ...oauthProviderRoutes(deps),
    defineRoute({
      method: 'get',
      path: '/api/connections',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Connections',
      summary: 'List connections with the status of their live and test sides (a test key sees test sides only)',
      query: z.object({ provider: z.string().regex(PROVIDER_KEY_PATTERN).optional() }),
      responses: { 200: { description: 'Connections', schema: ConnectionList } },
      async handler({ query, auth }) {
        const list = await connections().list(auth.workspaceId, { modes: visibleModes(auth.mode), ...(query.provider ? { provider: query.provider } : {}) });
        return { body: { connections: await connectionAnswers(deps, auth.workspaceId, list) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/connections',
      scope: 'connections:write',
      testKey: 'allowed',
      tag: 'Connections',
      summary: 'Connect an account: answers the URL to open (sign-in with PKCE), or the connection itself for client-credentials providers',
      body: z.object({ provider: z.string().regex(PROVIDER_KEY_PATTERN), name: Name, mode: z.enum(RunModes).optional(), scopes: Scopes.optional() }),
      responses: {
        200: { description: 'Open authorizeUrl in the browser; the provider redirects back to /api/oauth/callback', schema: ConnectStarted },
        201: { description: 'Connected (client credentials)', schema: ConnectStarted },
        404: { description: 'No such OAuth provider in the catalog' },
        422: { description: "The provider's client is not set, or it refused" },
        502: { description: 'The provider could not be reached' },
      },
      async handler({ body, auth, req }) {
        const mode = modeFor(auth, body.mode);
        return connect(
          req,
          auth,
          { providerKey: body.provider, name: body.name, connectionId: newConnectionId(), mode, ...(body.scopes ? { scopes: body.scopes } : {}) },
          'connection.created',
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/connections/:connectionId/reconnect',
      scope: 'connections:write',
      testKey: 'allowed',
      tag: 'Connections',
      summary: 'Sign in again (or connect the other mode): the same connection id, so flows and waiting runs keep it',
      params: ConnectionParams,
      body: ModeBody,
      responses: {
        200: { description: 'Open authorizeUrl', schema: ConnectStarted },
        201: { description: 'Reconnected (client credentials)', schema: ConnectStarted },
        422: { description: "The provider's client is not set, or it refused" },
        502: { description: 'The provider could not be reached' },
      },
      async handler({ params, body, auth, req }) {
        const mode = modeFor(auth, body.mode);
        const existing = await answer(auth, params.connectionId);
        return connect(req, auth, { providerKey: existing.provider, name: existing.name, connectionId: existing.id, mode }, 'connection.reconnected');
      },
    }),
    ...connectionManagementRoutes(deps),
  ];
}

/** The OAuth providers: what to register at each, and the workspace's client id and secret for it. */
function oauthProviderRoutes(deps: ServerDeps): RouteDef[] {
  const connections = () => connectionsOf(deps);
  return [
    defineRoute({
      method: 'get',
      path: '/api/oauth/providers',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Connections',
      summary: 'OAuth providers: the redirect URI to register, and whether the workspace set its client id and secret',
      responses: { 200: { description: 'Providers', schema: OAuthProviderList } },
      async handler({ auth, req }) {
        return { body: { providers: await providerInfos(deps, auth.workspaceId, req) } };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/oauth/providers/:provider/client',
      scope: 'connections:write',
      testKey: 'allowed',
      tag: 'Connections',
      summary:
        "Set the workspace's OAuth client for a provider (stored as the secrets OAUTH_<PROVIDER>_CLIENT_ID/_SECRET); the generic provider also takes its URLs",
      params: ProviderParams,
      body: z.object({
        mode: z.enum(RunModes).optional(),
        clientId: z.string().min(1).max(1000),
        clientSecret: z.string().min(1).max(4000),
        config: GenericProviderConfig.optional(),
      }),
      responses: {
        200: { description: 'Saved', schema: OAuthProviderList },
        404: { description: 'No such OAuth provider in the catalog' },
        422: { description: 'The generic provider needs its URLs' },
      },
      async handler({ params, body, auth, req }) {
        const mode = modeFor(auth, body.mode);
        const provider = await wrapErrors(async () => connections().provider(params.provider));
        if (provider.configurable && !body.config && !(await connections().genericConfig(auth.workspaceId, provider.key, mode)))
          throw new AppError(
            'CONNECTION_FAILED',
            `The ${provider.title} provider needs its URLs: send config.tokenUrl (and config.authorizeUrl for sign-in, config.issuer to check iss)`,
          );
        if (!provider.configurable && body.config) throw new AppError('VALIDATION_FAILED', `${provider.title}'s URLs are fixed by the catalog: send no config`);
        const names = clientSecretNames(provider.key);
        await deps.secrets.put(auth.workspaceId, names.clientId, { [mode]: body.clientId });
        await deps.secrets.put(auth.workspaceId, names.clientSecret, { [mode]: body.clientSecret });
        if (body.config) await connections().setGenericConfig(auth.workspaceId, provider.key, mode, body.config);
        await audit(deps.db, auth, req, 'oauth_client.set', {
          target: provider.key,
          details: { provider: provider.key, mode, secrets: [names.clientId, names.clientSecret] },
        });
        return { body: { providers: await providerInfos(deps, auth.workspaceId, req) } };
      },
    }),
  ];
}

/** Reading, renaming, testing and disconnecting connections, and the provider's callback. */
function connectionManagementRoutes(deps: ServerDeps): RouteDef[] {
  const connections = () => connectionsOf(deps);
  const answer = (auth: AuthContext, id: string) => connectionAnswer(deps, auth, id);
  return [
    defineRoute({
      method: 'get',
      path: '/api/oauth/callback',
      auth: 'none',
      tag: 'Connections',
      summary: "The provider's redirect after sign-in (register this exact URI with the provider)",
      query: z.record(z.string(), z.string()),
      responses: {
        200: { description: 'Connected (an HTML page)', schema: z.string(), contentType: 'text/html' },
        400: {
          description:
            'Refused, nothing stored: unknown, reused or expired state, another browser session, an iss mismatch, or the provider refused the code (an HTML page for a browser)',
        },
      },
      async handler({ query, req }) {
        try {
          const done = await connections().completeAuthorization({ callback: new URLSearchParams(query), sessionId: readCookie(req, SESSION_COOKIE) });
          const resumed = await resumeRunsWaitingFor(deps, done.workspaceId, done.connectionId, done.mode);
          deps.logger.info({ connectionId: done.connectionId, mode: done.mode, resumed }, 'OAuth connection made');
          return { body: callbackPage('Connected', `The ${done.mode} side of "${done.name}" is connected.`), contentType: 'text/html' };
        } catch (err) {
          if (!isConnectionError(err)) throw err;
          deps.logger.warn({ reason: err.message }, 'OAuth callback refused');
          // A browser (the sign-in pop-up) gets a page; anything else the API's error shape.
          if (req.accepts(['json', 'html']) !== 'html') throw new AppError('OAUTH_CALLBACK_REFUSED', err.message);
          return { status: 400, body: callbackPage('Not connected', err.message), contentType: 'text/html' };
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/connections/:connectionId',
      scope: 'workspace:read',
      testKey: 'allowed',
      tag: 'Connections',
      summary: 'One connection with its status',
      params: ConnectionParams,
      responses: { 200: { description: 'The connection', schema: Connection } },
      async handler({ params, auth }) {
        return { body: await answer(auth, params.connectionId) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/connections/:connectionId',
      scope: 'connections:write',
      testKey: 'allowed',
      tag: 'Connections',
      summary: 'Rename a connection (flows reference it by id, so none changes)',
      params: ConnectionParams,
      body: z.object({ name: Name }),
      responses: { 200: { description: 'Renamed', schema: Connection } },
      async handler({ params, body, auth, req }) {
        if (!(await connections().get(auth.workspaceId, params.connectionId, visibleModes(auth.mode))))
          throw new AppError('NOT_FOUND', `There is no connection "${params.connectionId}" in this workspace`);
        await connections().rename(auth.workspaceId, params.connectionId, body.name);
        await audit(deps.db, auth, req, 'connection.changed', { target: params.connectionId, details: { name: body.name } });
        return { body: await answer(auth, params.connectionId) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/connections/:connectionId/test',
      scope: 'connections:write',
      testKey: 'allowed',
      tag: 'Connections',
      summary: 'Check a side of a connection: a valid access token is at hand (refreshed if due)',
      params: ConnectionParams,
      body: ModeBody,
      responses: { 200: { description: 'The result (ok false with the reason when it needs a reconnect)', schema: ConnectionTestResult } },
      async handler({ params, body, auth }) {
        const mode = modeFor(auth, body.mode);
        await answer(auth, params.connectionId);
        try {
          await connections().accessToken(auth.workspaceId, params.connectionId, mode);
          const side = (await connections().get(auth.workspaceId, params.connectionId, [mode]))?.[mode];
          return {
            body: {
              ok: true,
              mode,
              status: side?.status ?? null,
              detail: `A valid access token is at hand${side?.expiresAt ? ` until ${side.expiresAt}` : ''}`,
            },
          };
        } catch (err) {
          if (!isConnectionError(err)) throw err;
          const side = (await connections().get(auth.workspaceId, params.connectionId, [mode]))?.[mode];
          return { body: { ok: false, mode, status: side?.status ?? null, detail: err.message } };
        }
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/connections/:connectionId',
      scope: 'connections:write',
      testKey: 'allowed',
      tag: 'Connections',
      summary: 'Disconnect: tokens are revoked at the provider where it supports RFC 7009, then forgotten (?mode= one side; a test key only the test side)',
      params: ConnectionParams,
      query: z.object({ mode: z.enum(RunModes).optional() }),
      responses: { 204: { description: 'Disconnected' } },
      async handler({ params, query, auth, req }) {
        await answer(auth, params.connectionId);
        const modes: RunMode[] = auth.mode === 'test' ? [modeFor(auth, query.mode)] : query.mode ? [query.mode] : ['live', 'test'];
        await connections().disconnect(auth.workspaceId, params.connectionId, modes);
        await audit(deps.db, auth, req, 'connection.deleted', { target: params.connectionId, details: { modes } });
        return { status: 204 };
      },
    }),
  ];
}
