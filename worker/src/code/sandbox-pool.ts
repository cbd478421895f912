import { AsyncResource } from 'node:async_hooks';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CodeRunOutput } from '#core/code';
import { CodeLimitError, CodeThrewError, type CodeLimitName, type SandboxFetchRequest, type SandboxFetchResponse, type SandboxOptions } from './sandbox';

/** What a sandbox thread receives. */
export type ToThread =
  | { type: 'run'; options: Omit<SandboxOptions, 'fetch' | 'scrub'> }
  | { type: 'fetched'; fetchId: number; ok: true; response: SandboxFetchResponse }
  | { type: 'fetched'; fetchId: number; ok: false; message: string };

/** What a sandbox thread sends back. */
export type FromThread =
  | { type: 'fetch'; fetchId: number; req: SandboxFetchRequest }
  | { type: 'done'; ok: true; result: CodeRunOutput }
  | {
      type: 'done';
      ok: false;
      error:
        | { kind: 'limit'; limit: CodeLimitName; message: string; logs: string[] }
        | { kind: 'threw'; name: string; message: string; stack: string; logs: string[] }
        | { kind: 'internal'; message: string };
    };

/**
 * Time beyond the CPU limit (not counting awaited fetches) after which a thread that does not answer is terminated:
 * the backstop for a native operation QuickJS's interrupt handler cannot stop. The execution fails on the CPU limit.
 */
const BACKSTOP_GRACE_MS = 3_000;
const THREAD_ENTRY = new URL('./sandbox-thread.mjs', import.meta.url);

/**
 * Sandbox threads, reused between executions (each execution still gets a fresh QuickJS instance inside its thread),
 * at most `size` at once; further executions wait their turn.
 */
export class SandboxPool {
  private readonly idle: Worker[] = [];
  private busy = 0;
  private readonly queue: (() => void)[] = [];
  private closed = false;

  constructor(private readonly size = Math.max(2, os.availableParallelism())) {}

  async run(options: SandboxOptions & { signal?: AbortSignal }): Promise<CodeRunOutput> {
    if (this.closed) throw new Error('the sandbox pool is closed');
    if (this.busy >= this.size) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.busy++;
    const thread = this.idle.pop() ?? spawn();
    let healthy = false;
    try {
      const result = await execute(thread, options);
      healthy = true;
      return result;
    } catch (err) {
      healthy = (err instanceof CodeThrewError || err instanceof CodeLimitError) && !(err as { backstop?: boolean }).backstop;
      throw err;
    } finally {
      // A thread whose execution was cut short (backstop, cancellation, a crash) is not reused.
      if (healthy && !this.closed) this.idle.push(thread);
      else void thread.terminate();
      this.busy--;
      this.queue.shift()?.();
    }
  }

  /** Starts one thread ahead of the first execution (loading it takes a few hundred milliseconds). */
  warm(): void {
    if (this.idle.length === 0 && this.busy === 0 && !this.closed) this.idle.push(spawn());
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.idle.splice(0).map((t) => t.terminate()));
  }
}

function spawn(): Worker {
  // The entry registers tsx in the thread (TypeScript, like the worker itself); `#core/…` aliases resolve through package.json.
  const thread = new Worker(THREAD_ENTRY, { stdout: false, stderr: false });
  thread.unref();
  return thread;
}

function execute(thread: Worker, o: SandboxOptions & { signal?: AbortSignal }): Promise<CodeRunOutput> {
  return new Promise<CodeRunOutput>((resolve, reject) => {
    let fetching = 0;
    let cpuSpent = 0;
    let last = performance.now();
    const finish = (fn: () => void) => {
      clearInterval(backstop);
      thread.off('message', onMessage);
      thread.off('error', onError);
      thread.off('exit', onExit);
      o.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const backstop = setInterval(() => {
      const now = performance.now();
      if (fetching === 0) cpuSpent += now - last;
      last = now;
      if (cpuSpent > o.limits.cpuMs + BACKSTOP_GRACE_MS)
        finish(() =>
          reject(
            Object.assign(new CodeLimitError('cpuMs', `Limit exceeded: CPU time: the code ran longer than its CPU time limit (${o.limits.cpuMs} ms)`), {
              backstop: true,
            }),
          ),
        );
    }, 250);
    // Bound to the activity's async context: the metering of ctx.fetch (AsyncLocalStorage) must find its attempt.
    const onMessage = AsyncResource.bind((message: FromThread) => {
      if (message.type === 'fetch') {
        fetching++;
        o.fetch(message.req)
          .then(
            (response) => thread.postMessage({ type: 'fetched', fetchId: message.fetchId, ok: true, response } satisfies ToThread),
            (err: unknown) =>
              thread.postMessage({
                type: 'fetched',
                fetchId: message.fetchId,
                ok: false,
                message: err instanceof Error ? err.message : String(err),
              } satisfies ToThread),
          )
          .finally(() => fetching--);
        return;
      }
      if (message.ok) return finish(() => resolve(message.result));
      const { error } = message;
      finish(() =>
        reject(
          error.kind === 'limit'
            ? Object.assign(new CodeLimitError(error.limit, error.message), { logs: error.logs })
            : error.kind === 'threw'
              ? Object.assign(new CodeThrewError(error.name, error.message, error.stack), { logs: error.logs })
              : new Error(`the code sandbox failed: ${error.message}`),
        ),
      );
    });
    const onError = (err: Error) => finish(() => reject(new Error(`the code sandbox failed: ${err.message}`)));
    const onExit = (code: number) => finish(() => reject(new Error(`the code sandbox stopped (exit code ${code})`)));
    const onAbort = () => finish(() => reject(new Error('the code step was cancelled')));
    thread.on('message', onMessage);
    thread.on('error', onError);
    thread.on('exit', onExit);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const { fetch: _fetch, scrub: _scrub, signal: _signal, ...options } = o;
    thread.postMessage({ type: 'run', options } satisfies ToThread);
  });
}
