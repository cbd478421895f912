import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Spawned {
  proc: ChildProcess;
  output: () => string;
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  /** Signals the child's whole process group (it was started detached, as its group leader). */
  signalGroup(signal: NodeJS.Signals): void;
}

/** Starts `node --import tsx <entry>` in its own process group, collecting its output. */
export function spawnTs(entry: string, env: NodeJS.ProcessEnv): Spawned {
  // SPAWN_NODE_ARGS adds Node options to every spawned process (`--cpu-prof --cpu-prof-dir=/tmp/prof` to profile them).
  const nodeArgs = (process.env.SPAWN_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    output: () => out,
    exited,
    signalGroup(signal) {
      if (proc.pid !== undefined && proc.exitCode === null) {
        try {
          process.kill(-proc.pid, signal);
        } catch {
          // already gone
        }
      }
    },
    async waitForOutput(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const m = out.match(pattern);
        if (m) return m;
        if (proc.exitCode !== null) throw new Error(`${entry} exited (${proc.exitCode}) before printing ${pattern}:\n${out.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${entry} did not print ${pattern} within ${timeoutMs} ms:\n${out.slice(-3000)}`);
    },
  };
}

export async function pollUntil<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
