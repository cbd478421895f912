import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useCallback, useEffect, useState, type ReactNode } from 'react';
import { rememberedWorkspace, setSession } from './api/client';
import { acceptInvitation, loadSession, signOut } from './api/people';
import type { SessionInfo } from './api/types';
import { FlowsPage } from './pages/flows-page';
import { AuthPage, authLink, leaveAuthLink } from './people/auth-page';
import { WorkspaceSwitcher } from './people/workspace-switcher';
import { href, navigate, useRoute, type Route } from './router';
import { ThemeToggle } from './components/theme';

// Pages other than the flow list load when first opened: the canvas, code editor and run view are not part of the
// JavaScript the first page needs (bench/editor-transfer: the flow list's initial transfer).
const CatalogPage = lazy(() => import('./pages/catalog-page').then((m) => ({ default: m.CatalogPage })));
const CreditsPage = lazy(() => import('./pages/credits-page').then((m) => ({ default: m.CreditsPage })));
const FlowEditorPage = lazy(() => import('./pages/flow-editor-page').then((m) => ({ default: m.FlowEditorPage })));
const RunPage = lazy(() => import('./pages/run-page').then((m) => ({ default: m.RunPage })));
const RunsPage = lazy(() => import('./pages/runs-page').then((m) => ({ default: m.RunsPage })));
const SecretsPage = lazy(() => import('./pages/secrets-page').then((m) => ({ default: m.SecretsPage })));
const ConnectionsPage = lazy(() => import('./pages/connections-page').then((m) => ({ default: m.ConnectionsPage })));
const SettingsPage = lazy(() => import('./pages/settings-page').then((m) => ({ default: m.SettingsPage })));
const ApiKeysPage = lazy(() => import('./people/api-keys-page').then((m) => ({ default: m.ApiKeysPage })));
const AuditPage = lazy(() => import('./people/audit-page').then((m) => ({ default: m.AuditPage })));
const MembersPage = lazy(() => import('./people/members-page').then((m) => ({ default: m.MembersPage })));
const WebhooksPage = lazy(() => import('./pages/webhooks-page').then((m) => ({ default: m.WebhooksPage })));

const NAV: { label: string; route: Route; match: Route['page'][] }[] = [
  { label: 'Flows', route: { page: 'flows' }, match: ['flows', 'flow'] },
  { label: 'Runs', route: { page: 'runs' }, match: ['runs', 'run'] },
  { label: 'Catalog', route: { page: 'catalog' }, match: ['catalog'] },
  { label: 'Secrets', route: { page: 'secrets' }, match: ['secrets'] },
  { label: 'Connections', route: { page: 'connections' }, match: ['connections'] },
  { label: 'Webhooks', route: { page: 'webhooks' }, match: ['webhooks'] },
  { label: 'Credits', route: { page: 'credits' }, match: ['credits'] },
  { label: 'App Settings', route: { page: 'settings' }, match: ['settings'] },
];

/** Pages of the workspace's people: Members for everyone; API keys and Audit for owners. */
const PEOPLE_NAV: { label: string; route: Route; ownerOnly: boolean }[] = [
  { label: 'Members', route: { page: 'members' }, ownerOnly: false },
  { label: 'API keys', route: { page: 'keys' }, ownerOnly: true },
  { label: 'Audit', route: { page: 'audit' }, ownerOnly: true },
];

export function App() {
  /** undefined while the session is being read; null when nobody is signed in. */
  const [session, setSessionInfo] = useState<SessionInfo | null | undefined>(undefined);
  const [workspaceId, setWorkspaceId] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const route = useRoute();

  const applySession = useCallback((s: SessionInfo | null, prefer?: string) => {
    const ids = s?.workspaces.map((w) => w.id) ?? [];
    const chosen = [prefer, rememberedWorkspace()].find((id) => id && ids.includes(id)) ?? ids[0] ?? null;
    setSession(s ? { csrfToken: s.csrfToken, workspaceId: chosen } : null);
    setWorkspaceId(chosen);
    setSessionInfo(s);
  }, []);

  useEffect(() => {
    loadSession().then(
      (s) => applySession(s),
      () => applySession(null),
    );
  }, [applySession]);

  if (session === undefined) return <p className="muted">Loading…</p>;
  if (!session) return <AuthPage onSignedIn={(s) => applySession(s)} />;
  const current = session.workspaces.find((w) => w.id === workspaceId);
  const switchTo = (id: string) => {
    applySession(session!, id);
    queryClient.clear();
    navigate({ page: 'flows' });
  };
  const invite = authLink();
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/flows">
          Switchyard
        </a>
        <nav aria-label="Main">
          {NAV.map((item) => (
            <a key={item.label} href={href(item.route)} className={item.match.includes(route.page) ? 'active' : undefined}>
              {item.label}
            </a>
          ))}
          {PEOPLE_NAV.filter((item) => !item.ownerOnly || current?.role === 'owner').map((item) => (
              <a key={item.label} href={href(item.route)} className={route.page === item.route.page ? 'active' : undefined}>
                {item.label}
              </a>
            ))}
        </nav>
        <ThemeToggle />
        <WorkspaceSwitcher
          workspaces={session.workspaces}
          current={workspaceId}
          onSwitch={switchTo}
          onCreated={(ws) => {
            applySession({ ...session, workspaces: [...session.workspaces, ws] }, ws.id);
            queryClient.clear();
            navigate({ page: 'flows' });
          }}
        />
        <span className="mode-badge" title={`Signed in as ${session.user.email}`}>
          {current?.role ?? 'no workspace'}
        </span>
        <button
          className="link"
          onClick={() => {
            void signOut().finally(() => applySession(null));
            queryClient.clear();
          }}
        >
          Sign out
        </button>
      </header>
      <main className="content">
        {invite.mode === 'signup' && invite.invite && (
          <JoinInvitation
            token={invite.invite}
            onJoined={(ws) => {
              leaveAuthLink();
              applySession({ ...session, workspaces: [...session.workspaces.filter((w) => w.id !== ws.id), ws] }, ws.id);
              queryClient.clear();
            }}
          />
        )}
        {session.workspaces.length === 0 ? (
          <p className="empty">You are not in a workspace yet: create one with “New workspace”, or open an invitation link.</p>
        ) : (
          <Suspense
            fallback={
              <p className="muted" role="status">
                Loading…
              </p>
            }
          >
            {page(route, current?.role === 'owner')}
          </Suspense>
        )}
      </main>
    </div>
  );
}

/** A signed-in person opened an invitation link: join its workspace. */
function JoinInvitation({ token, onJoined }: { token: string; onJoined: (ws: SessionInfo['workspaces'][number]) => void }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="notice">
      You opened an invitation link.{' '}
      <button onClick={() => acceptInvitation(token).then(onJoined, (err: unknown) => setError(err instanceof Error ? err.message : String(err)))}>
        Join the workspace
      </button>
      {error && (
        <span role="alert" className="error">
          {' '}
          {error}
        </span>
      )}
    </div>
  );
}

function page(route: Route, owner: boolean): ReactNode {
  switch (route.page) {
    case 'flows':
      return <FlowsPage />;
    case 'flow':
      return (
        <FlowEditorPage key={`${route.flowId}:${route.version ?? 'draft'}`} flowId={route.flowId} {...(route.version ? { version: route.version } : {})} />
      );
    case 'runs':
      return <RunsPage {...(route.flowId ? { flowId: route.flowId } : {})} />;
    case 'run':
      return <RunPage key={route.runId} runId={route.runId} />;
    case 'catalog':
      return <CatalogPage {...(route.key ? { integrationKey: route.key } : {})} />;
    case 'secrets':
      return (
        <SecretsPage
          key={`${route.name ?? ''}:${route.mode ?? ''}`}
          {...(route.name ? { name: route.name } : {})}
          {...(route.mode ? { mode: route.mode } : {})}
        />
      );
    case 'connections':
      return <ConnectionsPage />;
    case 'webhooks':
      return <WebhooksPage {...(route.deliveryId ? { deliveryId: route.deliveryId } : {})} />;
    case 'credits':
      return <CreditsPage />;
    case 'settings':
      return <SettingsPage />;
    case 'members':
      return <MembersPage canManage={owner} />;
    case 'keys':
      return <ApiKeysPage />;
    case 'audit':
      return <AuditPage />;
  }
}
