/**
 * The whole system, as a user pays for it (issue 18): Switchyard started as `npm start` starts it (Temporal dev server
 * with its file database, API server, worker: separate processes, default settings; bench/e2e/system.ts), fed signed
 * Stripe webhooks and app events at fixed concurrencies, measured from the first request to every run recorded done.
 *
 *   npm run bench:e2e -- [--n 150] [--concurrency 5,20,50] [--rounds 2] [--scenarios webhook,event,http,chain10] [--quick]
 *
 * Scenarios (each request a new event id, ~1 KB Stripe `invoice.paid` event):
 *   webhook  signed Stripe delivery → 1 data step (data.transform@1)
 *   event    app event (`POST /v1/events`) → 1 data step
 *   http     app event → 1 http.request@1 POST to an HTTP server of this benchmark (127.0.0.1)
 *   chain10  app event → 10 data steps in a chain (n/4 requests per measurement: each run is 10 steps)
 * The bare baseline, same run, same dev server: an Express handler in its own process calling `signalWithStart` of a
 * hand-written workflow (bench/e2e/bare-*.ts) whose steps are activities running the same JSONata transform (or the
 * same POST); `bare data1` is the baseline of webhook and event, `bare http1` of http, `bare chain10` of chain10.
 * `bare noop` (always measured) starts a workflow with no step the same way: the floor under any figure here.
 *
 * Per measurement (n requests, c in flight): ingest requests/s and latency p50/p95; executions/s = runs / (time from
 * the first request to the last run's recorded end: `runs.ended_at` for Switchyard, a line the bare worker prints from
 * a workflow sink for the bare side); CPU ms per execution of each process tree (API, Temporal dev server, worker:
 * utime + stime from /proc, children included), read from just before the first request until every run has ended and
 * the processes are idle again. Nothing asks Temporal during that window (a visibility query costs the dev server ~1 ms
 * with few workflows and ~20 ms with 5,000); history sizes and the bare runs' outcomes are listed after it.
 * Rounds rotate the order of scenarios; tables show medians of rounds, ratios are medians of per-round ratios.
 * `--quick`: n 20, concurrencies 5,20, 1 round: a smoke run of about a minute. The environment passes through to the
 * processes (`LOG_LEVEL=warn npm run bench:e2e` measures Switchyard without its info logs).
 *
 * Everything runs on this machine (2 cores here), the load generator included; only 127.0.0.1 is reached. Every
 * process the benchmark starts is stopped by pid (process group) at the end, on an error and on Ctrl-C.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import proto from '@temporalio/proto';
import { cpuMs, describeTree, invoiceEvent, quantile, sendAll, type Request } from './e2e/load';
import { BARE_TASK_QUEUE, eventId, startSystem, SWITCHYARD_TASK_QUEUE, type Cleanup, type Pids, type System } from './e2e/system';
import { signDelivery } from '../test/helpers/webhook-signing';
import { markdownTable, positiveInt } from './lib/report';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string' },
    concurrency: { type: 'string' },
    rounds: { type: 'string' },
    scenarios: { type: 'string', default: 'webhook,event,http,chain10' },
    quick: { type: 'boolean', default: false },
  },
});
const N = positiveInt('n', args.n ?? (args.quick ? '20' : '150'));
const CONCURRENCIES = (args.concurrency ?? (args.quick ? '5,20' : '5,20,50')).split(',').map((c) => positiveInt('concurrency', c.trim()));
const ROUNDS = positiveInt('rounds', args.rounds ?? (args.quick ? '1' : '2'));
const WARMUP = args.quick ? 5 : 20;
const IDLE_SECONDS = args.quick ? 2 : 5;
/** How often the end of a batch is polled (its time comes from the runs' recorded ends, not from the poll). */
const POLL_MS = 250;

/** The data step: reshape the invoice (what a flow does before writing it somewhere). */
const FIRST =
  '{ "invoice": data.data.object.id, "customer": data.data.object.customer, "total": $sum(data.data.object.lines.data.amount), "currency": data.data.object.currency }';
const NEXT = (i: number) => `$merge([data, { "step": ${i} }])`;
const CHAIN = [FIRST, ...Array.from({ length: 9 }, (_, i) => NEXT(i + 2))];
/** `noop`: a workflow with no step at all, the floor of what any durable run costs on this dev server (always measured). */
const BARE_EXPRESSIONS = { data1: [FIRST], chain10: CHAIN, noop: [] };

const transformNode = (id: string, data: string, expression: string) => ({
  id,
  type: 'action',
  action: 'data.transform@1',
  inputs: { data: { $expr: data }, expression },
});
const single = (trigger: unknown, node: { id: string }) => ({ trigger, nodes: [node], edges: [{ from: 'trigger', to: node.id }] });

const SCENARIO_NAMES = ['webhook', 'event', 'http', 'chain10'] as const;
type ScenarioName = (typeof SCENARIO_NAMES)[number];
type BareKind = 'data1' | 'http1' | 'chain10' | 'noop';
const BASELINE_OF: Record<ScenarioName, BareKind> = { webhook: 'data1', event: 'data1', http: 'http1', chain10: 'chain10' };
const wanted = args.scenarios.split(',').map((s) => s.trim());
for (const s of wanted)
  if (!(SCENARIO_NAMES as readonly string[]).includes(s)) throw new Error(`--scenarios: unknown ${s}; known: ${SCENARIO_NAMES.join(', ')}`);
const SCENARIOS = SCENARIO_NAMES.filter((s) => wanted.includes(s));
const BARE_KINDS: BareKind[] = [...new Set([...SCENARIOS.map((s) => BASELINE_OF[s]), 'noop' as const])];

/** What one measurement sends and how its runs are found. */
interface Scenario {
  label: string;
  side: 'switchyard' | 'bare';
  /** Requests per measurement, as a share of --n. */
  share: number;
  /** The requests, and (Switchyard) the run ids in the answers. */
  prepare(n: number): Promise<{ requests: Request[]; runIds?: (answers: unknown[]) => string[] }>;
}

interface Sample {
  acked: number;
  errors: number;
  failed: number;
  ingestRps: number;
  p50: number;
  p95: number;
  execPerSec: number;
  /** CPU ms per execution, per process tree. */
  cpu: Pids & { total: number };
  historyEvents: number;
  historyBytes: number;
}

const median = (xs: number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Publishes Switchyard's four flows through the API; the scenarios that send to them. */
async function switchyardScenarios(sys: System): Promise<Record<ScenarioName, Scenario>> {
  const call = async (method: string, p: string, body: unknown) => {
    const res = await fetch(`${sys.apiUrl}${p}`, {
      method,
      headers: { authorization: `Bearer ${sys.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const publish = async (name: string, document: unknown) => {
    const flow = await call('POST', '/api/flows', { name, document });
    return (await call('POST', `/api/flows/${String(flow.id)}/publish`, {})) as { webhook?: { livePath: string } };
  };
  const event = (name: string) => ({ type: 'event', event: name });
  const hook = await publish('e2e webhook → data', single({ type: 'webhook', source: 'stripe' }, transformNode('shape', 'trigger.data', FIRST)));
  await publish('e2e event → data', single(event('bench.data'), transformNode('shape', 'trigger.data', FIRST)));
  const httpNode = {
    id: 'call',
    type: 'action',
    action: 'http.request@1',
    inputs: { url: `${sys.targetUrl}/switchyard`, method: 'POST', body: { $expr: '{ "invoice": trigger.data.id }' } },
  };
  await publish('e2e event → http', single(event('bench.http'), httpNode));
  const chainNodes = CHAIN.map((expression, i) => transformNode(`n${i + 1}`, i === 0 ? 'trigger.data' : `nodes.n${i}.result`, expression));
  const chainEdges = chainNodes.map((node, i) => ({ from: i === 0 ? 'trigger' : `n${i}`, to: node.id }));
  await publish('e2e event → chain10', { trigger: event('bench.chain'), nodes: chainNodes, edges: chainEdges });

  const eventRuns = (answers: unknown[]) => answers.map((a) => (a as { runs: { runId: string }[] }).runs[0]!.runId);
  const events = (name: string) => async (n: number) => {
    const headers = { authorization: `Bearer ${sys.key}`, 'content-type': 'application/json' };
    const requests = Array.from({ length: n }, () => {
      const id = eventId('e2e');
      return { url: `${sys.apiUrl}/v1/events`, headers, body: JSON.stringify({ name, id, data: invoiceEvent(id) }) };
    });
    return { requests, runIds: eventRuns };
  };
  return {
    webhook: {
      label: 'webhook → data',
      side: 'switchyard',
      share: 1,
      async prepare(n) {
        const requests: Request[] = [];
        for (let i = 0; i < n; i++) {
          const signed = await signDelivery('stripe', { secret: sys.stripeSecret, body: JSON.stringify(invoiceEvent(eventId('e2e'))) });
          requests.push({ url: `${sys.apiUrl}${hook.webhook!.livePath}`, ...signed });
        }
        return { requests, runIds: (answers) => answers.map((a) => (a as { runId: string }).runId) };
      },
    },
    event: { label: 'event → data', side: 'switchyard', share: 1, prepare: events('bench.data') },
    http: { label: 'event → http', side: 'switchyard', share: 1, prepare: events('bench.http') },
    chain10: { label: 'event → chain10', side: 'switchyard', share: 0.25, prepare: events('bench.chain') },
  };
}

function bareScenario(sys: System, kind: BareKind): Scenario {
  return {
    label: `bare ${kind}`,
    side: 'bare',
    share: kind === 'chain10' ? 0.25 : 1,
    async prepare(n) {
      const requests = Array.from({ length: n }, () => ({
        url: `${sys.bareUrl}/run/${kind}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(invoiceEvent(eventId('bare'))),
      }));
      return { requests };
    },
  };
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, intervalMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Switchyard's runs of these ids that have ended, the last end, and how many did not complete. */
async function endedRuns(sys: System, runIds: string[]): Promise<{ ended: number; failed: number; lastEnd: number }> {
  let ended = 0;
  let failed = 0;
  let lastEnd = 0;
  for (let i = 0; i < runIds.length; i += 500) {
    const rows = await sys.db
      .selectFrom('runs')
      .select(['status', 'ended_at'])
      .where('id', 'in', runIds.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      if (!['completed', 'failed', 'cancelled'].includes(r.status) || !r.ended_at) continue;
      ended++;
      if (r.status !== 'completed') failed++;
      lastEnd = Math.max(lastEnd, Date.parse(r.ended_at));
    }
  }
  return { ended, failed, lastEnd };
}

/**
 * Workflows as Temporal's visibility lists them, read raw: Switchyard's memos are encrypted (payload encryption is on by
 * default) and this client has no key to decode them.
 */
async function listBatch(sys: System, query: string): Promise<{ closed: boolean; completed: boolean; historyEvents: number; historyBytes: number }[]> {
  const out = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await sys.client.workflowService.listWorkflowExecutions({
      namespace: 'default',
      query,
      pageSize: 1000,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    for (const e of page.executions ?? [])
      out.push({
        closed: e.status !== proto.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
        completed: e.status === proto.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
        historyEvents: Number(e.historyLength ?? NaN),
        historyBytes: Number(e.historySizeBytes ?? NaN),
      });
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return out;
}

/** Waits until the processes are about idle again (under a tenth of a core together for 200 ms; at most 5 s). */
async function settle(pids: Pids): Promise<void> {
  const total = () => Object.values(cpuMs(pids)).reduce((a, b) => a + b, 0);
  let last = total();
  for (let i = 0; i < 25; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const now = total();
    if (now - last < 20) return;
    last = now;
  }
}

/**
 * One measurement: `n` requests of a scenario, `concurrency` in flight, until every run is recorded done (Switchyard:
 * `runs.ended_at`; bare: its worker's `done` line) and the processes are idle again. Nothing asks Temporal during the
 * CPU window: a visibility query costs the dev server CPU, the more so the more workflows it holds.
 */
async function measure(sys: System, s: Scenario, n: number, concurrency: number): Promise<Sample> {
  const { requests, runIds: runIdsOf } = await s.prepare(n);
  const pids = s.side === 'switchyard' ? sys.switchyard : sys.bare;
  const bareOutputAt = sys.bareWorkerOutput().length;
  const cpu0 = cpuMs(pids);
  const t0 = Date.now();
  const sent = await sendAll(requests, concurrency);
  if (sent.errors > 0) console.warn(`  ${s.label}: ${sent.errors} of ${n} requests failed; first: ${sent.firstError}`);
  const acked = sent.answers.length;
  let failed = 0;
  let lastEnd = 0;
  const runIds = runIdsOf?.(sent.answers) ?? [];
  const done = async () => {
    if (s.side === 'bare') {
      const ends = [
        ...sys
          .bareWorkerOutput()
          .slice(bareOutputAt)
          .matchAll(/^done \S+ (\d+)$/gm),
      ].map((m) => Number(m[1]));
      lastEnd = ends.reduce((a, b) => Math.max(a, b), 0);
      return ends.length >= acked;
    }
    const r = await endedRuns(sys, runIds);
    ({ failed, lastEnd } = r);
    return r.ended >= runIds.length;
  };
  await waitUntil(`${acked} runs of ${s.label} to end`, done, 120_000 + acked * 2000, POLL_MS);
  await settle(pids);
  const cpu1 = cpuMs(pids);
  // Outside the CPU window: the batch's workflows as Temporal lists them (outcome of the bare side, history sizes).
  const taskQueue = s.side === 'switchyard' ? SWITCHYARD_TASK_QUEUE : BARE_TASK_QUEUE;
  const query = `TaskQueue="${taskQueue}" AND WorkflowType="${s.side === 'switchyard' ? 'runFlow' : 'bareFlow'}" AND StartTime >= "${new Date(t0 - 1).toISOString()}"`;
  let listed = await listBatch(sys, query);
  for (let i = 0; i < 40 && listed.filter((w) => w.closed).length < acked; i++) {
    await new Promise((r) => setTimeout(r, 250)); // visibility trails the histories a little
    listed = await listBatch(sys, query);
  }
  if (s.side === 'bare') failed = acked - listed.filter((w) => w.completed).length;
  const per = (k: keyof Pids) => (cpu1[k] - cpu0[k]) / acked;
  const cpu = { api: per('api'), temporal: per('temporal'), worker: per('worker'), total: 0 };
  cpu.total = cpu.api + cpu.temporal + cpu.worker;
  return {
    acked,
    errors: sent.errors,
    failed,
    ingestRps: n / sent.seconds,
    p50: quantile(sent.latencies, 0.5),
    p95: quantile(sent.latencies, 0.95),
    execPerSec: acked / ((lastEnd - t0) / 1000),
    cpu,
    historyEvents: median(listed.map((w) => w.historyEvents)),
    historyBytes: median(listed.map((w) => w.historyBytes)),
  };
}

/** CPU ms per second of each process while nothing is sent (pollers, leases, sweeps): the floor under every figure. */
async function idleCpu(pids: Record<string, number>, seconds: number): Promise<Record<string, number>> {
  const before = cpuMs(pids);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = cpuMs(pids);
  return Object.fromEntries(Object.keys(pids).map((k) => [k, (after[k]! - before[k]!) / seconds]));
}

type Samples = Map<string, Sample[]>;
const at = (samples: Samples, scenario: string, c: number) => samples.get(`${scenario}@${c}`) ?? [];

/** Every round: each concurrency, every scenario (order rotating by round and concurrency). */
async function measureAll(sys: System, scenarios: Record<string, Scenario>): Promise<Samples> {
  const samples: Samples = new Map();
  const names = Object.keys(scenarios);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [ci, c] of CONCURRENCIES.entries()) {
      const shift = (r + ci) % names.length;
      const parts: string[] = [];
      for (const name of [...names.slice(shift), ...names.slice(0, shift)]) {
        const s = scenarios[name]!;
        const x = await measure(sys, s, Math.max(1, Math.round(N * s.share)), c);
        samples.set(`${name}@${c}`, [...at(samples, name, c), x]);
        parts.push(
          `${name} ${x.execPerSec.toFixed(1)}/s ${x.cpu.total.toFixed(0)} ms${x.failed || x.errors ? ` (${x.errors} errors, ${x.failed} failed)` : ''}`,
        );
      }
      console.log(`  round ${r + 1}, c=${c}: ${parts.join('; ')}`);
    }
  }
  return samples;
}

function printTables(scenarios: Record<string, Scenario>, samples: Samples): void {
  const names = [...SCENARIOS, ...BARE_KINDS.map((k) => `bare-${k}`)];
  const med = (xs: Sample[], f: (x: Sample) => number) => median(xs.map(f));
  console.log(`\nPer measurement, medians of ${ROUNDS} round(s); CPU = ms per execution (run), per process tree:\n`);
  const rows: string[][] = [];
  for (const c of CONCURRENCIES)
    for (const name of names) {
      const xs = at(samples, name, c);
      rows.push([
        scenarios[name]!.label,
        String(c),
        String(Math.max(1, Math.round(N * scenarios[name]!.share))),
        med(xs, (x) => x.ingestRps).toFixed(0),
        med(xs, (x) => x.p50).toFixed(0),
        med(xs, (x) => x.p95).toFixed(0),
        med(xs, (x) => x.execPerSec).toFixed(1),
        med(xs, (x) => x.cpu.api).toFixed(1),
        med(xs, (x) => x.cpu.temporal).toFixed(1),
        med(xs, (x) => x.cpu.worker).toFixed(1),
        med(xs, (x) => x.cpu.total).toFixed(1),
      ]);
    }
  console.log(
    markdownTable(
      ['scenario', 'c', 'requests', 'ingest req/s', 'p50 ms', 'p95 ms', 'executions/s', 'CPU API', 'CPU Temporal', 'CPU worker', 'CPU total'],
      rows,
    ),
  );

  console.log(`\nSwitchyard / bare, medians of per-round ratios (executions/s: higher is better; CPU per execution: lower is better):\n`);
  const ratioRows: string[][] = [];
  for (const c of CONCURRENCIES)
    for (const name of SCENARIOS) {
      const xs = at(samples, name, c);
      const bs = at(samples, `bare-${BASELINE_OF[name]}`, c);
      // A side that used under one clock tick (10 ms) of a process in a whole measurement has no ratio.
      const ratio = (f: (x: Sample) => number) => {
        const m = median(xs.map((x, r) => f(x) / f(bs[r]!)));
        return Number.isFinite(m) ? m.toFixed(2) : '–';
      };
      ratioRows.push([
        `${scenarios[name]!.label} / bare ${BASELINE_OF[name]}`,
        String(c),
        `${med(xs, (x) => x.execPerSec).toFixed(1)} / ${med(bs, (x) => x.execPerSec).toFixed(1)}`,
        ratio((x) => x.execPerSec),
        `${med(xs, (x) => x.cpu.total).toFixed(1)} / ${med(bs, (x) => x.cpu.total).toFixed(1)}`,
        ratio((x) => x.cpu.total),
        ratio((x) => x.cpu.temporal),
        ratio((x) => x.cpu.worker),
        ratio((x) => x.cpu.api),
      ]);
    }
  console.log(markdownTable(['scenario', 'c', 'executions/s', 'ratio', 'CPU ms/execution', 'ratio', 'Temporal ratio', 'worker ratio', 'API ratio'], ratioRows));
  const floor = CONCURRENCIES.map((c) => {
    const xs = at(samples, 'bare-noop', c);
    const m = (f: (x: Sample) => number) => med(xs, f).toFixed(1);
    return `c=${c}: ${m((x) => x.cpu.total)} ms (Temporal ${m((x) => x.cpu.temporal)}, worker ${m((x) => x.cpu.worker)}, API ${m((x) => x.cpu.api)}), ${m((x) => x.execPerSec)} executions/s`;
  });
  console.log(`\nThe floor (bare noop: signalWithStart of a workflow with no step), CPU per execution: ${floor.join('; ')}.`);

  console.log(`\nWhere the CPU goes (share of the total, all measurements pooled) and Temporal history per run (medians):\n`);
  const shareRows = names.map((name) => {
    const xs = CONCURRENCIES.flatMap((c) => at(samples, name, c));
    const total = xs.reduce((s, x) => s + x.cpu.total, 0);
    const share = (k: keyof Pids) => `${((100 * xs.reduce((s, x) => s + x.cpu[k], 0)) / total).toFixed(0)} %`;
    return [
      scenarios[name]!.label,
      share('api'),
      share('temporal'),
      share('worker'),
      med(xs, (x) => x.historyEvents).toFixed(0),
      (med(xs, (x) => x.historyBytes) / 1024).toFixed(1),
    ];
  });
  console.log(markdownTable(['scenario', 'API', 'Temporal', 'worker', 'history events', 'history KB'], shareRows));
  const all = [...samples.values()].flat();
  const errors = all.reduce((s, x) => s + x.errors, 0);
  const failed = all.reduce((s, x) => s + x.failed, 0);
  console.log(`\n${all.reduce((s, x) => s + x.acked, 0)} executions measured; ${errors} failed requests, ${failed} runs not completed.`);
}

async function main(cleanup: Cleanup[]): Promise<void> {
  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-e2e-'));
  cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  console.log('Starting Temporal (file database), the API server, the worker, and the bare API and worker…');
  const sys = await startSystem(dir, BARE_EXPRESSIONS, cleanup, (line) => console.log(`  ${line}`));
  for (const [side, pids] of Object.entries({ switchyard: sys.switchyard, bare: sys.bare }))
    for (const [name, pid] of Object.entries(pids))
      if (side === 'switchyard' || name !== 'temporal') console.log(`  measuring ${side} ${name}: ${describeTree(pid)}`);
  const scenarios: Record<string, Scenario> = {};
  const own = await switchyardScenarios(sys);
  for (const name of SCENARIOS) scenarios[name] = own[name];
  for (const kind of BARE_KINDS) scenarios[`bare-${kind}`] = bareScenario(sys, kind);
  console.log(`Up in ${((Date.now() - started) / 1000).toFixed(0)} s. Idle CPU, ${IDLE_SECONDS} s:`);
  const idle = await idleCpu(
    { api: sys.switchyard.api, temporal: sys.switchyard.temporal, worker: sys.switchyard.worker, 'bare API': sys.bare.api, 'bare worker': sys.bare.worker },
    IDLE_SECONDS,
  );
  console.log(
    `  ${Object.entries(idle)
      .map(([k, v]) => `${k} ${v.toFixed(1)} ms/s`)
      .join(', ')}`,
  );
  console.log(`Warming up (${WARMUP} requests per scenario, 5 in flight)…`);
  for (const [name, s] of Object.entries(scenarios)) {
    const x = await measure(sys, s, WARMUP, 5);
    if (x.errors > 0 || x.failed > 0) throw new Error(`warm-up of ${name}: ${x.errors} failed requests, ${x.failed} runs not completed`);
  }
  console.log(`Measuring: ${N} requests per measurement (chain10: ${Math.round(N / 4)}), concurrency ${CONCURRENCIES.join(', ')}, ${ROUNDS} round(s)…`);
  const samples = await measureAll(sys, scenarios);
  printTables(scenarios, samples);
  console.log(
    `Idle CPU (ms per second): ${Object.entries(idle)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ')}. Total time ${((Date.now() - started) / 1000).toFixed(0)} s.`,
  );
}

const cleanup: Cleanup[] = [];
let stopping: Promise<void> | undefined;
const stopAll = () =>
  (stopping ??= (async () => {
    while (cleanup.length) await cleanup.pop()!().catch((err: unknown) => console.error('cleanup:', err));
  })());
const onSignal = (code: number) => () => {
  console.error('\ninterrupted: stopping every process the benchmark started…');
  void stopAll().then(() => process.exit(code));
};
process.once('SIGINT', onSignal(130));
process.once('SIGTERM', onSignal(143));

main(cleanup).then(
  async () => {
    await stopAll();
    process.exit(0);
  },
  async (err: unknown) => {
    // After a Ctrl-C, what fails is the measurement the stopping cut short: nothing to report.
    if (!stopping) console.error(err);
    await stopAll();
    process.exit(1);
  },
);
