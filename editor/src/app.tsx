import { useState, type ReactNode } from 'react';
import { getApiKey, setApiKey } from './api/client';
import { CatalogPage } from './pages/catalog-page';
import { CreditsPage } from './pages/credits-page';
import { FlowEditorPage } from './pages/flow-editor-page';
import { FlowsPage } from './pages/flows-page';
import { LoginPage } from './pages/login-page';
import { RunPage } from './pages/run-page';
import { RunsPage } from './pages/runs-page';
import { SecretsPage } from './pages/secrets-page';
import { ConnectionsPage } from './pages/connections-page';
import { SettingsPage } from './pages/settings-page';
import { WebhooksPage } from './pages/webhooks-page';
import { href, useRoute, type Route } from './router';
import { ThemeToggle } from './components/theme';

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
      <main className="content">{page(route)}</main>
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
