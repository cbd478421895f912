/**
 * The bare baseline of bench/e2e.bench.ts: a hand-written workflow doing what the benchmark's Switchyard flows do and
 * nothing else (no run state, no run recording, no mappings evaluated in the sandbox, no payload encryption). Each step
 * is an activity with the interpreter's defaults for an action (`DEFAULT_ACTION_RETRY`; data.transform's 10 s
 * timeout, http.request's 30 s) and the node key as its activity id.
 *
 * Imports nothing but @temporalio/workflow and types: bundled alone, this is what a hand-written workflow costs.
 */
import { defineSignal, proxyActivities, proxySinks, setHandler, type ActivityOptions, type Sinks } from '@temporalio/workflow';
import type { BareActivities, BareFlowInput } from './bare-activities';

const RETRY: ActivityOptions['retry'] = { maximumAttempts: 5, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' };

/**
 * How the benchmark learns a run is done without asking Temporal (a visibility query costs the dev server more CPU the
 * more workflows it holds): the worker prints a line when the workflow's last activation has completed.
 */
export interface BareSinks extends Sinks {
  bench: { done(): void };
}
const { bench } = proxySinks<BareSinks>();

/** The signal `signalWithStart` delivers with the start; the run has nothing to do with it (runFlow ignores a delivery's too). */
export const deliverySignal = defineSignal<[unknown]>('delivery');

/**
 * `url` set: one POST of `{ invoice: data.id }` to it. Else one transform per expression, the first over `data`, each
 * next one over the previous result.
 */
export async function bareFlow({ data, expressions, url }: BareFlowInput): Promise<unknown> {
  setHandler(deliverySignal, () => undefined);
  if (url) {
    const post = proxyActivities<BareActivities>({ startToCloseTimeout: '30s', retry: RETRY, activityId: 'call' }).post;
    const answer = await post({ url, body: { invoice: (data as { id?: unknown } | null)?.id ?? null } });
    bench.done();
    return answer;
  }
  let result = data;
  for (const [i, expression] of expressions.entries()) {
    const transform = proxyActivities<BareActivities>({ startToCloseTimeout: '10s', retry: RETRY, activityId: `n${i + 1}` }).transform;
    result = (await transform({ expression, data: result })).result;
  }
  bench.done();
  return result;
}
