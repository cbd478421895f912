import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalConnectionSettings, type TemporalConnectionSettings } from '#core/temporal-connection';
import { startTemporalCluster, TEMPORAL_SERVER_DIR, type TemporalCluster } from '../../scripts/lib/temporal-cluster';
import { startTestApi, type TestApi } from '../helpers/api';
import { startTestWorker } from '../helpers/temporal';

/**
 * Connecting to a Temporal that requires mutual TLS, configured the way Temporal's own tools are (TEMPORAL_ADDRESS,
 * TEMPORAL_TLS_CLIENT_CERT_PATH, …, read by core/src/temporal-connection.ts): Temporal's server on PostgreSQL with
 * TLS on its frontend and client certificates required, certificates made here with openssl.
 */
const built = fs.existsSync(`${TEMPORAL_SERVER_DIR}/bin/temporal-server`);
const mustRun = built || process.env.CI === 'true';

/** A CA, a server certificate for localhost/127.0.0.1 and a client certificate, all signed by the CA (P-256). */
function makeCertificates(dir: string) {
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...key,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=Switchyard test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  const leaf = (name: string, usage: string, san: string) => {
    openssl('req', ...key, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=${name}`);
    fs.writeFileSync(file(`${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=${usage}\nkeyUsage=critical,digitalSignature\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      file(`${name}.pem`),
      '-extfile',
      file(`${name}.ext`),
    );
  };
  leaf('localhost', 'serverAuth,clientAuth', 'DNS:localhost,IP:127.0.0.1');
  leaf('switchyard-worker', 'clientAuth', 'DNS:switchyard-worker');
  return {
    ca: file('ca.pem'),
    server: { cert: file('localhost.pem'), key: file('localhost.key') },
    client: { cert: file('switchyard-worker.pem'), key: file('switchyard-worker.key') },
  };
}

describe.skipIf(!mustRun)('mutual TLS to a Temporal cluster, configured with TEMPORAL_TLS_* (skipped locally without .tools/temporal-server)', () => {
  const taskQueue = `mtls-${crypto.randomUUID()}`;
  let dir: string;
  let cluster: TemporalCluster;
  let settings: TemporalConnectionSettings;
  let api: TestApi;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-mtls-'));
    const certs = makeCertificates(dir);
    // The server's own system worker reaches its frontend with the same kind of client certificate.
    const clientTls = {
      serverNameOverride: 'localhost',
      serverRootCACertificate: fs.readFileSync(certs.ca),
      clientCertPair: { crt: fs.readFileSync(certs.client.cert), key: fs.readFileSync(certs.client.key) },
    };
    cluster = await startTemporalCluster({
      frontendTls: {
        certFile: certs.server.cert,
        keyFile: certs.server.key,
        clientCaFile: certs.ca,
        internalClient: { certFile: certs.server.cert, keyFile: certs.server.key, caFile: certs.ca, serverName: 'localhost' },
      },
      adminConnection: { tls: clientTls },
    });
    settings = temporalConnectionSettings(
      {
        TEMPORAL_ADDRESS: cluster.address,
        TEMPORAL_NAMESPACE: 'default',
        TEMPORAL_TLS_CLIENT_CERT_PATH: certs.client.cert,
        TEMPORAL_TLS_CLIENT_KEY_PATH: certs.client.key,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca,
        TEMPORAL_TLS_SERVER_NAME: 'localhost',
      },
      { devPort: 7233 },
    );
    api = await startTestApi({ taskQueue, temporalAddress: settings.address, temporalConnection: settings.connectionOptions });
    worker = await startTestWorker({ db: api.db, taskQueue, temporal: { address: settings.address, tls: settings.connectionOptions.tls! } });
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await cluster?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads the client certificate, key and CA from the environment as Temporal does', () => {
    expect(settings.external).toBe(true);
    expect(settings.describe).toBe(`${cluster.address}, mTLS`);
  });

  it('is refused without a client certificate', async () => {
    const attempt = Connection.connect({
      address: cluster.address,
      connectTimeout: 3000,
      tls: { serverNameOverride: 'localhost', serverRootCACertificate: fs.readFileSync(path.join(dir, 'ca.pem')) },
    }).then(async (c) => {
      try {
        await c.workflowService.getSystemInfo({});
      } finally {
        await c.close();
      }
    });
    await expect(attempt).rejects.toThrow();
  });

  it('runs a flow through the API and the worker over mTLS', async () => {
    const document = {
      trigger: { type: 'manual' },
      nodes: [{ id: 'hello', type: 'action', action: 'data.transform@1', inputs: { expression: '"hello " & data', data: { $expr: 'trigger.data.name' } } }],
      edges: [{ from: 'trigger', to: 'hello' }],
    };
    const created = await api.request('POST', '/api/flows', { body: { name: 'mtls', document } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} })).status).toBe(201);
    const started = await api.request('POST', `/api/flows/${created.body.id}/runs`, { body: { input: { name: 'mTLS' } } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const deadline = Date.now() + 60_000;
    let run: { status: string; output?: unknown } = { status: 'running' };
    while (!['completed', 'failed', 'cancelled'].includes(run.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      run = (await api.request('GET', `/api/runs/${started.body.runId}`)).body;
    }
    expect(run.status).toBe('completed');
    expect(JSON.stringify(run.output)).toContain('hello mTLS');
  });
});
