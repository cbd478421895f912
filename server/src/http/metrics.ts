import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { sql } from 'kysely';
import type { Db } from '#store/database';
import { withDeadline } from '#core/metrics-server';

/**
 * The API server's Prometheus metrics. HTTP requests are observed here (by route template, never by raw path: a
 * path carries ids); runs, credits and webhook deliveries are read from the database at scrape time, so every
 * replica reports the same installation-wide figures (take one replica's, or `max`, when aggregating).
 */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly requests: Histogram<'method' | 'route' | 'status'>;

  constructor(private readonly db: Db) {
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Histogram({
      name: 'switchyard_http_request_duration_seconds',
      help: 'API requests by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    const grouped = (name: string, help: string, label: string, query: () => Promise<{ key: string; n: number }[]>) =>
      new Gauge({
        name,
        help,
        labelNames: [label],
        registers: [this.registry],
        async collect() {
          this.reset();
          for (const row of await withDeadline(query(), 2000, `the database (${name})`)) this.set({ [label]: row.key }, Number(row.n));
        },
      });
    grouped('switchyard_runs', 'Runs by status (from the database)', 'status', () =>
      this.db
        .selectFrom('runs')
        .select(['status as key', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute(),
    );
    grouped('switchyard_webhook_deliveries', 'Webhook deliveries by result (from the database)', 'result', () =>
      this.db
        .selectFrom('webhook_deliveries')
        .select(['status as key', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute(),
    );
    grouped('switchyard_credits', 'Credits charged and refunded, all workspaces (from the ledger)', 'kind', () =>
      this.db
        .selectFrom('credit_ledger')
        .select(['kind as key', sql<number>`coalesce(sum(credits), 0)`.as('n')])
        .where('kind', 'in', ['charge', 'refund'])
        .groupBy('kind')
        .execute(),
    );
  }

  /** Times every request; the label is the matched route's template (`/api/flows/:flowId`), else `unmatched`. */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    const end = this.requests.startTimer();
    res.on('finish', () => {
      const route = req.route ? `${req.baseUrl}${String((req.route as { path: string }).path)}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
