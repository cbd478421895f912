import * as wf from '@temporalio/workflow';
export async function noop(x: unknown): Promise<unknown> { return x; }
const { la } = wf.proxyLocalActivities<{ la(x: unknown): Promise<unknown> }>({ startToCloseTimeout: '10s' });
export async function withLa(x: unknown): Promise<unknown> { return la(x); }
export const sig = wf.defineSignal<[unknown]>('trigger');
export async function withSig(x: unknown): Promise<unknown> { let got: unknown; wf.setHandler(sig, (v) => { got = v; }); await wf.condition(() => got !== undefined); return la(got); }
