/**
 * Planner latency per prompt over the corpus (test/assistant/prompts.json), p50/p99, against the cost of validating
 * the same drafts (validateFlow, which every draft passes through), measured in the same run.
 *
 *   npx tsx bench/assistant.bench.ts [--rounds 20]
 */
import fs from 'node:fs';
import { catalog, integrations } from '#catalog';
import { validateFlow } from '#core/validate';
import { planFlow } from '#server/assistant/planner';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 20;
const corpus: { prompt: string }[] = JSON.parse(fs.readFileSync(new URL('../test/assistant/prompts.json', import.meta.url), 'utf8'));
const cat = { integrations, index: catalog, webhookSources: integrations.flatMap((i) => i.webhooks ?? []) };
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * q) - 1)]!;

for (const c of corpus) planFlow({ prompt: c.prompt }, cat); // warm-up
const plan: number[] = [];
const validate: number[] = [];
for (let r = 0; r < rounds; r++) {
  for (const c of corpus) {
    let t = performance.now();
    const answer = planFlow({ prompt: c.prompt }, cat);
    plan.push(performance.now() - t);
    if (answer.kind !== 'draft') continue;
    t = performance.now();
    validateFlow(answer.draft, catalog);
    validate.push(performance.now() - t);
  }
}
console.log(`${corpus.length} prompts × ${rounds} rounds`);
console.log(`planner   p50 ${quantile(plan, 0.5).toFixed(2)} ms, p99 ${quantile(plan, 0.99).toFixed(2)} ms (target p99 < 50 ms)`);
console.log(`validator p50 ${quantile(validate, 0.5).toFixed(2)} ms, p99 ${quantile(validate, 0.99).toFixed(2)} ms (baseline: the check every draft passes)`);
console.log(`ratio planner/validator at p50: ${(quantile(plan, 0.5) / quantile(validate, 0.5)).toFixed(1)}×`);
