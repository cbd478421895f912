import fs from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import { editorStatic } from './http/editor-static';
import { tracingMiddleware } from './http/tracing';
import helmet from 'helmet';
import { AppError } from '#core/errors';
import type { ServerDeps } from './deps';
import { personAuthenticator, requireAdmin, workspaceAuthenticator } from './http/auth';
import { authFailureGuard, DEFAULT_AUTH_FAILURE_LIMITS } from './http/auth-limits';
import { contentEncodingGuard, jsonBody } from './http/body';
import { publishableGate, publishablePreflight } from './http/publishable';
import { errorMiddleware } from './http/errors';
import { mountRoutes, type RouteDef } from './http/route';
import { eventRoutes } from './routes/events.routes';
import { invokeRoutes } from './routes/invoke.routes';
import { appRunRoutes } from './routes/app-runs.routes';
import { notificationRoutes } from './routes/notifications.routes';
import { publishableKeyRoutes } from './routes/publishable-keys.routes';
import { flowRoutes } from './routes/flows.routes';
import { publishRoutes } from './routes/publish.routes';
import { flowLifecycleRoutes } from './routes/flow-lifecycle.routes';
import { versionRoutes } from './routes/versions.routes';
import { scheduleRoutes } from './routes/schedules.routes';
import { hooksRouter } from './routes/hooks.routes';
import { webhookRoutes } from './routes/webhooks.routes';
import { catalogRoutes } from './routes/catalog.routes';
import { creditRoutes } from './routes/credits.routes';
import { retryRoutes } from './routes/retries.routes';
import { runRoutes } from './routes/runs.routes';
import { blobRoutes } from './routes/blobs.routes';
import { fileRoutes } from './routes/files.routes';
import { settingsRoutes } from './routes/settings.routes';
import { codeRoutes } from './routes/code.routes';
import { adminRoutes } from './routes/admin.routes';
import { assistantRoutes } from './routes/assistant.routes';
import { integrationRoutes } from './routes/integrations.routes';
import { secretRoutes } from './routes/secrets.routes';
import { connectionRoutes } from './routes/connections.routes';
import { systemRoutes } from './routes/system.routes';
import { authRoutes } from './routes/auth.routes';
import { memberRoutes } from './routes/members.routes';
import { workspaceRoutes } from './routes/workspaces.routes';
import { apiKeyRoutes } from './routes/api-keys.routes';
import { auditRoutes } from './routes/audit.routes';
import { DEFAULT_PEOPLE_CONFIG, People } from './services/people.service';
import { OidcSignIn } from './services/oidc.service';
import { oidcRoutes } from './routes/oidc.routes';
import { CODEC_PATH, codecCors, temporalCodecRoutes } from './routes/temporal-codec.routes';

/** The Express app: `/api` (editor and admin), `/v1` (app-facing), and the built editor at `/`. */
export function createApp(deps: ServerDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // The path only: query strings and bodies are never logged.
      deps.logger.info({ method: req.method, path: req.path, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
    });
    next();
  });
  if (deps.tracer) app.use(tracingMiddleware(deps.tracer));
  if (deps.metrics) app.use(deps.metrics.api.middleware);
  app.use(securityHeaders());
  // API answers carry workspace data: never cached by a browser or a proxy.
  app.use(['/api', '/v1', '/hooks'], (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  app.use(contentEncodingGuard);
  // Browsers ask before a cross-origin POST with a key: answered here for the routes a publishable key may call.
  app.use(publishablePreflight);
  // The Temporal Web UI calls the codec endpoint from its own origin (SWITCHYARD_CODEC_CORS_ORIGINS).
  app.use(CODEC_PATH, codecCors(deps.codecCorsOrigins ?? []));
  // Webhooks first: their signatures are checked over the raw body, before any JSON parsing.
  app.use(hooksRouter(deps));
  // An OpenAPI document may be up to 20 MB (GitHub's is 13 MB); every other body keeps the API's limit.
  app.use('/api/integrations/import/openapi', jsonBody('21mb'));
  // Uploads are raw bytes in their own media type (an audio file, a PDF), up to their own limit.
  app.use('/v1/files', express.raw({ type: () => true, limit: deps.fileUploadLimit ?? '25mb' }));
  app.use(jsonBody(deps.bodyLimit));

  const peopleConfig = deps.people ?? DEFAULT_PEOPLE_CONFIG;
  const sessions = {
    ...peopleConfig.session,
    ...(deps.publicUrl ? { publicUrl: deps.publicUrl } : {}),
    ...(deps.codecCorsOrigins ? { codecOrigins: deps.codecCorsOrigins } : {}),
  };
  const people = new People(deps.db, { ...peopleConfig, session: sessions }, deps.publicUrl);
  const oidc = deps.oidc ? new OidcSignIn(deps.db, people, deps.oidc, deps.publicUrl) : undefined;
  const routes: RouteDef[] = [];
  const all = () => routes;
  routes.push(
    ...systemRoutes(deps, all),
    ...flowLifecycleRoutes(deps),
    ...flowRoutes(deps),
    ...publishRoutes(deps),
    ...versionRoutes(deps),
    ...scheduleRoutes(deps),
    ...runRoutes(deps),
    ...blobRoutes(deps),
    ...fileRoutes(deps),
    ...retryRoutes(deps),
    ...eventRoutes(deps),
    ...invokeRoutes(deps),
    ...appRunRoutes(deps),
    ...notificationRoutes(deps),
    ...publishableKeyRoutes(deps),
    ...catalogRoutes(deps),
    ...settingsRoutes(deps),
    ...codeRoutes(deps),
    ...secretRoutes(deps),
    ...creditRoutes(deps),
    ...adminRoutes(deps),
    ...webhookRoutes(deps),
    ...assistantRoutes(deps),
    ...integrationRoutes(deps),
    ...connectionRoutes(deps),
    ...authRoutes(deps, people),
    ...oidcRoutes(deps, oidc),
    ...workspaceRoutes(deps, people),
    ...memberRoutes(deps, people),
    ...apiKeyRoutes(deps, people),
    ...auditRoutes(deps),
    ...temporalCodecRoutes(deps),
  );
  // The route table, for tests that walk every route (the authorization matrix).
  app.locals.routes = routes;
  const api = express.Router();
  mountRoutes(
    api,
    routes,
    {
      // Before any credential is checked: an address or key prefix with too many failed authentications waits (429).
      guard: authFailureGuard(deps.authFailureLimits ?? DEFAULT_AUTH_FAILURE_LIMITS),
      workspace: workspaceAuthenticator(deps.db, sessions),
      person: personAuthenticator(deps.db, sessions),
      admin: (req) => requireAdmin(deps.adminToken, req),
      publishable: publishableGate(),
    },
    { checkResponses: deps.checkResponses ?? false },
  );
  app.use(api);

  app.use(['/api', '/v1'], (req, _res, next) => next(new AppError('NOT_FOUND', `No route ${req.method} ${req.originalUrl}; see /api/openapi.json`)));
  if (deps.editorDir && fs.existsSync(path.join(deps.editorDir, 'index.html'))) {
    app.use(editorStatic(deps.editorDir));
    app.get(/^\/(?!api|v1|hooks).*/, (_req, res) => res.sendFile(path.join(deps.editorDir!, 'index.html')));
  } else {
    app.get('/', (_req, res) =>
      res
        .type('html')
        .send(
          '<!doctype html><title>Switchyard</title><h1>Switchyard</h1><p>The API is running. The editor has not been built: run <code>npm run build:editor</code>. API reference: <a href="/api/openapi.json">/api/openapi.json</a>.</p>',
        ),
    );
  }
  // Anything else (a POST to a page, a GET of /hooks/…): the same JSON 404, with the same headers as every answer.
  app.use((req, _res, next) => next(new AppError('NOT_FOUND', `Nothing at ${req.method} ${req.path}`)));
  app.use(errorMiddleware(deps.logger));
  return app;
}

/**
 * Security headers on every response (helmet): `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, and
 * a Content-Security-Policy for the editor: its own scripts only, no inline script, no plugins, and no framing
 * (`frame-ancestors 'none'`, clickjacking). Inline styles stay allowed: React Flow positions nodes with style
 * attributes. No `upgrade-insecure-requests`: a self-hosted instance may be served over plain HTTP on a LAN.
 */
function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}
