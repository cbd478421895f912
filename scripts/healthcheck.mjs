// The image's HEALTHCHECK: asks the API server its liveness (GET /api/health), or the worker its metrics endpoint
// when WORKER_METRICS_PORT is set (a worker without it is only checked to be running). Which one this container
// is comes from its main process's command line.
import fs from 'node:fs';

const cmdline = fs.readFileSync('/proc/1/cmdline', 'utf8').split('\0').join(' ');
const host = '127.0.0.1';
let url;
if (cmdline.includes('server/src/main.ts')) url = `http://${host}:${process.env.PORT ?? 3000}/api/health`;
else if (cmdline.includes('worker/src/main.ts') && process.env.WORKER_METRICS_PORT) url = `http://${host}:${process.env.WORKER_METRICS_PORT}/metrics`;
if (!url) process.exit(0);
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  if (res.status !== 200) {
    console.error(`${url} answered ${res.status}`);
    process.exit(1);
  }
} catch (err) {
  console.error(`${url}: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
