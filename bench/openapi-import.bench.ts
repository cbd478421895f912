/**
 * OpenAPI import of GitHub's whole document (@octokit/openapi, about 1,200 operations, 13 MB): the import as the API
 * runs it (parse the text, convert, dereference, check, extract the actions; storing excluded) against the parser's own
 * `dereference` of the same text (JSON.parse included), in the same run, alternating which goes first. Memory is the
 * rise in heap used during one import, measured with a collection before and after.
 *
 *   node --expose-gc --import tsx bench/openapi-import.bench.ts [--rounds 7]
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { dereference } from '@readme/openapi-parser';
import { importOpenApi, parseDocumentText } from '#server/integrations/openapi-import';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 7;
const text = fs.readFileSync(createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8');
const gc = (globalThis as { gc?: () => void }).gc;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(fn: () => Promise<unknown>): Promise<{ ms: number; heapMb: number }> {
  gc?.();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
  const t = performance.now();
  const kept = await fn();
  const ms = performance.now() - t;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  void kept;
  return { ms, heapMb: (peak - before) / 1024 / 1024 };
}

const ours = () => importOpenApi(parseDocumentText(text));
const parser = () => dereference(JSON.parse(text), { resolve: { external: false, file: false }, dereference: { circular: true } });
await ours(); // warm-up of both paths
await parser();
const imports: { ms: number; heapMb: number }[] = [];
const derefs: { ms: number; heapMb: number }[] = [];
const ratios: number[] = [];
for (let r = 0; r < rounds; r++) {
  let a: { ms: number; heapMb: number };
  let b: { ms: number; heapMb: number };
  if (r % 2 === 0) {
    a = await timed(ours);
    b = await timed(parser);
  } else {
    b = await timed(parser);
    a = await timed(ours);
  }
  imports.push(a);
  derefs.push(b);
  ratios.push(a.ms / b.ms);
}
const spec = await ours();
console.log(
  `GitHub's document: ${(text.length / 1e6).toFixed(1)} MB, ${spec.operations.length} operations, ${rounds} rounds${gc ? '' : ' (run with --expose-gc for memory figures)'}`,
);
console.log(`import       median ${median(imports.map((x) => x.ms)).toFixed(0)} ms, heap retained +${median(imports.map((x) => x.heapMb)).toFixed(0)} MB`);
console.log(
  `dereference  median ${median(derefs.map((x) => x.ms)).toFixed(0)} ms, heap retained +${median(derefs.map((x) => x.heapMb)).toFixed(0)} MB (baseline: the parser alone)`,
);
console.log(`ratio import/dereference: median ${median(ratios).toFixed(2)}× (target ≤ 1.5×); per round ${ratios.map((r) => r.toFixed(2)).join(', ')}`);
console.log(`stored spec: ${(JSON.stringify(spec).length / 1e6).toFixed(1)} MB of JSON`);
