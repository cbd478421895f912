import { afterAll, describe, expect, it } from 'vitest';
import { codeLimits, type CodeLimits } from '#core/code';
import { CodeCompileError, compileCode } from '#core/code-compile';
import { CodeLimitError, CodeThrewError, runInSandbox, type SandboxFetchRequest, type SandboxFetchResponse } from './sandbox';
import { SandboxPool } from './sandbox-pool';

const pool = new SandboxPool(2);
afterAll(() => pool.close());

const echo = async (req: SandboxFetchRequest): Promise<SandboxFetchResponse> => ({
  status: 200,
  statusText: 'OK',
  headers: { 'content-type': 'application/json' },
  url: req.url,
  body: JSON.stringify(req),
});

async function run(source: string, o: { input?: unknown; limits?: Partial<CodeLimits>; fetch?: typeof echo; secrets?: Record<string, string> } = {}) {
  const compiled = await compileCode(source, 'typescript');
  return pool.run({
    compiled,
    input: o.input ?? null,
    limits: codeLimits(o.limits),
    secrets: o.secrets ?? {},
    idempotencyKey: 'wf-1:step',
    mode: 'test',
    fetch: o.fetch ?? echo,
  });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('compiling a code step', () => {
  it('transpiles TypeScript and bundles the allowed imports', async () => {
    const out = await run(
      `import { sortBy } from 'lodash-es';
       import { addDays, formatISO } from 'date-fns';
       import { z } from 'zod';
       interface In { items: { n: number }[] }
       export default async function (input: In, ctx: { log(...a: unknown[]): void }) {
         ctx.log('sorting', input.items.length);
         const day = formatISO(addDays(new Date(Date.UTC(2026, 0, 1)), 1), { representation: 'date' });
         return { sorted: sortBy(input.items, 'n').map((i) => i.n), day, valid: z.object({ n: z.number() }).safeParse(input.items[0]).success };
       }`,
      { input: { items: [{ n: 3 }, { n: 1 }, { n: 2 }] } },
    );
    expect(out.value).toEqual({ sorted: [1, 2, 3], day: '2026-01-02', valid: true });
    expect(out.logs).toEqual(['sorting 3']);
  });

  it('refuses a syntax error with its line and column', async () => {
    const err = await failure(compileCode('export default async function (input) {\n  return input +* 2;\n}', 'typescript'));
    expect(err).toBeInstanceOf(CodeCompileError);
    expect((err as CodeCompileError).diagnostics[0]).toMatchObject({ line: 2, column: 17 });
    expect(err.message).toMatch(/^line 2:17: /);
  });

  it('refuses an import outside the allowed set, naming the allowed ones (even unused)', async () => {
    for (const specifier of ['node:fs', 'child_process', './local', 'https://evil.example/x.js', 'lodash']) {
      const err = await failure(compileCode(`import x from '${specifier}';\nexport default () => 1;`, 'typescript'));
      expect(err.message).toContain(`import "${specifier}" is not allowed: a code step may import only lodash-es, date-fns, zod`);
      expect((err as CodeCompileError).diagnostics[0]!.line).toBe(1);
    }
    const dynamic = await failure(compileCode(`export default async () => (await import('node:fs')).readFileSync('/etc/passwd')`, 'javascript'));
    expect(dynamic.message).toContain('import "node:fs" is not allowed');
  });

  it('requires a default export', async () => {
    const err = await failure(compileCode('export async function handler() { return 1 }', 'typescript'));
    expect(err.message).toContain('no default export');
  });
});

describe('running a code step', () => {
  it("shows a thrown error's message and the user's stack in the source's own line numbers", async () => {
    const err = await failure(
      run(
        `type T = { a: number };
export default async function (input: T) {
  const x: number = input.a;
  return helper(x);
}
function helper(n: number): never {
  throw new Error('bad value ' + n);
}`,
        { input: { a: 7 } },
      ),
    );
    expect(err).toBeInstanceOf(CodeThrewError);
    expect(err.message).toBe('Error: bad value 7');
    const stack = (err as CodeThrewError).userStack;
    expect(stack).toMatch(/at helper \(step:7:\d+\)/);
    expect(stack).toMatch(/\(step:4:\d+\)/);
  });

  it('passes values in and out as JSON only', async () => {
    const input = { when: '2026-01-01', list: [1, 2] };
    const out = await run(
      `export default (input) => { input.list.push(3); return { date: new Date(0), fn: () => 1, undef: undefined, nested: { list: input.list }, big: 10n <= 1n } }`,
      { input },
    );
    expect(out.value).toEqual({ date: '1970-01-01T00:00:00.000Z', nested: { list: [1, 2, 3] }, big: false });
    expect(input.list).toEqual([1, 2]);
    expect((await run('export default () => undefined')).value).toBeNull();
  });

  it('gives ctx.fetch a WHATWG-style answer, and the time awaiting it is not CPU time', async () => {
    const slow = async (req: SandboxFetchRequest) => {
      await new Promise((r) => setTimeout(r, 700));
      return echo(req);
    };
    const out = await run(
      `export default async (input, ctx) => {
         const res = await ctx.fetch('https://api.example.com/items?x=1', { method: 'post', headers: { 'X-Key': 'k' }, body: JSON.stringify({ a: 1 }) });
         const again = await ctx.fetch('https://api.example.com/two');
         return { ok: res.ok, status: res.status, type: res.headers.get('Content-Type'), sent: await res.json(), second: (await again.json()).method };
       }`,
      { fetch: slow, limits: { cpuMs: 500 } },
    );
    expect(out.value).toEqual({
      ok: true,
      status: 200,
      type: 'application/json',
      sent: { url: 'https://api.example.com/items?x=1', method: 'POST', headers: { 'x-key': 'k' }, body: '{"a":1}' },
      second: 'GET',
    });
    expect(out.fetches).toBe(2);
  });

  it('has btoa, atob and URLSearchParams (form bodies are sent as such)', async () => {
    const out = await run(
      `export default async (i, ctx) => {
         const form = new URLSearchParams({ To: '+15005550006', Body: 'héllo & bye' });
         form.append('x', 'a=b');
         const res = await (await ctx.fetch('https://api.example.com/form', { method: 'POST', body: form })).json();
         return { basic: btoa('AC123:tok'), back: atob(btoa('any\u00ff')), parsed: new URLSearchParams('a=1&b=two+words').get('b'), sent: res };
       }`,
    );
    expect(out.value).toMatchObject({
      basic: Buffer.from('AC123:tok').toString('base64'),
      back: 'any\u00ff',
      parsed: 'two words',
      sent: { body: 'To=%2B15005550006&Body=h%C3%A9llo+%26+bye&x=a%3Db', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' } },
    });
  });

  it('turns a failed fetch into a rejection the code may catch', async () => {
    const refuse = async () => {
      throw new Error('ADDRESS_BLOCKED: 10.0.0.1 is a private address');
    };
    const out = await run(`export default async (i, ctx) => { try { await ctx.fetch('http://10.0.0.1/'); } catch (e) { return e.name + ': ' + e.message } }`, {
      fetch: refuse,
    });
    expect(out.value).toBe('TypeError: ctx.fetch failed: ADDRESS_BLOCKED: 10.0.0.1 is a private address');
  });

  it('reports a promise that never settles', async () => {
    const err = await failure(run('export default () => new Promise(() => {})'));
    expect(err.message).toContain('never finished');
  });
});

describe('limits', () => {
  const limitOf = async (source: string, limits: Partial<CodeLimits> = {}, fetch = echo) => {
    const started = performance.now();
    const err = await failure(run(source, { limits, fetch }));
    expect(err).toBeInstanceOf(CodeLimitError);
    return { err: err as CodeLimitError, ms: performance.now() - started };
  };

  it('stops an infinite loop at its CPU limit, also one that catches', async () => {
    const { err, ms } = await limitOf('export default () => { for (;;) {} }', { cpuMs: 300 });
    expect(err.limit).toBe('cpuMs');
    expect(err.message).toBe('Limit exceeded: CPU time: the code ran longer than its CPU time limit (300 ms)');
    expect(ms).toBeLessThan(3_000);
    const caught = await limitOf('export default async () => { for (;;) { try { for (;;) {} } catch {} } }', { cpuMs: 300 });
    expect(caught.err.limit).toBe('cpuMs');
    const inJobs = await limitOf('export default async () => { const spin = () => Promise.resolve().then(spin); await spin(); }', { cpuMs: 300 });
    expect(inJobs.err.limit).toBe('cpuMs');
  });

  it('caps the CPU limit at 60 s and defaults it to 5 s', () => {
    expect(codeLimits({ cpuMs: 10 * 60_000 }).cpuMs).toBe(60_000);
    expect(codeLimits(undefined)).toMatchObject({ cpuMs: 5_000, memoryMb: 64, outputBytes: 256 * 1024, fetches: 50 });
  });

  it('stops deep recursion', async () => {
    const { err } = await limitOf('export default () => { const f = (n) => f(n + 1) + 1; return f(0); }');
    expect(err.limit).toBe('stack');
    const caught = await limitOf('export default () => { const f = (n) => { try { return f(n + 1) } catch { return f(n + 1) } }; return f(0); }', {
      cpuMs: 2_000,
    });
    expect(['stack', 'cpuMs']).toContain(caught.err.limit);
  });

  it('stops a memory bomb at the memory limit', async () => {
    const { err } = await limitOf("export default () => { const a = []; for (;;) a.push('x'.repeat(1e6) + a.length); }", { memoryMb: 32 });
    expect(err.limit).toBe('memoryMb');
    expect(err.message).toContain('memory limit (32 MiB)');
    const objects = await limitOf('export default () => { const a = []; for (let i = 0; ; i++) a.push({ i, s: String(i) }); }', {
      memoryMb: 32,
      cpuMs: 20_000,
    });
    expect(objects.err.limit).toBe('memoryMb');
  });

  it('refuses output beyond its size limit', async () => {
    const { err } = await limitOf(`export default () => 'x'.repeat(300 * 1024)`);
    expect(err.limit).toBe('outputBytes');
    expect((await run(`export default () => 'x'.repeat(200 * 1024)`)).value).toHaveLength(200 * 1024);
  });

  it('counts fetches, and a caught refusal still fails the step', async () => {
    const { err } = await limitOf(
      `export default async (i, ctx) => { for (let n = 0; n < 10; n++) { try { await ctx.fetch('https://a.example/' + n) } catch {} } return 'done' }`,
      { fetches: 3 },
    );
    expect(err.limit).toBe('fetches');
    expect(err.message).toContain('more than its limit of 3 fetches');
  });

  it('truncates the log at its size limit', async () => {
    const out = await run(`export default (i, ctx) => { for (let n = 0; n < 1000; n++) ctx.log('line', n, 'x'.repeat(100)); return 1 }`, {
      limits: { logBytes: 2_000 },
    });
    expect(out.logs.length).toBeLessThan(30);
    expect(out.logs.at(-1)).toBe('[log truncated: the step logged more than 2000 bytes]');
  });

  it('keeps the worker responsive while code spins, and runs the next execution after a limit', async () => {
    let maxLag = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxLag = Math.max(maxLag, now - last - 20);
      last = now;
    }, 20);
    try {
      await limitOf('export default () => { for (;;) {} }', { cpuMs: 1_000 });
    } finally {
      clearInterval(timer);
    }
    // In-process, a 1 s spin would stall the event loop for 1 s; on its thread it stalls nothing (slack for a busy machine).
    expect(maxLag).toBeLessThan(500);
    expect((await run('export default (i) => i * 2', { input: 21 })).value).toBe(42);
  });

  it('carries nothing from one execution to the next (memories are zeroed before reuse)', async () => {
    const o = { limits: codeLimits({}), secrets: {}, idempotencyKey: 'k', mode: 'live' as const, fetch: echo };
    const write = await compileCode(
      "export default () => { globalThis.leak = 'marker-4f2a'; Object.prototype.seen = 1; return 'x'.repeat(1e5) + 'marker-4f2a' }",
      'javascript',
    );
    const read = await compileCode('export default () => [typeof globalThis.leak, ({}).seen === undefined]', 'javascript');
    for (let i = 0; i < 3; i++) {
      await runInSandbox({ ...o, compiled: write, input: null });
      expect((await runInSandbox({ ...o, compiled: read, input: null })).value).toEqual(['undefined', true]);
    }
  });

  it('runs in-process too (the thread is a convenience, not the boundary)', async () => {
    const compiled = await compileCode('export default (i) => i + 1', 'javascript');
    const out = await runInSandbox({ compiled, input: 1, limits: codeLimits({}), secrets: {}, idempotencyKey: 'k', mode: 'live', fetch: echo });
    expect(out.value).toBe(2);
  });
});
