/**
 * What the flow list costs a browser to open (`npm run bench:editor-transfer`): the JavaScript transferred for the
 * first page of the editor (the flow list), as served by the server's own static middleware (server/src/http/
 * editor-static.ts: precompressed brotli/gzip, per-page chunks), against a baseline measured in the same run: the same
 * build served uncompressed by plain express.static. Headless Chromium (/usr/bin/chromium or CHROMIUM_PATH) loads the
 * page --runs times per server with an empty cache; the resource timings of every script give the bytes on the wire.
 * Target: under 200 KB compressed. The API is a stub that answers the flow list's two calls with empty lists.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import express from 'express';
import { chromium } from 'playwright-core';
import { editorStatic } from '#server/http/editor-static';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'editor', 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TARGET_KB = 200;
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);

if (!fs.existsSync(path.join(dist, 'index.html'))) {
  console.error('editor/dist is missing: run `npm run build:editor` first');
  process.exit(1);
}

function serve(useCompressed: boolean): Promise<http.Server> {
  const app = express();
  app.get('/api/flows', (_req, res) => res.json({ flows: [] }));
  app.get('/api/flow-tags', (_req, res) => res.json({ tags: [] }));
  app.use(useCompressed ? editorStatic(dist) : express.static(dist));
  const server = http.createServer(app);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface Load {
  scripts: number;
  transferred: number;
  decoded: number;
}

async function measure(server: http.Server): Promise<Load> {
  const { port } = server.address() as AddressInfo;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const context = await browser.newContext();
    // Signed in (the key is only read, never checked, by the stub).
    await context.addInitScript(() => localStorage.setItem('switchyard.apiKey', 'sy_live_bench'));
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/#/flows`, { waitUntil: 'networkidle' });
    await page.getByRole('heading', { name: 'Flows', level: 1 }).waitFor();
    return await page.evaluate(() => {
      const scripts = performance
        .getEntriesByType('resource')
        .filter((e) => (e as PerformanceResourceTiming).initiatorType === 'script' || e.name.endsWith('.js')) as PerformanceResourceTiming[];
      return {
        scripts: scripts.length,
        transferred: scripts.reduce((n, e) => n + e.encodedBodySize, 0),
        decoded: scripts.reduce((n, e) => n + e.decodedBodySize, 0),
      };
    });
  } finally {
    await browser.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

const compressed = await serve(true);
const plain = await serve(false);
const ours: Load[] = [];
const baseline: Load[] = [];
for (let i = 0; i < runs; i++) {
  ours.push(await measure(compressed));
  baseline.push(await measure(plain));
}
compressed.close();
plain.close();

const sent = median(ours.map((l) => l.transferred));
const base = median(baseline.map((l) => l.transferred));
console.log(`## The flow list's initial JavaScript (${runs} loads each, medians)\n`);
console.log(`scripts loaded: ${ours[0]!.scripts} (decoded ${kb(ours[0]!.decoded)})`);
console.log(`served by editor-static (brotli, per-page chunks): ${kb(sent)} on the wire`);
console.log(`baseline, the same build by plain express.static:  ${kb(base)} on the wire`);
console.log(`ratio: ${(sent / base).toFixed(3)} of the baseline (${(base / sent).toFixed(1)}× less)`);
console.log(`target (< ${TARGET_KB} KB compressed): ${sent / 1024 < TARGET_KB ? 'met' : 'NOT met'}`);
