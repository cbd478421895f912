/**
 * The editor benchmark (`npx tsx bench/editor.bench.ts`):
 *  1. first render of a generated flow of 500 canvas nodes relative to 50 (navigation → all nodes in
 *     the DOM, and → all nodes measured and shown; median of --runs page loads each, interleaved);
 *  2. node component renders per pointer move while one node of the 500 is dragged (--moves moves);
 *  3. the editor's initial JavaScript: the JS files editor/dist/index.html references, gzipped.
 *
 * It builds the harness page (bench/editor/: the real FlowCanvas, node components and editor store, with
 * the node types wrapped to count renders) with Vite into a temporary directory, serves it on 127.0.0.1,
 * drives headless Chromium (/usr/bin/chromium, or CHROMIUM_PATH) with playwright-core, and removes
 * everything it created when it ends. Options: --runs 5 --moves 20 --sizes 50,500.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless=new',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];
const VIEWPORT = { width: 1280, height: 800 };
const TIMEOUT = 30_000;
const TARGET_RENDERS_PER_MOVE = 3;
const TARGET_INITIAL_JS_KB = 500;

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    moves: { type: 'string', default: '20' },
    sizes: { type: 'string', default: '50,500' },
  },
});
const RUNS = Number(opts.runs);
const MOVES = Number(opts.moves);
const SIZES = opts.sizes.split(',').map(Number);
const DRAG_SIZE = Math.max(...SIZES);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (x: number, digits = 1) => x.toFixed(digits);

/** Builds the harness page into a fresh temporary directory. */
async function buildHarness(outDir: string): Promise<void> {
  await build({ configFile: path.join(root, 'bench', 'editor', 'vite.config.ts'), build: { outDir, emptyOutDir: true }, logLevel: 'warn' });
}

/** A static server for the built harness (no caching: every page load fetches its files). */
async function serve(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const file = path.join(dir, pathname === '/' ? 'index.html' : pathname);
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface FirstRender {
  /** When the harness module started (the bundle is loaded and evaluated), ms since navigation start. */
  script: number;
  inDom: number;
  visible: number;
}

/** What the harness page (bench/editor/main.tsx, counting-nodes.tsx) exposes. */
type Harness = { __firstRender?: FirstRender };

/** Loads the harness with n nodes in a fresh page; returns when they were all in the DOM and all shown. */
async function firstRender(browser: Browser, url: string, n: number): Promise<FirstRender> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  try {
    const errors = watchErrors(page);
    await page.goto(`${url}/?n=${n}`, { timeout: TIMEOUT });
    await page.waitForFunction(() => (window as unknown as Harness).__firstRender !== undefined, undefined, { timeout: TIMEOUT });
    const result = await page.evaluate(() => (window as unknown as Harness).__firstRender!);
    const count = await page.locator('.react-flow__node').count();
    if (count !== n) throw new Error(`expected ${n} nodes in the DOM, found ${count}`);
    if (errors.length > 0) throw new Error(`the page logged errors:\n${errors.join('\n')}`);
    return result;
  } finally {
    await page.close();
  }
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

interface MoveStats {
  /** Node component renders, per pointer move. */
  renders: number[];
  /** Renders React Flow asked for (before memo), per pointer move. */
  slots: number[];
  /** Edges whose path changed, per pointer move. */
  edges: number[];
  /** Which nodes rendered during the moves, with how many renders. */
  byNode: Map<string, number>;
  /** Which edges changed during the moves. */
  edgeIds: Set<string>;
  /** Renders on mouse down (before the first move) and on mouse up (the drop commits a moveNode). */
  onDown: string[];
  onUp: string[];
  dragged: string;
  neighbours: string[];
  /** Wall time from a move to the second frame after it, in ms (includes the round trip to the browser). */
  frameMs: number[];
  /** Node component renders while the page loaded (until every node was shown and settled). */
  atLoad: number;
  /** Whether each node type is memoized (as in nodes.tsx), by type. */
  memo: Record<string, boolean>;
}

/** Drags one node of the big flow across MOVES pointer moves, recording renders after each one. */
async function dragRenders(browser: Browser, url: string, n: number): Promise<MoveStats> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  try {
    const errors = watchErrors(page);
    await page.goto(`${url}/?n=${n}`, { timeout: TIMEOUT });
    await page.waitForFunction(() => (window as unknown as Harness).__firstRender !== undefined, undefined, { timeout: TIMEOUT });
    // Count edges whose path changes (an edge re-render that changes nothing leaves no trace, which is fine).
    await page.evaluate(() => {
      const w = window as unknown as { __edges: string[] };
      w.__edges = [];
      new MutationObserver((records) => {
        for (const r of records) {
          const id = (r.target as Element).closest('.react-flow__edge')?.getAttribute('data-id');
          if (id) w.__edges.push(id);
        }
      }).observe(document.querySelector('.react-flow__edges') ?? document.body, { attributes: true, attributeFilter: ['d'], subtree: true });
    });
    const settle = () => page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
    const take = () =>
      page.evaluate(() => {
        const w = window as unknown as { __renders: { renders: string[]; slots: string[] }; __edges: string[] };
        const out = { renders: w.__renders.renders, slots: w.__renders.slots, edges: [...new Set(w.__edges)] };
        w.__renders.renders = [];
        w.__renders.slots = [];
        w.__edges = [];
        return out;
      });

    // A node in the middle of the chain, so that it has an edge in and an edge out.
    const index = Math.floor(n / 2);
    const dragged = `step_${index}`;
    const neighbours = [`step_${index - 1}`, `step_${index + 1}`];
    const box = await page.locator(`.react-flow__node[data-id="${dragged}"]`).boundingBox();
    if (!box) throw new Error(`node ${dragged} is not on screen`);
    const start = { x: box.x + box.width / 2, y: box.y + box.height / 2 };

    await settle();
    const atLoad = (await take()).renders.length;
    const memo = await page.evaluate(() => (window as unknown as { __renders: { memo: Record<string, boolean> } }).__renders.memo);
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    await settle();
    const onDown = (await take()).renders;

    const stats: MoveStats = {
      renders: [],
      slots: [],
      edges: [],
      byNode: new Map(),
      edgeIds: new Set(),
      onDown,
      onUp: [],
      dragged,
      neighbours,
      frameMs: [],
      atLoad,
      memo,
    };
    for (let i = 1; i <= MOVES; i++) {
      const t0 = performance.now();
      await page.mouse.move(start.x + i * 6, start.y + i * 3);
      await settle();
      stats.frameMs.push(performance.now() - t0);
      const moved = await take();
      stats.renders.push(moved.renders.length);
      stats.slots.push(moved.slots.length);
      stats.edges.push(moved.edges.length);
      for (const id of moved.renders) stats.byNode.set(id, (stats.byNode.get(id) ?? 0) + 1);
      for (const id of moved.edges) stats.edgeIds.add(id);
    }
    await page.mouse.up();
    await settle();
    stats.onUp = (await take()).renders;
    const after = await page.locator(`.react-flow__node[data-id="${dragged}"]`).boundingBox();
    if (!after || Math.abs(after.x - box.x) < 1) throw new Error('the node did not move: the drag did not happen');
    if (errors.length > 0) throw new Error(`the page logged errors:\n${errors.join('\n')}`);
    return stats;
  } finally {
    await page.close();
  }
}

/** The JS files editor/dist/index.html loads at start (its module script and module preloads), gzipped. */
function initialJs(): { files: { file: string; raw: number; gzip: number }[]; raw: number; gzip: number; builtAt: Date } {
  const dist = path.join(root, 'editor', 'dist');
  if (!fs.existsSync(path.join(dist, 'index.html'))) {
    console.log('editor/dist is missing: building the editor (npx vite build editor)…');
    const r = spawnSync('npx', ['vite', 'build', 'editor'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('the editor build failed');
  }
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const refs = [
    ...[...html.matchAll(/<script\b[^>]*\bsrc="([^"]+\.js)"/g)].map((m) => m[1]!),
    ...[...html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+\.js)"/g)].map((m) => m[1]!),
  ];
  const files = [...new Set(refs)].map((ref) => {
    const content = fs.readFileSync(path.join(dist, ref.replace(/^\//, '')));
    return { file: ref, raw: content.length, gzip: zlib.gzipSync(content, { level: 9 }).length };
  });
  const builtAt = fs.statSync(path.join(dist, 'index.html')).mtime;
  return { files, raw: files.reduce((s, f) => s + f.raw, 0), gzip: files.reduce((s, f) => s + f.gzip, 0), builtAt };
}

async function main(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}; install Debian's chromium or set CHROMIUM_PATH`);
  const started = Date.now();
  const js = initialJs();

  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-editor-'));
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  let browser: Browser | undefined;
  try {
    console.log('building the harness…');
    await buildHarness(outDir);
    server = await serve(outDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: TIMEOUT });

    // Warm-up, then RUNS interleaved rounds so that a busy moment hurts every size alike.
    for (const n of SIZES) await firstRender(browser, server.url, n);
    const times = new Map<number, FirstRender[]>(SIZES.map((n) => [n, []]));
    for (let round = 0; round < RUNS; round++) for (const n of SIZES) times.get(n)!.push(await firstRender(browser, server.url, n));

    const drags = new Map<number, MoveStats>();
    for (const n of SIZES) {
      console.log(`dragging one node of ${n}…`);
      drags.set(n, await dragRenders(browser, server.url, n));
    }
    const drag = drags.get(DRAG_SIZE)!;

    // Report.
    const small = Math.min(...SIZES);
    const big = Math.max(...SIZES);
    const med = (n: number, f: (t: FirstRender) => number) => median(times.get(n)!.map(f));
    const inDom = (t: FirstRender) => t.inDom;
    const shown = (t: FirstRender) => t.visible;
    const renderOnly = (t: FirstRender) => t.inDom - t.script;
    const renderShown = (t: FirstRender) => t.visible - t.script;
    console.log(`\n## First render (median of ${RUNS} page loads; ms)\n`);
    console.log(
      '| nodes | navigation → all in the DOM | navigation → all shown | script start → all in the DOM | script start → all shown | runs (navigation → in the DOM) |',
    );
    console.log(
      '| ----: | --------------------------: | ---------------------: | ----------------------------: | -----------------------: | :----------------------------- |',
    );
    for (const n of SIZES) {
      console.log(
        `| ${n} | ${fmt(med(n, inDom))} | ${fmt(med(n, shown))} | ${fmt(med(n, renderOnly))} | ${fmt(med(n, renderShown))} | ${times
          .get(n)!
          .map((t) => fmt(t.inDom, 0))
          .join(', ')} |`,
      );
    }
    const ratio = (f: (t: FirstRender) => number) => `${fmt(med(big, f) / med(small, f), 2)}×`;
    console.log(
      `\nratio ${big}/${small}: ${ratio(inDom)} navigation → in the DOM, ${ratio(shown)} navigation → shown; ${ratio(renderOnly)} script → in the DOM, ${ratio(renderShown)} script → shown`,
    );

    const maxRenders = Math.max(...drag.renders);
    const others = [...drag.byNode.keys()].filter((id) => id !== drag.dragged);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const maxMean = (xs: number[]) => `${Math.max(...xs)} / ${fmt(mean(xs), 2)}`;
    console.log(`\n## Dragging one node in the middle of the chain (${MOVES} pointer moves; max / mean per move)\n`);
    console.log(`| per pointer move | ${SIZES.map((n) => `${n} nodes`).join(' | ')} |`);
    console.log(`| :--------------- | ${SIZES.map(() => '------:').join(' | ')} |`);
    const row = (label: string, cell: (d: MoveStats) => string) => console.log(`| ${label} | ${SIZES.map((n) => cell(drags.get(n)!)).join(' | ')} |`);
    row('node component renders', (d) => maxMean(d.renders));
    row('node renders React Flow asked for (before memo)', (d) => maxMean(d.slots));
    row('edges whose path changed', (d) => maxMean(d.edges));
    row('move → 2nd frame after it, ms (max / median)', (d) => `${fmt(Math.max(...d.frameMs), 0)} / ${fmt(median(d.frameMs), 0)}`);
    row('node renders while the page loaded', (d) => String(d.atLoad));
    console.log(`\n${DRAG_SIZE} nodes, dragging ${drag.dragged}: renders per move ${drag.renders.join(' ')}`);
    console.log(`nodes that rendered while moving: ${[...drag.byNode].map(([id, c]) => `${id} ×${c}`).join(', ')}`);
    console.log(`edges that changed while moving: ${[...drag.edgeIds].join(', ') || 'none'}`);
    console.log(`on mouse down: ${drag.onDown.join(', ') || 'no render'}; on mouse up (drop): ${drag.onUp.join(', ') || 'no render'}`);
    console.log(
      `node types memoized: ${Object.entries(drag.memo)
        .map(([t, m]) => `${t} ${m ? 'yes' : 'NO'}`)
        .join(', ')}`,
    );
    console.log(
      `target (≤ ${TARGET_RENDERS_PER_MOVE} node renders per move, only the dragged node): ${maxRenders <= TARGET_RENDERS_PER_MOVE && others.length === 0 ? 'met' : 'NOT met'}` +
        (others.length > 0 ? ` (also rendered: ${others.join(', ')})` : ''),
    );

    console.log(`\n## Initial JavaScript of the editor (editor/dist/index.html, built ${js.builtAt.toISOString()})\n`);
    console.log('| file | raw KB | gzip -9 KB |');
    console.log('| :--- | -----: | ---------: |');
    for (const f of js.files) console.log(`| ${f.file} | ${fmt(f.raw / 1024)} | ${fmt(f.gzip / 1024)} |`);
    console.log(`| total | ${fmt(js.raw / 1024)} | ${fmt(js.gzip / 1024)} |`);
    console.log(`target (< ${TARGET_INITIAL_JS_KB} KB gzipped): ${js.gzip / 1024 < TARGET_INITIAL_JS_KB ? 'met' : 'NOT met'}`);
    console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s; Chromium ${browser.version()}, viewport ${VIEWPORT.width}×${VIEWPORT.height})`);
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.close();
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
