import { readFile } from 'node:fs/promises';
import { createRequire, SourceMap } from 'node:module';
import variant from '@jitl/quickjs-wasmfile-release-asyncify';
import {
  newQuickJSAsyncWASMModuleFromVariant,
  newVariant,
  type QuickJSAsyncContext,
  type QuickJSAsyncRuntime,
  type QuickJSHandle,
} from 'quickjs-emscripten-core';
import type { CodeLimits, CodeRunOutput } from '#core/code';
import { CODE_SOURCE_NAME, type CompiledCode } from '#core/code-compile';
import { PRELUDE } from './prelude';

/**
 * The code step sandbox: QuickJS compiled to WebAssembly, a fresh WebAssembly instance (its own memory) per
 * execution, so two executions share nothing, and the isolate shares no object with the worker: the only values
 * that cross are JSON strings (input, ctx data, fetch requests and answers, log lines, the result), so no host
 * object, prototype or getter is ever reachable from inside, and no getter of the user's runs on the host.
 *
 * Limits are enforced here: CPU time (an interrupt handler counting only time spent running JavaScript, not
 * awaiting fetch), memory (QuickJS's allocator limit), stack depth, output size, number of fetches and log size.
 */

/** A request the code made with ctx.fetch, as the host receives it. */
export interface SandboxFetchRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

export interface SandboxFetchResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  url: string;
  body: string;
}

export interface SandboxOptions {
  compiled: CompiledCode;
  input: unknown;
  limits: CodeLimits;
  /** What the code sees as ctx.secrets: the declared secrets' values only. */
  secrets: Record<string, string>;
  idempotencyKey: string;
  mode: 'live' | 'test';
  run?: Record<string, string | number>;
  /** Sends one ctx.fetch request (the guarded, metered HTTP client in the worker). Its errors reach the code as rejections. */
  fetch(req: SandboxFetchRequest): Promise<SandboxFetchResponse>;
  /** Text a log line or an error message passes through before it is kept (the secret scrubber). */
  scrub?(text: string): string;
}

export const CodeLimitNames = {
  cpuMs: 'CPU time',
  memoryMb: 'memory',
  stack: 'stack depth',
  outputBytes: 'output size',
  fetches: 'number of fetches',
} as const;
export type CodeLimitName = keyof typeof CodeLimitNames;

/** A limit was exceeded: the step fails (not retried: it would exceed it again) naming the limit. */
export class CodeLimitError extends Error {
  /** What the code logged before it failed. */
  logs: string[] = [];
  constructor(
    readonly limit: CodeLimitName,
    message: string,
  ) {
    super(message);
    this.name = 'CodeLimitError';
  }
}

/** The code threw (or its promise rejected): its message, and its stack in the user's own line numbers. */
export class CodeThrewError extends Error {
  /** What the code logged before it failed. */
  logs: string[] = [];
  constructor(
    readonly errorName: string,
    message: string,
    readonly userStack: string,
  ) {
    super(message);
    this.name = 'CodeThrewError';
  }
}

const MiB = 1024 * 1024;
const WASM_PAGE = 64 * 1024;
const INITIAL_PAGES = 256;
/**
 * QuickJS's own stack limit (about 650 nested calls): deep recursion ends as a "stack depth" limit inside QuickJS
 * before the host's stack, which the WebAssembly frames run on, could overflow (measured: 256 KiB overflows it).
 */
const MAX_STACK_BYTES = 128 * 1024;
const BUNDLE_NAME = 'code.js';

const require = createRequire(import.meta.url);
let compiledWasm: Promise<WebAssembly.Module> | undefined;

/** The WebAssembly code is compiled once per process; each execution instantiates it afresh (its own memory). */
function wasmModule(): Promise<WebAssembly.Module> {
  compiledWasm ??= readFile(require.resolve('@jitl/quickjs-wasmfile-release-asyncify/wasm')).then((bytes) => WebAssembly.compile(bytes));
  return compiledWasm;
}

/**
 * Linear memories of finished executions, by maximum size, zeroed before they are used again. A new instance over a
 * zeroed memory starts exactly as over a new one (its data segments are written at instantiation), and reusing them
 * spares V8 from reclaiming a 16 MiB+ memory per execution (measured: the garbage collector's work on dropped
 * memories, not QuickJS, was most of an execution's CPU).
 */
const spareMemories = new Map<number, WebAssembly.Memory[]>();
const SPARES_PER_SIZE = 4;

function takeMemory(pages: number): WebAssembly.Memory {
  const spare = spareMemories.get(pages)?.pop();
  if (!spare) return new WebAssembly.Memory({ initial: Math.min(INITIAL_PAGES, pages), maximum: pages });
  new Uint8Array(spare.buffer).fill(0);
  return spare;
}

function giveBack(pages: number, memory: WebAssembly.Memory): void {
  const list = spareMemories.get(pages) ?? [];
  if (list.length < SPARES_PER_SIZE) list.push(memory);
  spareMemories.set(pages, list);
}

/** Runs the compiled code once: returns its value (parsed from JSON) and what it logged. */
export async function runInSandbox(o: SandboxOptions): Promise<CodeRunOutput> {
  // The memory limit is the instance's whole linear memory (QuickJS's heap and its stack): allocation beyond it
  // fails inside QuickJS as "out of memory". (QuickJS's own malloc limit is not enforced by this build: it cannot
  // measure its allocations.)
  const pages = (o.limits.memoryMb * MiB) / WASM_PAGE;
  const memory = takeMemory(pages);
  const quickjs = await newQuickJSAsyncWASMModuleFromVariant(newVariant(variant, { wasmModule: await wasmModule(), wasmMemory: memory }));
  const runtime = quickjs.newRuntime();
  const execution = new Execution(runtime, runtime.newContext(), o);
  try {
    return await execution.run();
  } catch (err) {
    // The log of a failed execution is what explains it: it travels with the error.
    if (err instanceof CodeLimitError || err instanceof CodeThrewError) err.logs = execution.logsSoFar();
    throw err;
  } finally {
    execution.close();
    // Nothing of this execution touches the memory any more: every host callback checks `closed` first.
    giveBack(pages, memory);
  }
}

class Execution {
  private vmMs = 0;
  private slice: number | undefined;
  /** The first limit hit wins and sticks: catching the error inside does not undo it. */
  private exceeded: CodeLimitError | undefined;
  private closed = false;
  private fetches = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly logs: string[] = [];
  private logBytes = 0;
  private logFull = false;

  constructor(
    private readonly rt: QuickJSAsyncRuntime,
    private readonly vm: QuickJSAsyncContext,
    private readonly o: SandboxOptions,
  ) {
    rt.setMaxStackSize(MAX_STACK_BYTES);
    rt.setInterruptHandler(() => {
      if (this.slice === undefined || this.vmMs + (performance.now() - this.slice) <= o.limits.cpuMs) return false;
      this.exceed('cpuMs', `the code ran longer than its CPU time limit (${o.limits.cpuMs} ms)`);
      return true;
    });
  }

  async run(): Promise<CodeRunOutput> {
    const { vm, o } = this;
    const api = (this.api = this.prelude());
    const exports = await this.settle(this.unwrap(this.inVm(() => vm.evalCode(this.o.compiled.js, BUNDLE_NAME, { type: 'module' }))));
    const start = vm.getProp(api, 'start');
    const input = vm.newString(JSON.stringify(o.input ?? null));
    const promise = this.unwrap(this.inVm(() => vm.callFunction(start, vm.undefined, exports, input)));
    const resultJson = await this.settle(promise);
    // Finished: whatever the code left running (a promise chain, a fetch it did not await) reaches nothing any more.
    this.closed = true;
    if (this.exceeded) throw this.exceeded;
    const length = vm.getNumber(vm.getProp(resultJson, 'length'));
    if (length > o.limits.outputBytes) throw this.outputTooLarge(length);
    const text = vm.getString(resultJson);
    const bytes = Buffer.byteLength(text);
    if (bytes > o.limits.outputBytes) throw this.outputTooLarge(bytes);
    return { value: JSON.parse(text) as unknown, logs: this.logs, fetches: this.fetches };
  }

  logsSoFar(): string[] {
    return [...this.logs];
  }

  /**
   * Ends the execution: host callbacks still in flight (a fetch the code did not await) are ignored from now on, so
   * they never touch the instance's memory again (it is zeroed and reused). The runtime is not freed handle by handle:
   * the instance is dropped whole, whatever state the code left it in.
   */
  close(): void {
    this.closed = true;
  }

  /** Evaluates the prelude with the two host functions as arguments; returns its driver object. */
  private prelude(): QuickJSHandle {
    const { vm, o } = this;
    const fn = this.unwrap(this.inVm(() => vm.evalCode(PRELUDE, 'prelude.js', { type: 'global', strict: true })));
    const hostFetch = vm.newFunction('fetch', (req) => this.hostFetch(vm.getString(req)));
    const hostLog = vm.newFunction('log', (line) => {
      this.hostLog(vm.getString(line));
    });
    const data = vm.newString(JSON.stringify({ secrets: o.secrets, idempotencyKey: o.idempotencyKey, mode: o.mode, run: o.run ?? {} }));
    return this.unwrap(this.inVm(() => vm.callFunction(fn, vm.undefined, hostFetch, hostLog, data)));
  }

  /** Drives the VM until `promise` settles: runs its jobs, and waits for the host's fetches when it has none. */
  private async settle(handle: QuickJSHandle): Promise<QuickJSHandle> {
    const { vm, rt } = this;
    for (;;) {
      if (this.exceeded) throw this.exceeded;
      const state = vm.getPromiseState(handle);
      if (state.type === 'fulfilled') return state.value;
      if (state.type === 'rejected') throw this.thrown(state.error);
      // One job at a time: the moment the function's promise settles is seen before any later job runs.
      const jobs = this.inVm(() => rt.executePendingJobs(1));
      if (jobs.error) {
        // A job's error that the VM could not hand to a promise: an interrupt, or an error thrown while handling one.
        throw this.thrown(jobs.error);
      }
      if (jobs.value > 0) continue;
      if (this.inFlight.size === 0) throw new CodeThrewError('Error', 'the function never finished: it awaits a promise that nothing settles', '');
      await Promise.race(this.inFlight);
    }
  }

  private hostFetch(reqJson: string): QuickJSHandle {
    const deferred = this.vm.newPromise();
    if (this.closed) {
      deferred.reject(this.vm.newError('ctx.fetch: the step has already finished'));
      return deferred.handle;
    }
    if (this.fetches >= this.o.limits.fetches) {
      this.exceed('fetches', `the code made more than its limit of ${this.o.limits.fetches} fetches`);
      deferred.reject(this.vm.newError(this.exceeded!.message));
      return deferred.handle;
    }
    this.fetches++;
    // Awaiting the answer is not CPU time: the interrupt handler counts only time inside the VM.
    const done = this.o.fetch(JSON.parse(reqJson) as SandboxFetchRequest).then(
      (answer) => {
        if (this.closed) return;
        deferred.resolve(this.vm.newString(JSON.stringify(answer)));
      },
      (err: unknown) => {
        if (this.closed) return;
        const message = err instanceof Error ? err.message : String(err);
        const error = this.vm.newError({ name: 'TypeError', message: `ctx.fetch failed: ${this.scrub(message)}` });
        deferred.reject(error);
      },
    );
    const tracked = done.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return deferred.handle;
  }

  private hostLog(line: string): void {
    if (this.closed || this.logFull) return;
    const text = this.scrub(line);
    const bytes = Buffer.byteLength(text);
    if (this.logBytes + bytes > this.o.limits.logBytes) {
      this.logFull = true;
      this.logs.push(`[log truncated: the step logged more than ${this.o.limits.logBytes} bytes]`);
      return;
    }
    this.logBytes += bytes;
    this.logs.push(text);
  }

  /** What a thrown value (an error handle) becomes on the host: a limit error when a limit caused it. */
  private thrown(error: QuickJSHandle): Error {
    if (this.exceeded) return this.exceeded;
    let described: { name: string; message: string; stack: string };
    try {
      described = JSON.parse(this.describe(error)) as typeof described;
    } catch {
      described = { name: 'Error', message: 'the code failed with an error that cannot be read', stack: '' };
    }
    if (described.name === 'InternalError' && /out of memory/.test(described.message))
      return this.exceed('memoryMb', `the code used more than its memory limit (${this.o.limits.memoryMb} MiB)`);
    if (
      (described.name === 'InternalError' && /stack overflow/.test(described.message)) ||
      (described.name === 'RangeError' && /call stack/.test(described.message))
    )
      return this.exceed('stack', 'the code recursed deeper than the stack allows (stack overflow)');
    if (described.name === 'InternalError' && described.message === 'interrupted')
      return this.exceed('cpuMs', `the code ran longer than its CPU time limit (${this.o.limits.cpuMs} ms)`);
    return new CodeThrewError(described.name, this.scrub(`${described.name}: ${described.message}`), this.scrub(this.userStack(described.stack)));
  }

  private api: QuickJSHandle | undefined;

  /** Described inside the VM by the prelude (the user's getters on the error run there, under the CPU limit), as JSON. */
  private describe(error: QuickJSHandle): string {
    const { vm } = this;
    if (!this.api) throw new Error('no prelude');
    const describe = vm.getProp(this.api, 'describe');
    return vm.getString(vm.unwrapResult(this.inVm(() => vm.callFunction(describe, vm.undefined, error))));
  }

  /** Rewrites the stack's positions in the bundle to the user's source lines; drops frames outside it. */
  private userStack(stack: string): string {
    const map = new SourceMap(JSON.parse(this.o.compiled.map) as ConstructorParameters<typeof SourceMap>[0]);
    const lines: string[] = [];
    for (const line of stack.split('\n')) {
      if (!line.trim()) continue;
      const m = /^(\s*at\s+)(.*?)\s*\(?code\.js:(\d+)(?::(\d+))?\)?\s*$/.exec(line);
      if (!m) continue;
      const entry = map.findEntry(Number(m[3]) - 1, Math.max(0, Number(m[4] ?? 1) - 1)) as {
        originalSource?: string;
        originalLine?: number;
        originalColumn?: number;
      };
      if (!entry.originalSource) continue;
      const source = entry.originalSource.endsWith(CODE_SOURCE_NAME) ? CODE_SOURCE_NAME : entry.originalSource.replace(/^.*node_modules\//, '');
      const name = m[2] ? `${m[2]} ` : '';
      lines.push(`    at ${name}(${source}:${entry.originalLine! + 1}:${entry.originalColumn! + 1})`);
    }
    return lines.join('\n');
  }

  private outputTooLarge(size: number): CodeLimitError {
    return this.exceed('outputBytes', `the code returned ${size} bytes of JSON, more than its output limit (${this.o.limits.outputBytes} bytes)`);
  }

  private exceed(limit: CodeLimitName, message: string): CodeLimitError {
    this.exceeded ??= new CodeLimitError(limit, `Limit exceeded: ${CodeLimitNames[limit]}: ${message}`);
    return this.exceeded;
  }

  private scrub(text: string): string {
    return this.o.scrub ? this.o.scrub(text) : text;
  }

  private inVm<T>(f: () => T): T {
    this.slice = performance.now();
    try {
      return f();
    } catch (err) {
      // The host's own stack overflowed under the WebAssembly frames (a backstop: QuickJS's limit comes first).
      if (err instanceof RangeError) throw this.exceed('stack', 'the code recursed deeper than the stack allows (stack overflow)');
      throw err;
    } finally {
      this.vmMs += performance.now() - this.slice;
      this.slice = undefined;
    }
  }

  private unwrap(result: { error?: QuickJSHandle; value?: QuickJSHandle }): QuickJSHandle {
    if (result.error) throw this.thrown(result.error);
    return result.value!;
  }
}
