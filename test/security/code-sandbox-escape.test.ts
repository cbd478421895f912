import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeLimits } from '#core/code';
import { compileCode } from '#core/code-compile';
import { sandboxFetch } from '#worker/code/fetch-bridge';
import { SandboxPool } from '#worker/code/sandbox-pool';
import { createGuardedHttpClient } from '#core/net/guarded-http';
import { FOREIGN_SCHEME_URLS, ssrfUrls } from '../helpers/ssrf-corpus';

/**
 * The escape corpus: code that tries every known way out of a JavaScript sandbox. Each case runs in the production
 * sandbox (thread pool, fresh QuickJS instance, the real guarded HTTP client as ctx.fetch), and afterwards every
 * canary is checked: the worker's environment variable, a host global, a host file, a loopback HTTP server, the host's
 * built-in prototypes and globals, a marker file a successful escape would write, and anything arriving after the
 * execution ended. The case's own result (value, logs, error) must not contain a canary either.
 */

const canary = `canary-${crypto.randomBytes(12).toString('hex')}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sy-escape-'));
const canaryFile = path.join(dir, 'canary.txt');
const markerFile = path.join(dir, 'escaped');
let server: http.Server;
let port = 0;
const serverHits: string[] = [];
let pool: SandboxPool;
const http_ = createGuardedHttpClient({});
/** Calls of the host's fetch and log bridges, each marked with whether its execution had already ended. */
const lateCalls: string[] = [];

const hostPrototypes = () =>
  [Object.prototype, Array.prototype, Function.prototype, String.prototype, Promise.prototype, Error.prototype].map((p) =>
    Reflect.ownKeys(p).map(String).sort().join(','),
  );
let prototypesBefore: string[];
let globalsBefore: string;

beforeAll(async () => {
  process.env.SY_ESCAPE_CANARY = canary;
  (globalThis as Record<string, unknown>).__syHostCanary = canary;
  fs.writeFileSync(canaryFile, canary);
  server = http.createServer((req, res) => {
    serverHits.push(`${req.method} ${req.url}`);
    res.end(canary);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  // Threads are started after the canaries exist: they see the same environment as the worker would.
  pool = new SandboxPool(2);
  prototypesBefore = hostPrototypes();
  globalsBefore = Reflect.ownKeys(globalThis).map(String).sort().join(',');
});

afterAll(async () => {
  await pool.close();
  await http_.close();
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
  delete process.env.SY_ESCAPE_CANARY;
  delete (globalThis as Record<string, unknown>).__syHostCanary;
});

interface Outcome {
  value?: unknown;
  logs?: string[];
  error?: string;
}

async function attempt(source: string, input: unknown = { n: 1 }): Promise<Outcome> {
  const code = source
    .replaceAll('CANARY_FILE', JSON.stringify(canaryFile))
    .replaceAll('MARKER_FILE', JSON.stringify(markerFile))
    .replaceAll('PORT', String(port));
  let compiled;
  try {
    compiled = await compileCode(code, 'javascript');
  } catch (err) {
    // Refused before it runs (an import outside the allowed set): contained too.
    return { error: `compile: ${(err as Error).message}` };
  }
  let ended = false;
  const fetch = sandboxFetch(http_);
  try {
    const out = await pool.run({
      compiled,
      input,
      limits: codeLimits({ cpuMs: 1_000, fetches: 20 }),
      secrets: { DECLARED: 'declared-value-1234' },
      idempotencyKey: 'wf:node',
      mode: 'test',
      fetch: (req) => {
        if (ended) lateCalls.push(`fetch ${req.url}`);
        return fetch(req);
      },
    });
    ended = true;
    return { value: out.value, logs: out.logs };
  } catch (err) {
    ended = true;
    return { error: `${(err as Error).message}\n${(err as { userStack?: string }).userStack ?? ''}` };
  }
}

/** The checks every case ends with: no canary anywhere, the host untouched. */
function assertContained(outcome: Outcome): void {
  const text = JSON.stringify(outcome);
  expect(text).not.toContain(canary);
  expect(text).not.toContain(dir);
  expect(text).not.toMatch(/node:internal|\/work\/h-code|node_modules/);
  expect(fs.existsSync(markerFile)).toBe(false);
  expect(serverHits).toEqual([]);
  expect(hostPrototypes()).toEqual(prototypesBefore);
  expect(Reflect.ownKeys(globalThis).map(String).sort().join(',')).toBe(globalsBefore);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(process.env.SY_ESCAPE_CANARY).toBe(canary);
}

/** Code that returns what it found: each string must be a proof of containment (undefined, an error…). */
const probe = (body: string) =>
  `export default async function (input, ctx) { const found = []; const t = (f) => found.push((async () => { try { return String(await f()) } catch (e) { return 'blocked: ' + e.name } })()); ${body}; return Promise.all(found); }`;

const cases: [name: string, source: string, check?: (o: Outcome) => void][] = [
  [
    'constructor chain to process',
    probe(`t(() => this.constructor.constructor('return process')()); t(() => ({}).constructor.constructor('return process')())`),
  ],
  [
    'Function constructor',
    probe(`t(() => Function('return typeof process + typeof require + typeof Buffer')())`),
    (o) => expect(o.value).toEqual(['undefinedundefinedundefined']),
  ],
  [
    'indirect eval',
    probe(`t(() => (0, eval)('typeof process')); t(() => eval('globalThis.process'))`),
    (o) => expect(o.value).toEqual(['undefined', 'undefined']),
  ],
  ['async function constructor', probe(`t(() => (async function () {}).constructor('return process')())`)],
  ['generator function constructor', probe(`t(() => (function* () {}).constructor('yield process')().next().value)`)],
  ['constructor chain from ctx.fetch', probe(`t(() => ctx.fetch.constructor('return typeof process')())`), (o) => expect(o.value).toEqual(['undefined'])],
  ['constructor chain from ctx.log', probe(`t(() => ctx.log.constructor.constructor('return this')().process)`), (o) => expect(o.value).toEqual(['undefined'])],
  [
    'constructor chain from the input',
    probe(`t(() => input.constructor.constructor('return typeof require')())`),
    (o) => expect(o.value).toEqual(['undefined']),
  ],
  [
    'dynamic import with a computed name',
    `export default async () => { const name = ['f', 's'].join(''); try { const m = await import(name); return String(Object.keys(m)); } catch (e) { return 'blocked: ' + e.name } }`,
  ],
  [
    'dynamic import of a file path',
    `export default async () => { const p = CANARY_FILE; try { return String(await import(p)) } catch (e) { return 'blocked' } }`,
  ],
  [
    'require of a module',
    probe(`t(() => require('child_process').execSync('id').toString())`),
    (o) => expect(o.error).toContain('import "child_process" is not allowed'),
  ],
  [
    'require reached by a computed name',
    probe(`t(() => globalThis['req' + 'uire']('child_process')); t(() => Function('return require')()('fs'))`),
    (o) => expect(o.value).toEqual(['blocked: TypeError', 'blocked: ReferenceError']),
  ],
  ['process and its environment', probe(`t(() => process.env.SY_ESCAPE_CANARY); t(() => globalThis.process.env)`)],
  ['module and __dirname', probe(`t(() => module.require('fs')); t(() => __dirname); t(() => __filename)`)],
  [
    'host globals are absent',
    probe(
      `for (const n of ['process', 'require', 'Buffer', 'setTimeout', 'setInterval', 'setImmediate', 'fetch', 'WebAssembly', 'Deno', 'Bun', 'global', 'std', 'os', 'scriptArgs', 'print', '__syHostCanary', 'XMLHttpRequest', 'Worker']) found.push(n + ':' + typeof globalThis[n])`,
    ),
    (o) => expect((o.value as string[]).every((s) => s.endsWith(':undefined'))).toBe(true),
  ],
  [
    'globalThis enumeration finds only the language',
    probe(`found.push(...Object.getOwnPropertyNames(globalThis).filter((n) => /^(process|require|Buffer|module|exports|global)$|canary|host/i.test(n)))`),
    (o) => expect(o.value).toEqual([]),
  ],
  ["globalThis's prototype chain", probe(`let p = globalThis; while (p) { found.push(Object.getOwnPropertyNames(p).length); p = Object.getPrototypeOf(p) }`)],
  [
    'Error.prepareStackTrace',
    probe(
      `Error.prepareStackTrace = (e, frames) => frames.map((f) => typeof f.getThis === 'function' ? String(f.getThis()) : String(f)); t(() => new Error('x').stack)`,
    ),
  ],
  ['Error.captureStackTrace', probe(`t(() => { const o = {}; Error.captureStackTrace(o); return o.stack })`)],
  [
    'error stacks reveal no host path',
    `export default async (i, ctx) => { try { await ctx.fetch(undefined) } catch (e) { return [e.stack, new Error('x').stack] } }`,
  ],
  [
    'Proxy trap on ctx',
    probe(`const p = new Proxy(ctx, { get(t, k) { found.push('trap ' + String(k)); return Reflect.get(t, k) } }); t(() => p.log('via proxy'))`),
  ],
  [
    'Reflect on ctx',
    probe(
      `t(() => Reflect.ownKeys(ctx).join()); t(() => Reflect.defineProperty(ctx, 'fetch', { value: 1 })); t(() => Reflect.getPrototypeOf(ctx.fetch).constructor('return process')())`,
    ),
  ],
  [
    'ctx is frozen',
    probe(
      `t(() => { ctx.fetch = () => 1; return 'replaced' }); t(() => { ctx.secrets.DECLARED = 'x'; return 'replaced' }); t(() => { delete ctx.log; return 'deleted' })`,
    ),
    (o) => expect(o.value).toEqual(['blocked: TypeError', 'blocked: TypeError', 'blocked: TypeError']),
  ],
  [
    'only declared secrets',
    probe(`t(() => Object.keys(ctx.secrets).join()); t(() => ctx.secrets.SY_ESCAPE_CANARY); t(() => ctx.secrets.OTHER)`),
    (o) => expect(o.value).toEqual(['DECLARED', 'undefined', 'undefined']),
  ],
  [
    'raw host bridges through caller',
    probe(`t(() => { function f() { return f.caller } return String(ctx.log.call(null, f())) }); t(() => (function () { return arguments.callee.caller })())`),
  ],
  [
    'prototype pollution inside the sandbox',
    `export default () => { Object.prototype.polluted = 'yes'; Array.prototype.push = () => 0; JSON.parse = () => ({ polluted: 1 }); return { ok: 1 } }`,
    (o) => expect(o.value).toEqual({ ok: 1 }),
  ],
  [
    '__proto__ key in the output',
    `export default () => JSON.parse('{"__proto__": {"polluted": "yes"}, "a": 1}')`,
    (o) => expect(Object.getPrototypeOf(o.value)).toBe(Object.prototype),
  ],
  ['constructor.prototype in the output', `export default () => ({ constructor: { prototype: { polluted: 'yes' } } })`],
  ['pollution of the input', `export default (input) => { input.__proto__.polluted = 'yes'; Object.getPrototypeOf(input).x = 1; return Object.keys(input) }`],
  [
    'JSON.stringify replaced before returning',
    `export default () => { JSON.stringify = () => '{"forged":true}'; return { real: true } }`,
    (o) => expect(o.value).toEqual({ real: true }),
  ],
  [
    'Promise.prototype.then replaced',
    `export default async () => { const then = Promise.prototype.then; Promise.prototype.then = function (a, b) { return then.call(this, a, b) }; return 'still inside' }`,
  ],
  [
    'SharedArrayBuffer and Atomics',
    probe(
      `t(() => typeof SharedArrayBuffer); t(() => { const a = new Int32Array(new SharedArrayBuffer(8)); Atomics.store(a, 0, 1); return Atomics.load(a, 0) }); t(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10))`,
    ),
  ],
  [
    'timers after completion',
    `export default async (i, ctx) => { const later = async () => { for (let n = 0; n < 1000; n++) await null; ctx.log('late'); await ctx.fetch('http://127.0.0.1:PORT/late') }; later(); return 'returned' }`,
  ],
  [
    'a fetch left running after completion',
    `export default (i, ctx) => { ctx.fetch('http://127.0.0.1:PORT/unawaited').then(() => ctx.log('after')); return 'returned' }`,
  ],
  [
    'symbols on the output',
    `export default () => ({ [Symbol.for('nodejs.util.inspect.custom')]: () => process, [Symbol.toPrimitive]: () => 'x', plain: 1 })`,
    (o) => expect(o.value).toEqual({ plain: 1 }),
  ],
  [
    'Symbol.toPrimitive on the fetch URL',
    probe(`const url = { [Symbol.toPrimitive]() { return 'http://127.0.0.1:PORT/prim' } }; t(() => ctx.fetch(url).then(() => 'fetched'))`),
  ],
  [
    'getters on the output run inside',
    `export default (i, ctx) => ({ get secret() { ctx.log('getter ran inside'); return typeof process } })`,
    (o) => {
      expect(o.value).toEqual({ secret: 'undefined' });
      expect(Object.getOwnPropertyDescriptor(o.value, 'secret')?.get).toBeUndefined();
      expect(o.logs).toEqual(['getter ran inside']);
    },
  ],
  [
    'toJSON on the output',
    `export default () => ({ toJSON() { return { replaced: typeof process } } })`,
    (o) => expect(o.value).toEqual({ replaced: 'undefined' }),
  ],
  [
    'a getter that throws while the output is copied',
    `export default () => ({ get boom() { throw new Error('from getter') } })`,
    (o) => expect(o.error).toContain('from getter'),
  ],
  [
    'a Proxy as the output',
    `export default () => new Proxy({}, { ownKeys() { return ['a'] }, getOwnPropertyDescriptor() { return { value: typeof process, enumerable: true, configurable: true } }, get() { return typeof process } })`,
  ],
  ['a Proxy thrown as the error', `export default () => { throw new Proxy({}, { get(t, k) { return k === 'message' ? typeof process : undefined } }) }`],
  [
    'an error whose message getter runs code',
    `export default (i, ctx) => { const e = new Error('x'); Object.defineProperty(e, 'message', { get() { ctx.log('message read inside'); return typeof require } }); throw e }`,
  ],
  ['fetch to the loopback canary server', probe(`t(() => ctx.fetch('http://127.0.0.1:PORT/steal').then((r) => r.text()))`)],
  [
    'fetch to the metadata address and private ranges',
    `export default async (i, ctx) => { const out = []; for (const u of ${JSON.stringify(ssrfUrls(1).concat(FOREIGN_SCHEME_URLS))}) { try { await ctx.fetch(u.replace(':1/', ':PORT/')); out.push('reached ' + u) } catch (e) { out.push(e.message.slice(0, 60)) } } return out }`,
    (o) => {
      expect((o.value as string[]).some((s) => s.startsWith('reached'))).toBe(false);
    },
  ],
  ['file URL through fetch', probe(`t(() => ctx.fetch('file://' + CANARY_FILE).then((r) => r.text()))`)],
  ['reading the canary file by any global', probe(`t(() => std.loadFile(CANARY_FILE)); t(() => os.open(CANARY_FILE)); t(() => readFileSync(CANARY_FILE))`)],
  ['writing a marker file', probe(`t(() => std.open(MARKER_FILE, 'w').puts('x')); t(() => globalThis['require']('fs').writeFileSync(MARKER_FILE, 'x'))`)],
  ['import.meta', `export default () => [typeof import.meta, JSON.stringify(import.meta)]`],
  ['sloppy-mode this', probe(`t(() => Function('return this')() === globalThis); t(() => (function () { return typeof this })())`)],
  [
    'WebAssembly to escape the interpreter',
    probe(`t(() => new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])))`),
    (o) => expect(o.value).toEqual(['blocked: ReferenceError']),
  ],
  [
    'console goes to ctx.log only',
    `export default () => { console.log('to the step log'); console.error(typeof process); return 1 }`,
    (o) => expect(o.logs).toEqual(['to the step log', 'undefined']),
  ],
];

describe('code sandbox escape corpus', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('%s: reaches nothing outside', async (_name, source, check) => {
    const outcome = await attempt(source);
    if (process.env.ESCAPE_CORPUS_VERBOSE) console.log(_name, JSON.stringify(outcome).slice(0, 400));
    check?.(outcome);
    assertContained(outcome);
  });

  it('nothing reached the host after the executions ended', async () => {
    await new Promise((r) => setTimeout(r, 300));
    expect(lateCalls).toEqual([]);
    expect(serverHits).toEqual([]);
  });
});
