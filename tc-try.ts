import { startTemporalCluster } from './scripts/lib/temporal-cluster';
const t0 = Date.now();
const c = await startTemporalCluster({ log: (l) => process.stdout.write(l) });
console.log('ready in', Date.now() - t0, 'ms', c.address, c.dir);
await c.stop();
console.log('stopped');
