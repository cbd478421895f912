/**
 * The load side of bench/e2e.bench.ts: the events it sends, sending them with a fixed number in flight, and CPU time
 * of a process tree read from /proc.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';

/**
 * A Stripe `invoice.paid` event of about 1 KB, as Stripe sends it (webhooks) and as an app event's `data`. Its id is
 * the dedupe key on both sides: unique per request.
 */
export function invoiceEvent(id: string): Record<string, unknown> {
  const line = (n: number) => ({
    id: `il_${n}${id.slice(-8)}`,
    object: 'line_item',
    amount: 1000 * n,
    currency: 'eur',
    description: `Seat ${n} × Pro plan`,
    quantity: 1,
  });
  return {
    id,
    object: 'event',
    api_version: '2025-09-30.clover',
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: `in_${crypto.randomBytes(8).toString('hex')}`,
        object: 'invoice',
        customer: 'cus_Q5bench0000001',
        customer_email: 'billing@example.com',
        currency: 'eur',
        status: 'paid',
        amount_due: 6000,
        amount_paid: 6000,
        hosted_invoice_url: 'https://invoice.stripe.com/i/acct_bench/test_bench',
        lines: { object: 'list', data: [1, 2, 3].map(line), has_more: false },
        metadata: { order: 'ord_1234567890', source: 'bench' },
      },
    },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'invoice.paid',
  };
}

export interface Request {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface SendResult {
  /** Parsed bodies of the 2xx answers. */
  answers: unknown[];
  errors: number;
  firstError?: string;
  /** Per request, ms, sorted. */
  latencies: number[];
  seconds: number;
}

/** Sends every request, `concurrency` in flight; 2xx counts as acknowledged. */
export async function sendAll(requests: Request[], concurrency: number): Promise<SendResult> {
  const answers: unknown[] = [];
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, requests.length) }, async () => {
      while (next < requests.length) {
        const r = requests[next++]!;
        const t = performance.now();
        try {
          const res = await fetch(r.url, { method: 'POST', headers: r.headers, body: r.body, signal: AbortSignal.timeout(60_000) });
          const text = await res.text();
          if (res.ok) answers.push(JSON.parse(text));
          else {
            errors++;
            firstError ??= `${res.status} ${text.slice(0, 300)}`;
          }
        } catch (err) {
          errors++;
          firstError ??= String(err);
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { answers, errors, ...(firstError ? { firstError } : {}), latencies, seconds };
}

export function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Every process's parent and CPU ticks used (utime + stime + reaped children's cutime + cstime), from /proc. */
function processTable(): Map<number, { ppid: number; ticks: number }> {
  const table = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces and parentheses): state ppid pgrp … utime(12) stime(13) cutime(14) cstime(15).
      const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      table.set(Number(entry), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
    } catch {
      // the process ended while the table was read
    }
  }
  return table;
}

/** The pids of `root` and of every process below it. */
function treeOf(table: Map<number, { ppid: number }>, root: number): number[] {
  const pids = [root];
  for (let i = 0; i < pids.length; i++) for (const [pid, p] of table) if (p.ppid === pids[i]) pids.push(pid);
  return pids.filter((pid) => table.has(pid));
}

/** CPU ms used so far by each named process tree (the process and all its descendants). */
export function cpuMs<K extends string>(roots: Record<K, number>): Record<K, number> {
  const table = processTable();
  const out = {} as Record<K, number>;
  for (const [name, root] of Object.entries(roots) as [K, number][])
    out[name] = (treeOf(table, root).reduce((sum, pid) => sum + table.get(pid)!.ticks, 0) * 1000) / TICKS_PER_SECOND;
  return out;
}

/** Each tree's processes with their command lines: to show what is measured. */
export function describeTree(root: number): string {
  const table = processTable();
  return treeOf(table, root)
    .map((pid) => {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      return `${pid} ${cmd.map((a) => (a.length > 60 ? `…${a.slice(-50)}` : a)).join(' ')}`;
    })
    .join('; ');
}
