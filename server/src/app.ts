import fs from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import { AppError } from '../../core/src/errors';
import type { ServerDeps } from './deps';
import { apiKeyAuthenticator } from './http/auth';
import { contentEncodingGuard, jsonBody } from './http/body';
import { errorMiddleware } from './http/errors';
import { mountRoutes, type RouteDef } from './http/route';
import { eventRoutes } from './routes/events.routes';
import { flowRoutes } from './routes/flows.routes';
import { hooksRouter } from './routes/hooks.routes';
import { webhookRoutes } from './routes/webhooks.routes';
import { catalogRoutes } from './routes/catalog.routes';
import { creditRoutes } from './routes/credits.routes';
import { runRoutes } from './routes/runs.routes';
import { secretRoutes } from './routes/secrets.routes';
import { systemRoutes } from './routes/system.routes';

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
  app.use(contentEncodingGuard);
  // Webhooks first: their signatures are checked over the raw body, before any JSON parsing.
  app.use(hooksRouter(deps));
  app.use(jsonBody(deps.bodyLimit));

  const routes: RouteDef[] = [];
  const all = () => routes;
  routes.push(
    ...systemRoutes(deps, all),
    ...flowRoutes(deps),
    ...runRoutes(deps),
    ...eventRoutes(deps),
    ...catalogRoutes(deps),
    ...secretRoutes(deps),
    ...creditRoutes(deps),
    ...webhookRoutes(deps),
  );
  const api = express.Router();
  mountRoutes(api, routes, apiKeyAuthenticator(deps.db));
  app.use(api);

  app.use(['/api', '/v1'], (req, _res, next) => next(new AppError('NOT_FOUND', `No route ${req.method} ${req.originalUrl}; see /api/openapi.json`)));
  if (deps.editorDir && fs.existsSync(path.join(deps.editorDir, 'index.html'))) {
    app.use(express.static(deps.editorDir, { index: 'index.html', maxAge: '1h' }));
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
  app.use(errorMiddleware(deps.logger));
  return app;
}
