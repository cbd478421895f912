/**
 * The bare baseline's API (a process of its own, spawned by bench/e2e.bench.ts): an Express handler that parses the
 * JSON body and calls `signalWithStart` of bareFlow (bench/e2e/bare-workflows.ts) with the workflow id from the event's
 * id, `REJECT_DUPLICATE` as Switchyard's runs have, and answers 202. No authentication, no signature check, no
 * database, no payload encryption: what the least a durable handler can do costs.
 *
 *   POST /run/data1 | /run/http1 | /run/chain10   body: an event `{ id, … }`
 *
 *   TEMPORAL_ADDRESS=… BARE_TASK_QUEUE=bare PORT=… BARE_EXPRESSIONS='{"data1":[…],…}' BARE_HTTP_URL=… node --import tsx bench/e2e/bare-server.ts
 */
import { Client, Connection } from '@temporalio/client';
import express from 'express';
import type { BareFlowInput } from './bare-activities';

async function main(): Promise<void> {
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const client = new Client({ connection });
  const taskQueue = process.env.BARE_TASK_QUEUE!;
  const expressions = JSON.parse(process.env.BARE_EXPRESSIONS!) as Record<string, string[]>;
  const app = express();
  app.post('/run/:kind', express.json({ limit: '1mb' }), async (req, res) => {
    const kind = String(req.params.kind);
    const event = req.body as { id?: unknown };
    if (typeof event?.id !== 'string' || !(kind in expressions || kind === 'http1')) {
      res.status(400).json({ error: 'unknown kind or no id' });
      return;
    }
    const input: BareFlowInput = { data: event, expressions: expressions[kind] ?? [], ...(kind === 'http1' ? { url: process.env.BARE_HTTP_URL! } : {}) };
    try {
      await client.workflow.signalWithStart('bareFlow', {
        taskQueue,
        workflowId: `bare-${kind}-${event.id}`,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [input],
        signal: 'delivery',
        signalArgs: [{ id: event.id }],
      });
      res.status(202).json({ received: true });
    } catch (err) {
      res.status(503).json({ error: String(err) });
    }
  });
  const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('bare server listening'));
  const stop = () => server.close(() => void connection.close().then(() => process.exit(0)));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
