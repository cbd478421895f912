import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import { AppError } from '#core/errors';
import { validationError } from '#core/validation-error';
import type { Scope } from '#core/access';
import type { AuthContext } from './auth';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  auth: AuthContext;
  req: Request;
}

export interface RouteResult {
  status?: number;
  body?: unknown;
  /** Send `body` (a string) with this content type instead of as JSON. */
  contentType?: string;
  /** Extra response headers (a Set-Cookie, `Location`, `Retry-After`…). */
  headers?: Record<string, string | string[]>;
  /** A streamed answer (server-sent events): writes the response itself; `status` and `body` are not used. */
  stream?: (res: Response) => Promise<void>;
}

/**
 * One route: its validation schemas, its documentation and its handler. The schemas parse the request
 * once; the handler receives the parsed values (never re-parses). The same object feeds the OpenAPI
 * document, so the docs cannot drift from the code.
 */
export interface RouteDef<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: Method;
  /** Express-style path: `/api/flows/:flowId`. */
  path: string;
  summary: string;
  tag: string;
  /**
   * `workspace` (default): an API key, or a signed-in person acting in one of their workspaces; `person`: a signed-in
   * person whatever the workspace (their session, their workspaces); `admin` (SWITCHYARD_ADMIN_TOKEN); `none` (health,
   * docs, sign-in).
   */
  auth?: 'workspace' | 'person' | 'admin' | 'none';
  /**
   * What a `workspace` route needs (core/src/access.ts): a key must carry this scope, a person's role must grant it.
   * Required for every workspace route: `mountRoutes` refuses to mount one without it.
   */
  scope?: Scope;
  /**
   * `allowed`: a test key (`sy_test_…`) may call this route, and the handler keeps it to test data (test runs,
   * test secrets, test deliveries). Absent: live keys only, so a new route stays behind the test-mode wall
   * until it says what a test key may see (docs/architecture.md, "The test-mode wall").
   */
  testKey?: 'allowed';
  /**
   * `allowed`: a publishable key (`sy_pub_…`, from a browser) may call this route, from one of its origins and within
   * its rate limits; the handler keeps it to public flows. Absent: publishable keys are refused (403).
   */
  publishable?: 'allowed';
  params?: P;
  query?: Q;
  body?: B;
  /**
   * Status → description and optional response schema (JSON unless `contentType` says otherwise), for the OpenAPI
   * document. Error answers default to the one error schema; the answers every route of its kind gives (401, 400, …)
   * are added by openapi.ts.
   */
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  handler(ctx: RouteContext<z.infer<P>, z.infer<Q>, z.infer<B>>): Promise<RouteResult>;
}

export function defineRoute<P extends z.ZodType = z.ZodObject, Q extends z.ZodType = z.ZodObject, B extends z.ZodType = z.ZodUnknown>(
  def: RouteDef<P, Q, B>,
): RouteDef {
  return def as unknown as RouteDef;
}

/** How routes that need a credential check it. */
export interface Authenticators {
  /** Runs first, before any credential is checked: refuses a caller with too many failed authentications (429). */
  guard(req: Request, res: Response): Promise<void>;
  /** A workspace API key or a person's session → the workspace, mode and scopes (401 otherwise). */
  workspace(req: Request): Promise<AuthContext>;
  /** A signed-in person's session (401 otherwise; 403 for an API key). */
  person(req: Request): Promise<AuthContext>;
  /** The admin token (401/403 otherwise). */
  admin(req: Request): void;
  /** A publishable key's origin and rate limits (403, 429), and its CORS answer headers. */
  publishable(req: Request, res: Response, auth: AuthContext): Promise<void>;
}

/**
 * Registers routes on a router; each route's credential is checked before its handler runs. With `checkResponses`
 * (the tests turn it on), every JSON answer is checked against the schema its route declares for that status, and a
 * mismatch is a 500 naming the route and the field: the OpenAPI document and the editor's types cannot drift from
 * what the server sends.
 */
export function mountRoutes(router: Router, routes: RouteDef[], authn: Authenticators, options: { checkResponses?: boolean } = {}): void {
  for (const route of routes) {
    if (isWorkspaceRoute(route) && !route.scope) {
      throw new Error(`${route.method.toUpperCase()} ${route.path} needs a workspace credential but declares no scope (RouteDef.scope, core/src/access.ts)`);
    }
    if (!isWorkspaceRoute(route) && route.scope) {
      throw new Error(
        `${route.method.toUpperCase()} ${route.path} declares scope ${route.scope}, but its auth is '${route.auth}': scopes apply to workspace routes only`,
      );
    }
    router[route.method](route.path, async (req: Request, res: Response, next: NextFunction) => {
      try {
        let auth = anonymous;
        if (route.auth !== 'none') {
          await authn.guard(req, res);
          if (route.auth === 'admin') authn.admin(req);
          else if (route.auth === 'person') auth = await authn.person(req);
          else auth = await authn.workspace(req);
        }
        if (auth.publishable) {
          if (route.publishable !== 'allowed') throw publishableKeyRefused(route);
          await authn.publishable(req, res, auth);
        }
        if (auth.mode === 'test' && route.auth !== 'none' && route.testKey !== 'allowed') throw testKeyRefused(route);
        if (isWorkspaceRoute(route) && !auth.scopes.includes(route.scope!)) throw scopeRefused(route, auth);
        const params = parsePart(route.params, req.params, 'path parameter');
        const query = parsePart(route.query, req.query, 'query parameter');
        const body = parsePart(route.body, req.body, 'body');
        const result = await route.handler({ params, query, body, auth, req });
        if (result.stream) {
          await result.stream(res);
          return;
        }
        const status = result.status ?? 200;
        if (options.checkResponses) checkResponse(route, status, result);
        if (result.headers) res.set(result.headers);
        if (result.body === undefined) res.status(status).end();
        else if (result.contentType) res.status(status).type(result.contentType).send(result.body);
        else res.status(status).json(result.body);
      } catch (err) {
        next(err);
      }
    });
  }
}

function checkResponse(route: RouteDef, status: number, result: RouteResult): void {
  const declared = route.responses[status];
  if (!declared) throw new Error(`${route.method.toUpperCase()} ${route.path} answered ${status}, which its route does not declare`);
  if (!declared.schema || result.contentType || result.body === undefined) return;
  const checked = declared.schema.safeParse(result.body);
  if (!checked.success) {
    const where = checked.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new Error(`${route.method.toUpperCase()} ${route.path} answered ${status} with a body its declared schema refuses: ${where}`);
  }
}

/** Routes that act in a workspace and so declare a scope. */
export function isWorkspaceRoute(route: RouteDef): boolean {
  return route.auth === undefined || route.auth === 'workspace';
}

function scopeRefused(route: RouteDef, auth: AuthContext): AppError {
  const what = `${route.method.toUpperCase()} ${route.path} (${route.summary})`;
  const message = auth.person
    ? `Your role in this workspace (${auth.person.role}) does not allow ${what}: it needs ${route.scope}. Ask an owner for another role.`
    : `This API key does not allow ${what}: it needs the scope ${route.scope}. An owner can create a key with it (API keys page).`;
  return new AppError('FORBIDDEN', message, { scope: route.scope });
}

function publishableKeyRefused(route: RouteDef): AppError {
  return new AppError(
    'FORBIDDEN',
    `A publishable key (sy_pub_…) cannot call ${route.method.toUpperCase()} ${route.path}: it may only send events (POST /v1/events) and invoke public flows (POST /v1/flows/<id>/invoke). Call this from your backend with a secret key.`,
    { publishable: true },
  );
}

function testKeyRefused(route: RouteDef): AppError {
  return new AppError(
    'FORBIDDEN',
    `A test key (sy_test_…) cannot call ${route.method.toUpperCase()} ${route.path} (${route.summary}): test keys act only on test runs, test secrets and test deliveries. Use the workspace's live key.`,
    { testKey: true },
  );
}

const anonymous: AuthContext = { workspaceId: '', mode: 'live', keyId: '', scopes: [], actor: { type: 'anonymous', id: '', label: 'anonymous' } };

function parsePart(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return value;
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw validationError(where, result.error);
}
