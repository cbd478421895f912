/**
 * Webhook ingest: `POST /hooks/:id` (verify the Stripe signature, store the delivery, dedupe on the event
 * id, claim the run, `signalWithStart`) against a minimal hand-written Express handler that only parses the
 * body and calls `signalWithStart` with the same workflow options, same process, same dev server, same run.
 *
 *   npx tsx bench/hooks.bench.ts [--requests 1000] [--concurrency 16] [--rounds 3]
 *
 * Each round sends every side its own fresh, pre-signed deliveries (signing is outside the timing), the side
 * that goes first alternates, and no worker runs (both sides only hand work to Temporal). Prints requests/s,
 * p50/p99 latency and errors per side, and the median ratio Switchyard / minimal (target ≥ 0.8, 0 errors).
 */
import { ALL_SCOPES } from '#core/access';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import express from 'express';
import pino from 'pino';
import { catalog, integrations } from '#catalog';
import { toSnapshot, FlowDocument } from '#core/flow';
import { RunSignals, type RunFlowInput } from '#core/run';
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
import { signDelivery, stripeEvent } from '../test/helpers/webhook-signing';
import { freePort } from '../test/helpers/ports';

const { values: args } = parseArgs({
  options: { requests: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '16' }, rounds: { type: 'string', default: '3' } },
});
const REQUESTS = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Number(args.rounds);
const TASK_QUEUE = 'bench-hooks';

interface Delivery {
  headers: Record<string, string>;
  body: string;
}
interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function fire(url: string, deliveries: Delivery[]): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < deliveries.length) {
        const d = deliveries[next++]!;
        const t = performance.now();
        try {
          const res = await fetch(url, { method: 'POST', headers: d.headers, body: d.body });
          await res.arrayBuffer();
          if (res.status !== 200) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { rps: deliveries.length / seconds, p50: at(0.5), p99: at(0.99), errors };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-hooks-'));
  const server = await startDevServer({ port: await freePort() });
  const servers: Server[] = [];
  try {
    const db = openDatabase(path.join(dir, 'switchyard.db')); // a file, WAL: as in production
    await migrateToLatest(db);
    const secrets = new SecretStore(db, masterKeyFrom(crypto.randomBytes(32), 'bench'));
    const temporal = connectTemporal({ address: server.address, namespace: 'default', taskQueue: TASK_QUEUE });
    const { workspaceId } = await ensureWorkspace(db, ALL_SCOPES);
    const secret = `whsec_${crypto.randomBytes(24).toString('hex')}`;
    await secrets.put(workspaceId, 'STRIPE_WEBHOOK_SECRET', { live: secret });

    // Switchyard: a published flow with a Stripe webhook trigger, through the real app.
    const document = FlowDocument.parse({
      trigger: { type: 'webhook', source: 'stripe' },
      nodes: [{ id: 'done', type: 'end', output: { $expr: 'trigger.data.id' } }],
      edges: [{ from: 'trigger', to: 'done' }],
    });
    const app = createApp({ db, temporal, catalog, integrations, secrets, logger: pino({ level: 'silent' }), bodyLimit: '1mb' });
    const flow = await insertFlow(db, { workspaceId, name: 'bench', draft: document });
    const published = await publishFlow({ db, catalog, integrations, secrets, temporal, logger: pino({ level: 'silent' }) }, workspaceId, flow.id, undefined);
    const listen = (a: express.Express) =>
      new Promise<string>((resolve) => {
        const s = a.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`));
        servers.push(s);
      });
    const switchyardUrl = (await listen(app)) + published.webhook!.livePath;

    // Minimal: parse, signalWithStart with the same options (REJECT_DUPLICATE, workflow id from the event id), 200.
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const snapshot = toSnapshot(document);
    const minimal = express();
    minimal.post('/hook', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
      try {
        const event = JSON.parse((req.body as Buffer).toString('utf8')) as { id: string; type: string };
        const input: RunFlowInput = {
          snapshot,
          trigger: { type: 'webhook', id: event.id, name: event.type, data: event },
          options: { runId: `run_${event.id}`, workspaceId, flowId: flow.id, version: 1, mode: 'live', actionDefaults: {}, record: true },
        };
        await client.workflow.signalWithStart('runFlow', {
          taskQueue: TASK_QUEUE,
          workflowId: `minimal:${event.id}`,
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          args: [input],
          signal: RunSignals.webhook,
          signalArgs: [{ deliveryId: event.id, eventId: event.id }],
        });
        res.status(200).json({ received: true });
      } catch (err) {
        res.status(500).json({ error: String(err) });
      }
    });
    const minimalUrl = (await listen(minimal)) + '/hook';

    let counter = 0;
    const batch = async (n: number): Promise<Delivery[]> => {
      const out: Delivery[] = [];
      for (let i = 0; i < n; i++) {
        const id = `evt_bench_${counter++}_${crypto.randomBytes(4).toString('hex')}`;
        out.push(await signDelivery('stripe', { secret, body: stripeEvent('invoice.paid', { id: `in_${counter}`, object: 'invoice' }, id) }));
      }
      return out;
    };
    // Warm up both (connections, JIT, SQLite pages).
    await fire(switchyardUrl, await batch(100));
    await fire(minimalUrl, await batch(100));

    const results: { switchyard: Result; minimal: Result }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const sides: ['switchyard' | 'minimal', string][] = [
        ['switchyard', switchyardUrl],
        ['minimal', minimalUrl],
      ];
      if (round % 2 === 1) sides.reverse();
      const r = {} as { switchyard: Result; minimal: Result };
      for (const [name, url] of sides) r[name] = await fire(url, await batch(REQUESTS));
      results.push(r);
      console.log(
        `round ${round + 1}: switchyard ${r.switchyard.rps.toFixed(0)} req/s p99 ${r.switchyard.p99.toFixed(1)} ms (${r.switchyard.errors} errors); ` +
          `minimal ${r.minimal.rps.toFixed(0)} req/s p99 ${r.minimal.p99.toFixed(1)} ms (${r.minimal.errors} errors); ratio ${(r.switchyard.rps / r.minimal.rps).toFixed(3)}`,
      );
    }
    const ratio = median(results.map((r) => r.switchyard.rps / r.minimal.rps));
    const row = (name: 'switchyard' | 'minimal') =>
      `| ${name.padEnd(10)} | ${median(results.map((r) => r[name].rps))
        .toFixed(0)
        .padStart(6)} | ${median(results.map((r) => r[name].p50))
        .toFixed(1)
        .padStart(7)} | ${median(results.map((r) => r[name].p99))
        .toFixed(1)
        .padStart(7)} | ${results.reduce((s, r) => s + r[name].errors, 0)} |`;
    console.log(`\n${REQUESTS} requests per side per round, ${CONCURRENCY} in flight, ${ROUNDS} rounds (medians)\n`);
    console.log('| side       |  req/s | p50 ms  | p99 ms  | errors |');
    console.log('| :--------- | -----: | ------: | ------: | -----: |');
    console.log(row('switchyard'));
    console.log(row('minimal'));
    console.log(`\nratio switchyard/minimal (median of rounds): ${ratio.toFixed(3)} (target ≥ 0.8)`);
    await connection.close();
    await temporal.close();
    await db.destroy();
  } finally {
    for (const s of servers) s.close();
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
