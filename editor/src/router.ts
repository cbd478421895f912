import { useSyncExternalStore } from 'react';

/**
 * A tiny hash router: `#/flows/flw_1`, `#/runs/run_1`. No dependency, and deep links survive reloads of
 * the static build served by the API.
 */
export type Route =
  | { page: 'flows' }
  | { page: 'flow'; flowId: string; version?: number }
  | { page: 'runs'; flowId?: string }
  | { page: 'run'; runId: string }
  | { page: 'catalog'; key?: string }
  | { page: 'secrets'; /** Opens this secret's value form (the add form, named, when it does not exist yet). */ name?: string; mode?: 'live' | 'test' }
  | { page: 'connections' }
  | { page: 'webhooks'; deliveryId?: string }
  | { page: 'credits' }
  | { page: 'settings' }
  | { page: 'members' }
  | { page: 'keys' }
  | { page: 'audit' };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const params = new URLSearchParams(query);
  switch (parts[0]) {
    case 'flows':
      if (parts[1]) return { page: 'flow', flowId: parts[1], ...(parts[2] === 'versions' && parts[3] ? { version: Number(parts[3]) } : {}) };
      return { page: 'flows' };
    case 'runs':
      if (parts[1]) return { page: 'run', runId: parts[1] };
      return params.get('flow') ? { page: 'runs', flowId: params.get('flow')! } : { page: 'runs' };
    case 'catalog':
      return parts[1] ? { page: 'catalog', key: parts[1] } : { page: 'catalog' };
    case 'secrets': {
      const name = params.get('name');
      const mode = params.get('mode');
      return { page: 'secrets', ...(name ? { name } : {}), ...(mode === 'live' || mode === 'test' ? { mode } : {}) };
    }
    case 'connections':
      return { page: 'connections' };
    case 'webhooks':
      return parts[1] === 'deliveries' && parts[2] ? { page: 'webhooks', deliveryId: parts[2] } : { page: 'webhooks' };
    case 'credits':
      return { page: 'credits' };
    case 'settings':
      return { page: 'settings' };
    case 'members':
      return { page: 'members' };
    case 'keys':
      return { page: 'keys' };
    case 'audit':
      return { page: 'audit' };
    default:
      return { page: 'flows' };
  }
}

export function href(route: Route): string {
  switch (route.page) {
    case 'flows':
      return '#/flows';
    case 'flow':
      return route.version ? `#/flows/${route.flowId}/versions/${route.version}` : `#/flows/${route.flowId}`;
    case 'runs':
      return route.flowId ? `#/runs?flow=${route.flowId}` : '#/runs';
    case 'run':
      return `#/runs/${route.runId}`;
    case 'catalog':
      return route.key ? `#/catalog/${route.key}` : '#/catalog';
    case 'secrets': {
      const q = new URLSearchParams({ ...(route.name ? { name: route.name } : {}), ...(route.mode ? { mode: route.mode } : {}) }).toString();
      return q ? `#/secrets?${q}` : '#/secrets';
    }
    case 'connections':
      return '#/connections';
    case 'webhooks':
      return route.deliveryId ? `#/webhooks/deliveries/${route.deliveryId}` : '#/webhooks';
    case 'credits':
      return '#/credits';
    case 'settings':
      return '#/settings';
    case 'members':
      return '#/members';
    case 'keys':
      return '#/keys';
    case 'audit':
      return '#/audit';
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}

const subscribe = (cb: () => void) => {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
};

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
