import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

export interface StripeMock {
  /** `http://127.0.0.1:<port>`: point `endpoints.stripe` (or a proxy) at it. */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Where the stripe-mock binary is: `STRIPE_MOCK_PATH`, then `.tools/go-bin/stripe-mock` (installed by
 * `scripts/setup-test-tools.sh`), then `PATH`. Throws a message saying how to install it.
 */
export function findStripeMock(): string {
  const fromEnv = process.env.STRIPE_MOCK_PATH;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new Error(`STRIPE_MOCK_PATH is set to ${fromEnv}, which is not an executable file. Unset it or run: bash scripts/setup-test-tools.sh`);
  }
  const local = path.join(REPO_ROOT, '.tools', 'go-bin', 'stripe-mock');
  if (isExecutable(local)) return local;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = dir && path.join(dir, 'stripe-mock');
    if (candidate && isExecutable(candidate)) return candidate;
  }
  throw new Error(
    `stripe-mock is not installed (looked at STRIPE_MOCK_PATH, ${local} and PATH). Install the pinned version with: bash scripts/setup-test-tools.sh`,
  );
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Starts Stripe's own API mock on a free loopback port (HTTPS also on a free loopback port: stripe-mock
 * always opens one when given `-http-addr`), waits until it answers an authenticated request, and
 * returns its URL. `stop()` ends it by pid: SIGTERM, then SIGKILL.
 */
export async function startStripeMock(): Promise<StripeMock> {
  const bin = findStripeMock();
  // Port 0 lets the kernel pick; stripe-mock prints the address it bound, so there is no port race.
  const child = spawn(bin, ['-http-addr', '127.0.0.1:0', '-https-addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`Could not start ${bin}`);

  let output = '';
  // stripe-mock logs every request; keep draining its pipes (a full pipe would block it), keep the tail.
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  try {
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`stripe-mock did not report its address within ${START_TIMEOUT_MS} ms. Output:\n${output}`)),
        START_TIMEOUT_MS,
      );
      const onData = () => {
        const match = /Listening for HTTP at address: (\S+)/.exec(output);
        if (!match) return;
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(match[1]!);
      };
      child.stdout.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`stripe-mock exited early (code ${code}, signal ${signal}). Output:\n${output}`));
      });
    });
    const url = `http://${address}`;
    await waitUntilAnswering(url, () => output);
    return { url, pid, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitUntilAnswering(url: string, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const res = await fetch(`${url}/v1/balance`, { headers: { authorization: 'Bearer sk_test_123' }, signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`stripe-mock at ${url} did not answer within ${START_TIMEOUT_MS} ms. Output:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
