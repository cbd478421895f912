/**
 * `npm start`: the whole of Switchyard on one machine with one command. Starts the Temporal dev server
 * (unless TEMPORAL_ADDRESS points at a cluster), the API server (which serves the editor) and the worker,
 * waits for each to be healthy, prints the URLs, and on Ctrl-C stops every child it started, by pid.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfig } from '#core/config';
import { devServerPragmas, startDevServer, type DevServer } from './lib/temporal-dev-server';
import { temporalConnectionSettings } from '#core/temporal-connection';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg: string) => console.log(`[switchyard] ${msg}`);

interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<number | null>;
}

const children: Child[] = [];
let devServer: DevServer | undefined;
let stopping = false;

function startChild(name: string, entry: string, env: NodeJS.ProcessEnv, onMessage?: (message: unknown) => void): Child {
  // The IPC channel lets a child notice when this process dies, however it dies, and exit too.
  const proc = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const pipe = (stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream) => {
    let buffer = '';
    stream?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        out.write(`${name.padEnd(6)}| ${line}\n`);
      }
    });
  };
  if (onMessage) proc.on('message', onMessage);
  pipe(proc.stdout, process.stdout);
  pipe(proc.stderr, process.stderr);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const child = { name, proc, exited };
  children.push(child);
  void exited.then((code) => {
    if (!stopping) {
      say(`${name} exited unexpectedly (code ${code}); stopping everything`);
      void shutdown(1);
    }
  });
  return child;
}

async function stopChild(child: Child): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), 15_000);
  await child.exited;
  clearTimeout(timer);
}

async function shutdown(code: number): Promise<never> {
  if (stopping) return new Promise<never>(() => undefined);
  stopping = true;
  say('stopping…');
  for (const child of [...children].reverse()) {
    const started = Date.now();
    await stopChild(child);
    say(`  ${child.name} stopped (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  if (devServer) {
    const started = Date.now();
    await devServer.stop();
    say(`  temporal stopped (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  say('stopped');
  process.exit(code);
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) throw new Error('stopping');
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s`);
}

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  fs.mkdirSync(path.resolve(root, config.DATA_DIR), { recursive: true });

  const env: NodeJS.ProcessEnv = { ...process.env };
  let temporalUi: string | undefined;
  // TEMPORAL_ADDRESS, or an address in a Temporal config profile (TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE): a cluster.
  const temporal = temporalConnectionSettings(process.env, { devPort: config.TEMPORAL_DEV_PORT });
  if (temporal.external) {
    say(`using the Temporal cluster at ${temporal.describe} (namespace ${temporal.namespace})`);
  } else {
    say(`starting the Temporal dev server on 127.0.0.1:${config.TEMPORAL_DEV_PORT} (data: ${config.DATA_DIR}/temporal.db)`);
    devServer = await startDevServer({
      port: config.TEMPORAL_DEV_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      dbFile: path.resolve(root, config.DATA_DIR, 'temporal.db'),
      sqlitePragmas: devServerPragmas(config.TEMPORAL_DEV_SYNC),
      retentionDays: 30,
    });
    env.TEMPORAL_ADDRESS = devServer.address;
    temporalUi = devServer.uiUrl;
    say(`Temporal is ready (namespace retention: 30 days)`);
  }

  const editorIndex = path.join(root, 'editor', 'index.html');
  if (fs.existsSync(editorIndex) && !fs.existsSync(path.join(root, 'editor', 'dist', 'index.html'))) {
    say('building the editor (first start only)…');
    const r = spawnSync('npm', ['run', '--silent', 'build:editor'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) say('the editor build failed; the API still starts');
  }

  const apiUrl = `http://${config.HOST}:${config.PORT}`;
  startChild('server', 'server/src/main.ts', env);
  // Switchyard's own health answer (`{ ok, database, temporal }`): another server on the port (one that took it first)
  // must not pass for it.
  await waitFor(
    'the API server',
    async () => {
      const res = await fetch(`${apiUrl}/api/health`);
      const body = (await res.json().catch(() => null)) as { database?: unknown } | null;
      return res.status < 500 && body?.database !== undefined;
    },
    60_000,
  );
  let workerReady = false;
  startChild('worker', 'worker/src/main.ts', env, (message) => {
    if ((message as { type?: string }).type === 'ready') workerReady = true;
  });
  await waitFor('the worker', async () => workerReady, 120_000);

  say('everything is up:');
  say(`  Editor      ${apiUrl}/  (sign in; the owner's first sign-up link is printed above on first start, or: npm run people -- owner-link)`);
  say(`  API         ${apiUrl}/api  (reference: ${apiUrl}/api/openapi.json)`);
  say(`  App events  POST ${apiUrl}/v1/events`);
  if (temporalUi) say(`  Temporal UI ${temporalUi}`);
  say('press Ctrl-C to stop');
}

main().catch(async (err: unknown) => {
  if (!stopping) {
    console.error(err instanceof ConfigError ? err.message : `[switchyard] failed to start: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
});
