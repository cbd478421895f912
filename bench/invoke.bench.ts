/**
 * The app's round trip: `POST /v1/flows/:id/invoke` (start the run, wait for its answer on the awaitAnswer update)
 * against the same work started by `POST /v1/events` and polled with `GET /v1/runs/:id` every `--poll` ms until it
 * completed — how an app had to do it before invoke. Same process, same dev server, same worker, same run.
 *
 *   npx tsx bench/invoke.bench.ts [--requests 100] [--poll 50] [--rounds 2]
 *
 * The flow has one data step (data.transform, no network). Each request gets its own input (and event id), so
 * every one starts a run. Concurrency 1 and 20; the side that goes first alternates each round. Prints p50/p99 of
 * the round trip per side and concurrency (medians over rounds) and errors.
 */
import { ALL_SCOPES } from '#core/access';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { catalog, integrations } from '#catalog';
import { FlowDocument } from '#core/flow';
import { startDevServer } from '../scripts/lib/temporal-dev-server';
import { createApp } from '#server/app';
import { ensureWorkspace } from '#server/bootstrap';
import { publishFlow } from '#server/services/flows.service';
import { connectTemporal } from '#server/temporal';
import { masterKeyFrom } from '#store/crypto';
import { openDatabase } from '#store/database';
import { insertFlow } from '#store/flows.repository';
import { migrateToLatest } from '#store/migrate';
import { SecretStore } from '#store/secrets';
import { createSwitchyardWorker } from '#worker/worker';
import { freePort } from '../test/helpers/ports';

const { values: args } = parseArgs({
  options: { requests: { type: 'string', default: '100' }, poll: { type: 'string', default: '50' }, rounds: { type: 'string', default: '2' } },
});
const REQUESTS = Number(args.requests);
const POLL_MS = Number(args.poll);
const ROUNDS = Number(args.rounds);
const TASK_QUEUE = 'bench-invoke';
const logger = pino({ level: 'silent' });

interface Result {
  p50: number;
  p99: number;
  errors: number;
}

async function measure(concurrency: number, one: (i: number) => Promise<boolean>): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < REQUESTS) {
        const i = next++;
        const t = performance.now();
        try {
          if (!(await one(i))) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { p50: at(0.5), p99: at(0.99), errors };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-invoke-'));
  const server = await startDevServer({ port: await freePort() });
  let httpServer: Server | undefined;
  try {
    const db = openDatabase(path.join(dir, 'switchyard.db'));
    await migrateToLatest(db);
    const secrets = new SecretStore(db, masterKeyFrom(crypto.randomBytes(32), 'bench'));
    const temporal = connectTemporal({ address: server.address, namespace: 'default', taskQueue: TASK_QUEUE });
    const { workspaceId, keys } = await ensureWorkspace(db, ALL_SCOPES);
    const key = keys!.live;
    const step = {
      id: 'shape',
      type: 'action',
      action: 'data.transform@1',
      inputs: { data: { $expr: 'trigger.data' }, expression: '{ "total": data.qty * data.price }' },
    };
    const deps = { db, catalog, integrations, secrets, temporal, logger };
    const flowOf = async (name: string, trigger: unknown) => {
      const flow = await insertFlow(db, {
        workspaceId,
        name,
        draft: FlowDocument.parse({ trigger, nodes: [step], edges: [{ from: 'trigger', to: 'shape' }] }),
      });
      await publishFlow(deps, workspaceId, flow.id, undefined);
      return flow.id;
    };
    const invokeFlow = await flowOf('invoked', { type: 'invoke' });
    await flowOf('evented', { type: 'event', event: 'bench.quote' });

    const app = createApp({ ...deps, bodyLimit: '1mb' });
    const base = await new Promise<string>((resolve) => {
      httpServer = app.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(httpServer!.address() as AddressInfo).port}`));
    });
    const connection = await NativeConnection.connect({ address: server.address });
    const worker = await createSwitchyardWorker({ connection, namespace: 'default', taskQueue: TASK_QUEUE, db, integrations, logger, secrets, httpAllow: [] });
    const running = worker.run();

    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    let seq = 0;
    const invoke = async () => {
      const res = await fetch(`${base}/v1/flows/${invokeFlow}/invoke`, { method: 'POST', headers, body: JSON.stringify({ input: { qty: seq++, price: 3 } }) });
      const body = (await res.json()) as { status: string };
      return res.status === 200 && body.status === 'completed';
    };
    const eventAndPoll = async () => {
      const res = await fetch(`${base}/v1/events`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'bench.quote', id: `e${seq}-${crypto.randomUUID()}`, data: { qty: seq++, price: 3 } }),
      });
      const sent = (await res.json()) as { runs: { runId: string }[] };
      const runId = sent.runs[0]?.runId;
      if (!runId) return false;
      for (let i = 0; i < 600; i++) {
        const run = (await (await fetch(`${base}/v1/runs/${runId}`, { headers })).json()) as { status: string };
        if (run.status === 'completed') return true;
        if (run.status === 'failed') return false;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      return false;
    };
    // Warm up (bundle loaded, connections, JIT).
    for (const c of [1, 20]) {
      await measure(c, invoke);
      await measure(c, eventAndPoll);
    }
    const results: Record<string, Result[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of [1, 20]) {
        const sides: [string, () => Promise<boolean>][] = [
          ['invoke', invoke],
          [`event + poll ${POLL_MS} ms`, eventAndPoll],
        ];
        if (round % 2 === 1) sides.reverse();
        for (const [name, fn] of sides) {
          const r = await measure(c, fn);
          (results[`${name}|${c}`] ??= []).push(r);
          console.log(`round ${round + 1} c=${c} ${name}: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.errors} errors`);
        }
      }
    }
    console.log(`\n${REQUESTS} round trips per side, concurrency and round; ${ROUNDS} rounds (medians)\n`);
    console.log('| side | concurrency | p50 ms | p99 ms | errors |');
    console.log('| :--- | ----------: | -----: | -----: | -----: |');
    for (const [k, rs] of Object.entries(results).sort(([a], [b]) => Number(a.split('|')[1]) - Number(b.split('|')[1]))) {
      const [name, c] = k.split('|');
      console.log(
        `| ${name} | ${c} | ${median(rs.map((r) => r.p50)).toFixed(1)} | ${median(rs.map((r) => r.p99)).toFixed(1)} | ${rs.reduce((s, r) => s + r.errors, 0)} |`,
      );
    }
    worker.shutdown();
    await running;
    await worker.closeHttp();
    await connection.close();
    await temporal.close();
    await db.destroy();
  } finally {
    httpServer?.closeAllConnections();
    httpServer?.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
