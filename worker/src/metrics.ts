import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ActionActivityInput } from '#core/run';
import { withDeadline } from '#core/metrics-server';

/**
 * The worker's Prometheus metrics: activity latency and failures by integration (an activity interceptor), the
 * worker's slots (`worker.getStatus()`), and the Temporal SDK's own metrics. The SDK's Rust core serves those on a
 * Prometheus endpoint of its own (Runtime telemetry, bound to a loopback port); `render()` scrapes it and appends
 * its text to ours, so one scrape of WORKER_METRICS_PORT gets both (their names start `temporal_`, ours
 * `switchyard_`: they cannot collide).
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly activities: Histogram<'integration' | 'activity' | 'outcome'>;
  readonly failures: Counter<'integration' | 'activity'>;
  private worker: Worker | undefined;
  private slotLimits = { activity: 0, workflow: 0 };

  constructor(private readonly o: { sdkMetricsUrl?: string } = {}) {
    collectDefaultMetrics({ register: this.registry });
    this.activities = new Histogram({
      name: 'switchyard_activity_duration_seconds',
      help: 'Activity attempts by integration, activity type and outcome (succeeded, failed)',
      labelNames: ['integration', 'activity', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [this.registry],
    });
    this.failures = new Counter({
      name: 'switchyard_activity_failures_total',
      help: 'Failed activity attempts by integration and activity type',
      labelNames: ['integration', 'activity'],
      registers: [this.registry],
    });
    const slots = () => ({ status: this.worker?.getStatus(), limits: this.slotLimits });
    new Gauge({
      name: 'switchyard_worker_slots',
      help: 'Task slots of this worker: in use and the most it runs at once, for activities and workflow tasks',
      labelNames: ['kind', 'state'],
      registers: [this.registry],
      collect() {
        const { status, limits } = slots();
        if (!status) return;
        this.set({ kind: 'activity', state: 'used' }, status.numInFlightActivities);
        this.set({ kind: 'workflow', state: 'used' }, status.numInFlightWorkflowActivations);
        this.set({ kind: 'activity', state: 'max' }, limits.activity);
        this.set({ kind: 'workflow', state: 'max' }, limits.workflow);
      },
    });
  }

  /** The running worker whose slots are reported. */
  watch(worker: Worker): void {
    this.worker = worker;
    // Fixed-size slot suppliers (the default tuner) know their size; a resource-based one has none (reported 0).
    const size = (supplier: unknown) => (supplier as { numSlots?: number }).numSlots ?? 0;
    this.slotLimits = { activity: size(worker.options.tuner.activityTaskSlotSupplier), workflow: size(worker.options.tuner.workflowTaskSlotSupplier) };
  }

  async render(): Promise<string> {
    const ours = await this.registry.metrics();
    if (!this.o.sdkMetricsUrl) return ours;
    const sdk = await withDeadline(
      fetch(this.o.sdkMetricsUrl).then((r) => r.text()),
      2000,
      "the Temporal SDK's metrics endpoint",
    ).catch((err: unknown) => `# the Temporal SDK's metrics could not be read: ${String(err).replace(/\n/g, ' ')}\n`);
    return `${ours}\n${sdk}`;
  }
}

/** `http.request@1` → `http`; the worker's own activities (recordRun…) count under `switchyard`. */
export function integrationOf(activityType: string): string {
  const dot = activityType.indexOf('.');
  return dot > 0 && activityType.includes('@') ? activityType.slice(0, dot) : 'switchyard';
}

/**
 * Times every activity attempt and counts failures by integration; a failure is logged with the ids that tie it
 * to its run (workflow id, Temporal run id, workspace id, node), never with the activity's input or output.
 */
export function metricsInterceptor(metrics: WorkerMetrics, logger: Logger): ActivityInterceptorsFactory {
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        const { info } = ctx;
        const labels = { integration: integrationOf(info.activityType), activity: info.activityType };
        const end = metrics.activities.startTimer(labels);
        try {
          const result = await next(input);
          end({ outcome: 'succeeded' });
          return result;
        } catch (err) {
          end({ outcome: 'failed' });
          metrics.failures.inc(labels);
          const arg = input.args[0] as Partial<ActionActivityInput> | undefined;
          logger.warn(
            {
              workflowId: arg?.runWorkflowId ?? info.workflowExecution?.workflowId,
              temporalRunId: info.workflowExecution?.runId,
              workspaceId: typeof arg?.workspaceId === 'string' ? arg.workspaceId : undefined,
              nodeKey: typeof arg?.nodeKey === 'string' ? arg.nodeKey : undefined,
              activity: info.activityType,
              attempt: info.attempt,
              error: err instanceof Error ? err.name : 'Error',
            },
            'activity attempt failed',
          );
          throw err;
        }
      },
    },
  });
}

/** A free loopback port for the SDK's own metrics endpoint (asked of the OS, then released for the SDK to bind). */
export async function freeLoopbackPort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as import('node:net').AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
