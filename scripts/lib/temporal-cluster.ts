/**
 * A throwaway Temporal cluster on PostgreSQL, every piece a process on this machine: a PostgreSQL cluster
 * (scripts/pg-cluster.sh), the `temporal` and `temporal_visibility` databases created with Temporal's own SQL
 * tool, and Temporal's server (frontend, history, matching and worker services in one process) with a
 * PostgreSQL persistence config. The binaries and the schema come from scripts/setup-temporal-server.sh.
 * Used by tests, benchmarks and the cluster script; everything it starts is stopped by pid.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TEMPORAL_SERVER_DIR = path.join(root, '.tools/temporal-server');
const PG_CLUSTER = path.join(root, 'scripts/pg-cluster.sh');

/** The frontend's TLS: a server certificate, and the CA whose client certificates it accepts (mutual TLS). */
export interface FrontendTls {
  certFile: string;
  keyFile: string;
  /** CA of the client certificates; with it, a client without a certificate is refused. */
  clientCaFile: string;
  /** What internal clients (the system worker) use to reach the frontend: a client certificate and the server's CA. */
  internalClient: { certFile: string; keyFile: string; caFile: string; serverName: string };
}

export interface TemporalClusterOptions {
  /** Where PostgreSQL's data, the config and the logs go; a new temporary folder when absent (removed on stop). */
  dir?: string;
  namespace?: string;
  retentionDays?: number;
  frontendTls?: FrontendTls;
  /** How the cluster's own admin calls (namespace, readiness) connect: needed when the frontend requires TLS. */
  adminConnection?: Pick<ConnectionOptions, 'tls'>;
  log?: (line: string) => void;
}

export interface TemporalCluster {
  /** The frontend's gRPC address (host:port). */
  address: string;
  namespace: string;
  /** PostgreSQL's URL (`postgres://postgres@127.0.0.1:PORT/postgres`); the history is in database `temporal`. */
  postgresUrl: string;
  /** Temporal's own databases on that server. */
  databases: { temporal: string; visibility: string };
  dir: string;
  /** The server's pid (PostgreSQL runs under pg_ctl, stopped through it). */
  serverPid: number | undefined;
  stop(): Promise<void>;
}

interface Ports {
  pg: number;
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/** The built binaries, or an error that says how to build them. */
export function temporalServerBinaries(): { server: string; sqlTool: string; schemaDir: string } {
  const server = path.join(TEMPORAL_SERVER_DIR, 'bin/temporal-server');
  const sqlTool = path.join(TEMPORAL_SERVER_DIR, 'bin/temporal-sql-tool');
  const schemaDir = path.join(TEMPORAL_SERVER_DIR, 'schema/postgresql/v12');
  for (const file of [server, sqlTool, path.join(schemaDir, 'temporal/schema.sql')])
    if (!fs.existsSync(file))
      throw new Error(`${file} is missing: build Temporal's server with \`bash scripts/setup-temporal-server.sh\` (needs Go and the Go module proxy).`);
  return { server, sqlTool, schemaDir };
}

export async function startTemporalCluster(o: TemporalClusterOptions = {}): Promise<TemporalCluster> {
  const bins = temporalServerBinaries();
  const ownDir = !o.dir;
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-temporal-cluster-'));
  fs.mkdirSync(dir, { recursive: true });
  // As root, PostgreSQL runs as the `postgres` user (scripts/pg-cluster.sh), which must reach its data folder inside.
  fs.chmodSync(dir, 0o755);
  const namespace = o.namespace ?? 'default';
  const ports = await freePorts();
  const pgDir = path.join(dir, 'pg');
  const postgresUrl = run('bash', [PG_CLUSTER, 'start', pgDir, String(ports.pg)]).trim();
  let child: ChildProcess | undefined;
  const stopAll = async () => {
    if (child) await stopChild(child);
    run('bash', [PG_CLUSTER, 'stop', pgDir]);
    if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const [database, schema] of [
      ['temporal', 'temporal'],
      ['temporal_visibility', 'visibility'],
    ] as const) {
      const sql = ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(ports.pg), '-u', 'postgres', '--db', database];
      run(bins.sqlTool, [...sql, 'create-database']);
      run(bins.sqlTool, [...sql, 'setup-schema', '-v', '0.0']);
      run(bins.sqlTool, [...sql, 'update-schema', '-d', path.join(bins.schemaDir, schema, 'versioned')]);
    }
    const configFile = path.join(dir, 'temporal.yaml');
    fs.writeFileSync(path.join(dir, 'dynamicconfig.yaml'), DYNAMIC_CONFIG);
    fs.writeFileSync(configFile, serverConfig(ports, path.join(dir, 'dynamicconfig.yaml'), o.frontendTls));
    const logFile = fs.openSync(path.join(dir, 'temporal-server.log'), 'a');
    // Signals reach only this child: it is stopped by its pid, never by a name pattern.
    child = spawn(bins.server, ['--config-file', configFile, '--allow-no-auth', 'start'], { stdio: ['ignore', logFile, logFile] });
    fs.closeSync(logFile);
    const address = `127.0.0.1:${ports.frontend}`;
    await waitReady({
      address,
      namespace,
      retentionDays: o.retentionDays ?? 30,
      child,
      logFile: path.join(dir, 'temporal-server.log'),
      tls: o.adminConnection?.tls,
    });
    o.log?.(`Temporal ${path.basename(bins.server)} on PostgreSQL ready at ${address} (${postgresUrl})\n`);
    return {
      address,
      namespace,
      postgresUrl,
      databases: { temporal: 'temporal', visibility: 'temporal_visibility' },
      dir,
      serverPid: child.pid,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Runs a command to completion; its output on failure becomes the error. */
function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function freePorts(): Promise<Ports> {
  const taken = new Set<number>();
  const next = async () => {
    for (;;) {
      const port = 20000 + Math.floor(Math.random() * 12768);
      if (!taken.has(port) && (await canListen(port))) {
        taken.add(port);
        return port;
      }
    }
  };
  return {
    pg: await next(),
    frontend: await next(),
    frontendHttp: await next(),
    frontendMembership: await next(),
    history: await next(),
    historyMembership: await next(),
    matching: await next(),
    matchingMembership: await next(),
    worker: await next(),
    workerMembership: await next(),
  };
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Temporal's development defaults, kept small: nothing here changes behaviour the workflows depend on. */
const DYNAMIC_CONFIG = `# Written by scripts/lib/temporal-cluster.ts
frontend.enableUpdateWorkflowExecution:
  - value: true
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
`;

function serverConfig(p: Ports, dynamicConfigFile: string, tls: FrontendTls | undefined): string {
  const store = (database: string, maxConns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: "${database}"
        connectAddr: "127.0.0.1:${p.pg}"
        connectProtocol: "tcp"
        user: "postgres"
        password: ""
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const service = (name: string, grpc: number, membership: number, extra = '') => `  ${name}:
    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnIP: "127.0.0.1"${extra}`;
  return `# Written by scripts/lib/temporal-cluster.ts: one process runs every service, PostgreSQL holds everything.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:
${store('temporal', 20)}
    postgres-visibility:
${store('temporal_visibility', 4)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
${tls ? tlsConfig(tls) : ''}services:
${service('frontend', p.frontend, p.frontendMembership, `\n      httpPort: ${p.frontendHttp}`)}
${service('history', p.history, p.historyMembership)}
${service('matching', p.matching, p.matchingMembership)}
${service('worker', p.worker, p.workerMembership)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${p.frontend}"
      httpAddress: "127.0.0.1:${p.frontendHttp}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "${dynamicConfigFile}"
  pollInterval: "10s"
`;
}

function tlsConfig(t: FrontendTls): string {
  return `  tls:
    frontend:
      server:
        certFile: "${t.certFile}"
        keyFile: "${t.keyFile}"
        requireClientAuth: true
        clientCaFiles: ["${t.clientCaFile}"]
      client:
        serverName: "${t.internalClient.serverName}"
        rootCaFiles: ["${t.internalClient.caFile}"]
    systemWorker:
      certFile: "${t.internalClient.certFile}"
      keyFile: "${t.internalClient.keyFile}"
      client:
        serverName: "${t.internalClient.serverName}"
        rootCaFiles: ["${t.internalClient.caFile}"]
`;
}

/**
 * Waits until the frontend answers, registers the namespace (the server has none at first), and waits until
 * the namespace is usable: a new namespace reaches the frontends' caches a few seconds after it is registered.
 */
async function waitReady(o: {
  address: string;
  namespace: string;
  retentionDays: number;
  child: ChildProcess;
  logFile: string;
  tls: ConnectionOptions['tls'];
}): Promise<void> {
  const deadline = Date.now() + 90_000;
  let registered = false;
  let lastError = '';
  while (Date.now() < deadline) {
    if (o.child.exitCode !== null || o.child.signalCode !== null)
      throw new Error(`Temporal's server exited (${o.child.exitCode ?? o.child.signalCode}) before it was ready:\n${tail(o.logFile)}`);
    try {
      const connection = await Connection.connect({ address: o.address, connectTimeout: 1000, ...(o.tls ? { tls: o.tls } : {}) });
      try {
        if (!registered) {
          await connection.workflowService
            .registerNamespace({ namespace: o.namespace, workflowExecutionRetentionPeriod: msToTs(o.retentionDays * 86_400_000) })
            .catch((err: { code?: number }) => {
              if (err.code !== 6) throw err; // ALREADY_EXISTS: a restart on the same data
            });
          registered = true;
        }
        await connection.workflowService.countWorkflowExecutions({ namespace: o.namespace, query: '' });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = (err as Error).message;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`Temporal's server at ${o.address} was not ready within 90 s (last error: ${lastError}):\n${tail(o.logFile)}`);
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-3000);
  } catch {
    return '(no log)';
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
