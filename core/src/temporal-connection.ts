import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { ConfigError } from './config';

/**
 * Where Temporal is and how to reach it, read the way Temporal's own tools read it (`@temporalio/envconfig`,
 * the same rules as the `temporal` CLI and every SDK): a profile of the TOML config file
 * (TEMPORAL_CONFIG_FILE, default `~/.config/temporalio/temporal.toml`; TEMPORAL_PROFILE, default `default`),
 * overridden by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS,
 * TEMPORAL_TLS_CLIENT_CERT_PATH / _DATA, TEMPORAL_TLS_CLIENT_KEY_PATH / _DATA, TEMPORAL_TLS_SERVER_CA_CERT_PATH
 * / _DATA, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_GRPC_META_*. With no address anywhere, the local dev server
 * (`npm start` runs it on TEMPORAL_DEV_PORT).
 *
 * One module for the API (server/src/temporal.ts), the worker (worker/src/main.ts) and the scripts, so
 * they all reach the same cluster the same way.
 */
export interface TemporalConnectionSettings {
  address: string;
  namespace: string;
  /** True when the address came from the environment or a config profile: a cluster, no dev server to start. */
  external: boolean;
  /** Options for `Connection.connect` / `Connection.lazy` (client) and `NativeConnection.connect` (worker). */
  connectionOptions: {
    address: string;
    tls?: TLSConfig | boolean;
    apiKey?: string;
    metadata?: Record<string, string>;
  };
  /** How the connection is secured, for logs (never the key or the certificate). */
  describe: string;
}

export function temporalConnectionSettings(env: Record<string, string | undefined>, fallback: { devPort: number }): TemporalConnectionSettings {
  const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('TEMPORAL_') && e[1] !== undefined && e[1] !== ''));
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: vars });
  } catch (err) {
    const where = vars.TEMPORAL_CONFIG_FILE
      ? `the Temporal config file ${vars.TEMPORAL_CONFIG_FILE}`
      : 'the Temporal connection settings (TEMPORAL_* variables or config file)';
    throw new ConfigError(`Invalid configuration:\n  ${where}: ${(err as Error).message}`);
  }
  const options = loaded.connectionOptions;
  const external = !!options.address;
  const address = options.address ?? `127.0.0.1:${fallback.devPort}`;
  const tls = options.tls as TLSConfig | boolean | undefined;
  const connectionOptions = {
    address,
    ...(tls !== undefined ? { tls } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey as string } : {}),
    ...(options.metadata && Object.keys(options.metadata).length > 0 ? { metadata: options.metadata as Record<string, string> } : {}),
  };
  return { address, namespace: loaded.namespace ?? 'default', external, connectionOptions, describe: describe(connectionOptions) };
}

function describe(o: TemporalConnectionSettings['connectionOptions']): string {
  const parts = [o.address];
  if (o.tls && typeof o.tls === 'object') parts.push(o.tls.clientCertPair ? 'mTLS' : 'TLS');
  else if (o.tls === true) parts.push('TLS');
  if (o.apiKey) parts.push('API key');
  return parts.join(', ');
}
