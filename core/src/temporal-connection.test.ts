import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config';
import { temporalConnectionSettings } from './temporal-connection';

const dev = { devPort: 7233 };

describe('Temporal connection settings (read as @temporalio/envconfig reads them)', () => {
  it('falls back to the local dev server when no address is configured anywhere', () => {
    const s = temporalConnectionSettings({ TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' }, { devPort: 7999 });
    expect(s).toMatchObject({ address: '127.0.0.1:7999', namespace: 'default', external: false, connectionOptions: { address: '127.0.0.1:7999' } });
    expect(s.connectionOptions.tls).toBeUndefined();
  });

  it('reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_API_KEY (an API key means TLS)', () => {
    const s = temporalConnectionSettings({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'secret-key' }, dev);
    expect(s).toMatchObject({ address: 'ns.acct.tmprl.cloud:7233', namespace: 'ns.acct', external: true });
    expect(s.connectionOptions).toMatchObject({ apiKey: 'secret-key', tls: true });
    expect(s.describe).toBe('ns.acct.tmprl.cloud:7233, TLS, API key');
    expect(s.describe).not.toContain('secret-key');
  });

  it('reads a profile of the TOML config file, which TEMPORAL_* variables override', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'envconfig-'));
    try {
      fs.writeFileSync(path.join(dir, 'client.pem'), 'CERT');
      fs.writeFileSync(path.join(dir, 'client.key'), 'KEY');
      const file = path.join(dir, 'temporal.toml');
      fs.writeFileSync(
        file,
        `[profile.default]\naddress = "localhost:7233"\n\n[profile.prod]\naddress = "temporal.internal:7233"\nnamespace = "switchyard"\n[profile.prod.tls]\nclient_cert_path = "${dir}/client.pem"\nclient_key_path = "${dir}/client.key"\nserver_name = "temporal.internal"\n`,
      );
      const prod = temporalConnectionSettings({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' }, dev);
      expect(prod).toMatchObject({ address: 'temporal.internal:7233', namespace: 'switchyard', external: true, describe: 'temporal.internal:7233, mTLS' });
      const tls = prod.connectionOptions.tls as { clientCertPair?: { crt: Uint8Array; key: Uint8Array }; serverNameOverride?: string };
      expect(tls.serverNameOverride).toBe('temporal.internal');
      expect(Buffer.from(tls.clientCertPair!.crt).toString()).toBe('CERT');
      const overridden = temporalConnectionSettings({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'other' }, dev);
      expect(overridden.namespace).toBe('other');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops with a message naming the setting when a certificate file is missing', () => {
    expect(() =>
      temporalConnectionSettings(
        { TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_CLIENT_CERT_PATH: '/nope/client.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: '/nope/client.key' },
        dev,
      ),
    ).toThrow(/Invalid configuration:[\s\S]*TEMPORAL_\*[\s\S]*\/nope\/client/);
  });
});

describe('the worker and encryption settings', () => {
  it('parses WORKER_QUEUES (default both) and names a wrong queue', () => {
    expect(parseConfig({}).WORKER_QUEUES).toEqual(['default', 'heavy']);
    expect(parseConfig({ WORKER_QUEUES: ' heavy , heavy' }).WORKER_QUEUES).toEqual(['heavy']);
    expect(() => parseConfig({ WORKER_QUEUES: 'default,gpu' })).toThrow(/WORKER_QUEUES: a comma-separated list of 'default' and 'heavy' \(got "default,gpu"\)/);
  });

  it('encrypts payloads unless SWITCHYARD_PAYLOAD_ENCRYPTION=off', () => {
    expect(parseConfig({}).SWITCHYARD_PAYLOAD_ENCRYPTION).toBe('on');
    expect(() => parseConfig({ SWITCHYARD_PAYLOAD_ENCRYPTION: 'no' })).toThrow(/SWITCHYARD_PAYLOAD_ENCRYPTION/);
  });
});
