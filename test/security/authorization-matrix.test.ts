import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES, RoleScopes, Scopes, type Role, type Scope } from '#core/access';
import type { RouteDef } from '#server/http/route';
import { generateApiKey } from '#server/http/auth';
import { insertApiKey } from '#store/workspaces.repository';
import { startTestApi, type ApiResponse, type TestApi } from '../helpers/api';
import { signUpPerson, type TestPerson } from '../helpers/people';

/**
 * The authorization matrix: every route of the route table × every kind of caller, each with an expected answer.
 *
 * MATRIX below is written by hand: what each route needs. The test fails when a route is mounted that MATRIX does not
 * list (a new route must be decided here), when MATRIX lists a route that is gone, and when a route's declared scope
 * differs from MATRIX. The expected answer of each caller is then derived from MATRIX and the role table written out
 * here (ROLES), and every cell is requested over HTTP.
 */
type Need = Scope | 'none' | 'person' | 'admin';

const MATRIX: Record<string, Need> = {
  'GET /api/health': 'none',
  'GET /api/ready': 'none',
  'GET /api/openapi.json': 'none',
  'POST /api/auth/signup': 'none',
  'POST /api/auth/signin': 'none',
  'POST /api/auth/reset-password': 'none',
  'GET /api/oauth/callback': 'none',
  'GET /api/auth/current': 'none',
  'GET /api/auth/oidc/start': 'none',
  'GET /api/auth/oidc/callback': 'none',
  'GET /api/auth/session': 'person',
  'POST /api/auth/signout': 'person',
  'GET /api/auth/sessions': 'person',
  'DELETE /api/auth/sessions/:sessionId': 'person',
  'GET /api/workspaces': 'person',
  'POST /api/workspaces': 'person',
  'POST /api/invitations/accept': 'person',
  'GET /api/admin/workspaces/:workspaceId/credits': 'admin',
  'PUT /api/admin/workspaces/:workspaceId/plan': 'admin',
  'POST /api/admin/workspaces/:workspaceId/credits': 'admin',
  'POST /v1/events': 'events:write',
  'POST /v1/flows/:flowKey/invoke': 'events:write',
  'GET /v1/runs/:runId': 'runs:read',
  'GET /v1/runs/:runId/events': 'runs:read',
  'POST /api/assistant': 'flows:write',
  'GET /api/catalog': 'workspace:read',
  'GET /api/catalog/actions': 'workspace:read',
  'GET /api/catalog/:key': 'workspace:read',
  'GET /api/catalog/:key/prompt': 'none',
  'POST /api/catalog/:key/install': 'flows:write',
  'POST /api/catalog/:key/test-connection': 'connections:write',
  'POST /api/code/check': 'flows:write',
  'POST /api/code/test': 'flows:write',
  'GET /api/oauth/providers': 'workspace:read',
  'PUT /api/oauth/providers/:provider/client': 'connections:write',
  'GET /api/connections': 'workspace:read',
  'POST /api/connections': 'connections:write',
  'POST /api/connections/:connectionId/reconnect': 'connections:write',
  'GET /api/connections/:connectionId': 'workspace:read',
  'PATCH /api/connections/:connectionId': 'connections:write',
  'POST /api/connections/:connectionId/test': 'connections:write',
  'DELETE /api/connections/:connectionId': 'connections:write',
  'GET /api/credits': 'workspace:read',
  'GET /api/credits/usage': 'workspace:read',
  'GET /api/flows/:flowId/estimate': 'workspace:read',
  'POST /api/flows': 'flows:write',
  'GET /api/flows': 'workspace:read',
  'GET /api/flows/:flowId': 'workspace:read',
  'PATCH /api/flows/:flowId': 'flows:write',
  'DELETE /api/flows/:flowId': 'flows:write',
  'POST /api/flows/:flowId/publish': 'flows:publish',
  'POST /api/flows/:flowId/check': 'workspace:read',
  'GET /api/runs/:runId/blobs/:key': 'runs:read',
  'GET /api/runs/:runId/nodes/:nodeKey/items': 'runs:read',
  'GET /api/runs/:runId/blobs/:key/content': 'runs:read',
  'POST /v1/files': 'events:write',
  'POST /api/flows/:flowId/nodes/:nodeId/test': 'flows:write',
  'POST /api/flows/:flowId/duplicate': 'flows:write',
  'POST /api/flows/:flowId/versions/:version/restore': 'flows:write',
  'POST /api/flows/:flowId/enable': 'flows:publish',
  'PUT /api/flows/:flowId/tags': 'flows:write',
  'GET /api/flow-tags': 'workspace:read',
  'GET /api/flows/:flowId/export': 'workspace:read',
  'POST /api/flows/import': 'flows:write',
  'POST /api/flows/:flowId/unpublish': 'flows:publish',
  'GET /api/flows/:flowId/versions': 'workspace:read',
  'GET /api/flows/:flowId/versions/:version': 'workspace:read',
  'GET /api/flows/:flowId/schedules/:mode': 'workspace:read',
  'POST /api/flows/:flowId/schedules/:mode/pause': 'runs:operate',
  'POST /api/flows/:flowId/schedules/:mode/resume': 'runs:operate',
  'POST /api/flows/:flowId/schedules/:mode/run': 'runs:operate',
  'POST /api/flows/:flowId/schedules/:mode/backfill': 'runs:operate',
  'PUT /api/flows/:flowId/schedules/test': 'flows:write',
  'DELETE /api/flows/:flowId/schedules/test': 'flows:write',
  'POST /api/integrations/import/openapi': 'flows:write',
  'POST /api/integrations/import/curl': 'flows:write',
  'GET /api/integrations/imported': 'workspace:read',
  'GET /api/integrations/imported/:key/prompt': 'workspace:read',
  'POST /api/notifications': 'settings:write',
  'GET /api/notifications': 'workspace:read',
  'DELETE /api/notifications/:endpointId': 'settings:write',
  'GET /api/notifications/:endpointId/deliveries': 'runs:read',
  'POST /api/notifications/deliveries/:deliveryId/replay': 'runs:operate',
  'POST /api/publishable-keys': 'keys:manage',
  'GET /api/publishable-keys': 'keys:manage',
  'DELETE /api/publishable-keys/:keyId': 'keys:manage',
  'POST /api/flows/:flowId/runs': 'runs:operate',
  'GET /api/runs': 'runs:read',
  'GET /api/runs/:runId': 'runs:read',
  'POST /api/runs/:runId/cancel': 'runs:operate',
  'POST /api/runs/:runId/nodes/:nodeKey/retry': 'runs:operate',
  'POST /api/runs/:runId/nodes/:nodeKey/skip': 'runs:operate',
  'POST /api/runs/:runId/nodes/:nodeKey/abort': 'runs:operate',
  'POST /api/runs/:runId/reset': 'runs:operate',
  'POST /api/runs/bulk-retry': 'runs:operate',
  'GET /api/secrets': 'workspace:read',
  'PUT /api/secrets/:name': 'secrets:write',
  'DELETE /api/secrets/:name': 'secrets:write',
  'GET /api/settings': 'workspace:read',
  'PATCH /api/settings': 'settings:write',
  'GET /api/webhooks/endpoints': 'workspace:read',
  'POST /api/webhooks/inboxes': 'flows:write',
  'DELETE /api/webhooks/endpoints/:id': 'flows:write',
  'GET /api/webhooks/deliveries': 'runs:read',
  'GET /api/webhooks/deliveries/:id': 'runs:read',
  'POST /api/webhooks/deliveries/:id/replay': 'runs:operate',
  'GET /api/members': 'workspace:read',
  'PATCH /api/members/:userId': 'members:manage',
  'DELETE /api/members/:userId': 'members:manage',
  'POST /api/invitations': 'members:manage',
  'DELETE /api/invitations/:invitationId': 'members:manage',
  'GET /api/keys': 'keys:manage',
  'POST /api/keys': 'keys:manage',
  'DELETE /api/keys/:keyId': 'keys:manage',
  'GET /api/audit': 'audit:read',
  // The Temporal Web UI's codec endpoint: raw histories, so operators and up (docs/temporal.md).
  'POST /api/temporal-codec/decode': 'runs:operate',
  'POST /api/temporal-codec/encode': 'runs:operate',
};

/** The roles, written out: owner everything; editor all but members, keys and audit; operator runs; viewer reads. */
const ROLES: Record<Role, Scope[]> = {
  owner: [...Scopes],
  editor: [
    'events:write',
    'workspace:read',
    'runs:read',
    'runs:operate',
    'flows:write',
    'flows:publish',
    'secrets:write',
    'connections:write',
    'settings:write',
  ],
  operator: ['events:write', 'workspace:read', 'runs:read', 'runs:operate'],
  viewer: ['workspace:read', 'runs:read'],
};

const routeKey = (r: Pick<RouteDef, 'method' | 'path'>) => `${r.method.toUpperCase()} ${r.path}`;

function needOf(route: RouteDef): Need {
  if (route.auth === 'none' || route.auth === 'person' || route.auth === 'admin') return route.auth;
  return route.scope!;
}

/** The routes of a table that the matrix does not decide, or decides differently. */
export function matrixProblems(routes: RouteDef[], matrix: Record<string, Need>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const route of routes) {
    const key = routeKey(route);
    seen.add(key);
    if (!(key in matrix)) problems.push(`${key} is not in the authorization matrix: add it with what it needs`);
    else if (matrix[key] !== needOf(route)) problems.push(`${key} needs ${needOf(route)} but the matrix says ${matrix[key]}`);
  }
  for (const key of Object.keys(matrix)) if (!seen.has(key)) problems.push(`${key} is in the matrix but no longer mounted`);
  return problems;
}

type Outcome = 'pass' | 'unauthenticated' | 'forbidden' | 'not-a-member';

/** What the gate answered: `pass` means the request reached the route's own checks (any answer but the gate's refusals). */
function outcomeOf(res: ApiResponse): Outcome {
  if (res.status === 401) return 'unauthenticated';
  const details = res.body?.error?.details;
  if (res.status === 403 && (details?.scope || details?.testKey || details?.csrf || /API keys cannot call it|admin API/.test(res.body?.error?.message ?? '')))
    return 'forbidden';
  if (res.status === 404 && /^No workspace /.test(res.body?.error?.message ?? '')) return 'not-a-member';
  return 'pass';
}

let api: TestApi;
const people: Partial<Record<Role | 'otherWorkspace', TestPerson>> = {};
/** Per scope: a live key with only that scope, and a live key with every scope but that one. */
const keysWith = new Map<Scope, string>();
const keysWithout = new Map<Scope, string>();
let testKey = '';

async function addKey(workspaceId: string, mode: 'live' | 'test', scopes: readonly Scope[]): Promise<string> {
  const k = generateApiKey(mode);
  await insertApiKey(api.db, { workspaceId, mode, prefix: k.prefix, hash: k.hash, scopes, name: 'matrix' });
  return k.key;
}

beforeAll(async () => {
  api = await startTestApi({ taskQueue: `authz-matrix-${Date.now()}` });
  for (const role of ['owner', 'editor', 'operator', 'viewer'] as const) people[role] = await signUpPerson(api, { role });
  const other = await api.createWorkspace('Someone else');
  // An owner of another workspace, asking for this one.
  const stranger = await signUpPerson(api, { role: 'owner', workspaceId: other.workspaceId });
  people.otherWorkspace = {
    ...stranger,
    workspaceId: api.workspaceId,
    request: (m, p, o = {}) => stranger.request(m, p, { ...o, headers: { 'x-switchyard-workspace': api.workspaceId, ...o.headers } }),
  };
  for (const scope of Scopes) {
    keysWith.set(scope, await addKey(api.workspaceId, 'live', [scope]));
    keysWithout.set(
      scope,
      await addKey(
        api.workspaceId,
        'live',
        Scopes.filter((s) => s !== scope),
      ),
    );
  }
  testKey = await addKey(api.workspaceId, 'test', ALL_SCOPES);
}, 60_000);
afterAll(async () => api?.close());

function samplePath(path: string): string {
  return path.replace(/:(\w+)/g, (_m, name: string) =>
    name === 'mode' ? 'test' : name === 'version' ? '1' : name === 'workspaceId' ? 'ws_matrix' : `matrix_${name}`,
  );
}

function call(route: RouteDef, as: { key?: string | null; person?: TestPerson }): Promise<ApiResponse> {
  const path = samplePath(route.path);
  const body = route.method === 'get' || route.method === 'delete' ? undefined : {};
  if (as.person) return as.person.request(route.method, path, body !== undefined ? { body } : {});
  return api.request(route.method, path, { key: as.key ?? null, ...(body !== undefined ? { body } : {}) });
}

describe('authorization matrix', () => {
  it('lists every mounted route, with the scope each declares; the role table is the one in core', () => {
    expect(matrixProblems(api.routes, MATRIX)).toEqual([]);
    expect(Object.fromEntries(Object.entries(RoleScopes).map(([r, s]) => [r, [...s].sort()]))).toEqual(
      Object.fromEntries(Object.entries(ROLES).map(([r, s]) => [r, [...s].sort()])),
    );
  });

  it('fails for a route the matrix does not list', () => {
    const added = { ...api.routes[0]!, method: 'post' as const, path: '/api/something-new', auth: undefined, scope: 'flows:write' as const };
    expect(matrixProblems([...api.routes, added], MATRIX)).toEqual(['POST /api/something-new is not in the authorization matrix: add it with what it needs']);
  });

  it('answers every route × caller as expected', { timeout: 240_000 }, async () => {
    const mismatches: string[] = [];
    const check = (route: RouteDef, who: string, expected: Outcome, res: ApiResponse) => {
      const got = outcomeOf(res);
      if (got !== expected)
        mismatches.push(
          `${routeKey(route)} as ${who}: expected ${expected}, got ${got} (${res.status} ${JSON.stringify(res.body?.error ?? '').slice(0, 160)})`,
        );
    };
    // Signing out ends the caller's session: those routes go last.
    const routes = [...api.routes].sort((a, b) => Number(a.path === '/api/auth/signout') - Number(b.path === '/api/auth/signout'));
    let cells = 0;
    for (const route of routes) {
      const need = MATRIX[routeKey(route)]!;
      const refusedUnlessNone = (fallback: Outcome): Outcome => (need === 'none' ? 'pass' : fallback);
      // Anonymous.
      check(route, 'anonymous', refusedUnlessNone('unauthenticated'), await call(route, { key: null }));
      // Members of this workspace, by role.
      for (const role of ['owner', 'editor', 'operator', 'viewer'] as const) {
        const expected: Outcome =
          need === 'none' || need === 'person' ? 'pass' : need === 'admin' ? 'unauthenticated' : ROLES[role].includes(need) ? 'pass' : 'forbidden';
        check(route, role, expected, await call(route, { person: people[role]! }));
        cells++;
      }
      // An owner of another workspace naming this one.
      check(
        route,
        'member of another workspace',
        need === 'none' || need === 'person' ? 'pass' : need === 'admin' ? 'unauthenticated' : 'not-a-member',
        await call(route, { person: people.otherWorkspace! }),
      );
      // Live keys: with the route's scope, and with every scope but it.
      if (need === 'none') {
        check(route, 'live key', 'pass', await call(route, { key: keysWith.get('events:write')! }));
      } else if (need === 'person' || need === 'admin') {
        check(route, 'live key (all scopes)', 'forbidden', await call(route, { key: api.keys.live }));
      } else {
        check(route, `live key with ${need}`, 'pass', await call(route, { key: keysWith.get(need)! }));
        check(route, `live key without ${need}`, 'forbidden', await call(route, { key: keysWithout.get(need)! }));
      }
      // A test key with every scope: only routes that allow test keys.
      const testExpected: Outcome =
        need === 'none' ? 'pass' : need === 'person' || need === 'admin' ? 'forbidden' : route.testKey === 'allowed' ? 'pass' : 'forbidden';
      check(route, 'test key', testExpected, await call(route, { key: testKey }));
      cells += 5;
    }
    expect(mismatches).toEqual([]);
    expect(cells).toBeGreaterThan(8 * 90);
  });
});
