/**
 * QuickJS (quickjs-emscripten, the code step sandbox) against isolated-vm 5.0.4 (V8 isolates), same process, same
 * workload: start-up (a fresh isolate per execution, as code steps use them) p50 / p99, and executions per second and
 * CPU per execution of the order transform of bench/code-step.bench.ts, one at a time; for isolated-vm also with one
 * isolate reused (a fresh context per execution), its cheaper but less isolated mode.
 *
 * isolated-vm is not a dependency of Switchyard (a native addon): build it elsewhere and point at it:
 *
 *   mkdir /tmp/ivm && cd /tmp/ivm && npm init -y && npm install isolated-vm@5.0.4   # needs g++, make, python3
 *   npx tsx bench/sandbox-compare.bench.ts --ivm /tmp/ivm/node_modules/isolated-vm [--n 300]
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { codeLimits } from '#core/code';
import { compileCode } from '#core/code-compile';
import { runInSandbox } from '#worker/code/sandbox';

const { values: args } = parseArgs({ options: { ivm: { type: 'string' }, n: { type: 'string', default: '300' } } });
const N = Number(args.n);

const ORDER = {
  id: 'ord_1',
  customer: { email: 'ada@example.com', name: 'Ada Lovelace' },
  lines: Array.from({ length: 20 }, (_, i) => ({ sku: `sku_${i}`, qty: (i % 3) + 1, price: 100 + i * 7 })),
};
const TRANSFORM = `async function (input) {
  const { data } = input;
  return { id: data.id, email: data.customer.email, items: data.lines.length, total: data.lines.reduce((sum, l) => sum + l.qty * l.price, 0) };
}`;

interface Sample {
  startMs: number[];
  perSecond: number;
  cpuMs: number;
}

async function measure(once: () => Promise<unknown>, start: () => Promise<unknown>): Promise<Sample> {
  for (let i = 0; i < 30; i++) await once();
  const startMs: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await start();
    startMs.push(performance.now() - t);
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await once();
  const cpu = process.cpuUsage(cpu0);
  return { startMs, perSecond: N / ((performance.now() - t0) / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / N };
}

async function quickjs(): Promise<Sample> {
  const compiled = await compileCode(`export default ${TRANSFORM}`, 'javascript');
  const trivial = await compileCode('export default (input) => input', 'javascript');
  const options = { limits: codeLimits({}), secrets: {}, idempotencyKey: 'bench', mode: 'live' as const, fetch: () => Promise.reject(new Error('none')) };
  return measure(
    () => runInSandbox({ ...options, compiled, input: { data: ORDER } }),
    () => runInSandbox({ ...options, compiled: trivial, input: 1 }),
  );
}

/* eslint-disable @typescript-eslint/no-explicit-any -- isolated-vm is loaded from a path, untyped */
async function isolatedVm(ivm: any, reuse: boolean): Promise<Sample> {
  const shared = reuse ? new ivm.Isolate({ memoryLimit: 64 }) : undefined;
  const execute = async (source: string, input: unknown) => {
    const isolate = shared ?? new ivm.Isolate({ memoryLimit: 64 });
    const context = await isolate.createContext();
    try {
      // As in the QuickJS sandbox: JSON in, JSON out, nothing of the host inside.
      const script = await isolate.compileScript(`(async () => JSON.stringify(await (${source})(JSON.parse(${JSON.stringify(JSON.stringify(input))}))))()`);
      const out = await script.run(context, { promise: true, timeout: 5_000 });
      return JSON.parse(out as string) as unknown;
    } finally {
      context.release();
      if (!shared) isolate.dispose();
    }
  };
  try {
    return await measure(
      () => execute(TRANSFORM, { data: ORDER }),
      () => execute('(input) => input', 1),
    );
  } finally {
    shared?.dispose();
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function main(): Promise<void> {
  const rows: [string, Sample][] = [['QuickJS (quickjs-emscripten 0.32, asyncify), fresh WebAssembly instance', await quickjs()]];
  if (args.ivm) {
    const ivm = createRequire(import.meta.url)(args.ivm) as unknown;
    rows.push(['isolated-vm 5.0.4, fresh isolate', await isolatedVm(ivm, false)]);
    rows.push(['isolated-vm 5.0.4, one isolate, fresh context', await isolatedVm(ivm, true)]);
  } else console.log('(no --ivm path: isolated-vm not measured; see the header of this file)');
  console.log(`\nNode ${process.version}, ${N} executions each, one at a time:\n`);
  console.log('| sandbox | start p50 ms | start p99 ms | transform executions/s | CPU ms per execution |');
  console.log('| ------- | -----------: | -----------: | ---------------------: | -------------------: |');
  for (const [name, s] of rows)
    console.log(`| ${name} | ${pct(s.startMs, 50).toFixed(2)} | ${pct(s.startMs, 99).toFixed(2)} | ${s.perSecond.toFixed(0)} | ${s.cpuMs.toFixed(2)} |`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
