import { lazy, Suspense, useState, type ReactNode } from 'react';
import { getApiKey, setApiKey } from './api/client';
import { FlowsPage } from './pages/flows-page';
import { LoginPage } from './pages/login-page';
import { href, useRoute, type Route } from './router';
import { ThemeToggle } from './components/theme';

// Pages other than the flow list load when first opened: the canvas, code editor and run view are not part of the
// JavaScript the first page needs (bench/editor-bundle: the flow list's initial transfer).
const CatalogPage = lazy(() => import('./pages/catalog-page').then((m) => ({ default: m.CatalogPage })));
const CreditsPage = lazy(() => import('./pages/credits-page').then((m) => ({ default: m.CreditsPage })));
const FlowEditorPage = lazy(() => import('./pages/flow-editor-page').then((m) => ({ default: m.FlowEditorPage })));
const RunPage = lazy(() => import('./pages/run-page').then((m) => ({ default: m.RunPage })));
const RunsPage = lazy(() => import('./pages/runs-page').then((m) => ({ default: m.RunsPage })));
const SecretsPage = lazy(() => import('./pages/secrets-page').then((m) => ({ default: m.SecretsPage })));
const ConnectionsPage = lazy(() => import('./pages/connections-page').then((m) => ({ default: m.ConnectionsPage })));
const SettingsPage = lazy(() => import('./pages/settings-page').then((m) => ({ default: m.SettingsPage })));
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

export function App() {
  const [key, setKey] = useState(getApiKey());
  const route = useRoute();
  if (!key) {
    return (
      <LoginPage
        onLogin={(k) => {
          setApiKey(k);
          setKey(k);
        }}
      />
    );
  }
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
        </nav>
        <ThemeToggle />
        <span className="mode-badge" title="The mode of your API key">
          {key.startsWith('sy_test_') ? 'Test mode' : 'Live'}
        </span>
        <button
          className="link"
          onClick={() => {
            setApiKey(null);
            setKey(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main className="content">
        <Suspense
          fallback={
            <p className="muted" role="status">
              Loading…
            </p>
          }
        >
          {page(route)}
        </Suspense>
      </main>
    </div>
  );
}

function page(route: Route): ReactNode {
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
  }
}
