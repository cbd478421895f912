import { AsyncLocalStorage } from 'node:async_hooks';
import { ApplicationFailure, type Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from 'pino';
import { actionRef, type ActionDefinition, type IntegrationDefinition } from '../../../core/src/catalog-sdk';
import { chargeKey, CREDITS_EXHAUSTED, PLAN_REQUIRED, planRequiredMessage, type CreditsExhaustedDetails } from '../../../core/src/credits';
import { NonRetryableError } from '../../../core/src/errors';
import type { ActionActivityInput, ActionActivityResult } from '../../../core/src/run';
import { charge, type Charge } from '../../../store/src/credits.repository';
import type { Db } from '../../../store/src/database';

/**
 * Credits metering, in an activity interceptor (never in workflow code, which re-runs on replay).
 *
 * The interceptor gives each attempt of a catalog action its own meter (through AsyncLocalStorage); the
 * guarded HTTP client calls `meter.request()` right before every request leaves (and SMTP right before it
 * sends). Each call charges one ledger row keyed namespace/workflow/run/activity/attempt/request, in one
 * transaction with the balance check, before anything is sent. So an attempt that sends nothing (bad
 * input, missing secret, no credits) costs nothing, and a retry or replay can never charge a key twice.
 */
export class AttemptMeter {
  private requests = 0;
  private charged = 0;
  /** Set when the workspace could not pay: the interceptor fails the attempt with it, whatever the action made of the error. */
  refusal: ApplicationFailure | undefined;

  constructor(
    private readonly db: Db,
    private readonly o: {
      integration: IntegrationDefinition;
      action: ActionDefinition;
      ref: string;
      namespace: string;
      workflowId: string;
      runId: string;
      activityId: string;
      attempt: number;
      input: ActionActivityInput;
    },
  ) {}

  /** Charges the next request; throws (and nothing may be sent) when the workspace cannot pay for it. */
  async request(): Promise<void> {
    if (this.refusal) throw new NonRetryableError(this.refusal.message, { code: this.refusal.type ?? CREDITS_EXHAUSTED });
    const index = this.requests++;
    const fixed = this.o.action.credits;
    // A fixed price is charged once per attempt, with its first request; a free action is never charged.
    const price = fixed === undefined ? 1 : index === 0 ? fixed : 0;
    if (price === 0) return;
    await this.charge(price, index, false);
  }

  /** After a successful call of a usage-priced action: charges what its usage costs beyond the requests already charged. */
  async usage(total: number): Promise<void> {
    const extra = Math.ceil(total) - this.charged;
    if (extra > 0) await this.charge(extra, 'usage', true);
  }

  private async charge(price: number, request: number | 'usage', overdraft: boolean): Promise<void> {
    const { input } = this.o;
    const row: Charge = {
      id: chargeKey({ ...this.o, request }),
      workspaceId: input.workspaceId,
      mode: input.mode,
      credits: price,
      overdraft,
      integration: this.o.integration.key,
      action: this.o.ref,
      workflowId: this.o.workflowId,
      temporalRunId: this.o.runId,
      activityId: this.o.activityId,
      attempt: this.o.attempt,
      requestIndex: request === 'usage' ? null : request,
      nodeKey: input.nodeKey,
    };
    const result = await charge(this.db, row);
    if (result.status === 'charged' || result.status === 'duplicate') {
      this.charged += price;
      return;
    }
    if (result.status === 'exhausted') {
      const details: CreditsExhaustedDetails = { attempt: this.o.attempt, balance: result.balance, needed: price };
      this.refusal = ApplicationFailure.create({
        type: CREDITS_EXHAUSTED,
        nonRetryable: true,
        message:
          `Out of credits: the workspace balance is ${result.balance} credit${result.balance === 1 ? '' : 's'} and node "${input.nodeKey}" (${this.o.ref}) ` +
          `needs ${price} for its next API request, so nothing was sent. Add credits or upgrade the plan: the run waits for credits and resumes by itself.`,
        details: [details],
      });
    } else {
      this.refusal = ApplicationFailure.create({
        type: PLAN_REQUIRED,
        nonRetryable: true,
        message: planRequiredMessage([this.o.integration.title], `node "${input.nodeKey}" uses ${this.o.ref}`),
        details: [{ attempt: this.o.attempt }],
      });
    }
    throw new NonRetryableError(this.refusal.message, { code: this.refusal.type ?? CREDITS_EXHAUSTED });
  }
}

const meters = new AsyncLocalStorage<AttemptMeter>();

/** The meter of the action attempt this code runs in, if any (connection tests and other activities have none). */
export function currentMeter(): AttemptMeter | undefined {
  return meters.getStore();
}

/** The guarded HTTP client's `onRequest` hook: charges the current attempt's next request. */
export function meterRequest(): Promise<void> | undefined {
  return meters.getStore()?.request();
}

/** The activity interceptor that meters every catalog action; other activities pass through untouched. */
export function meteringInterceptor(o: { db: Db; integrations: IntegrationDefinition[]; logger: Logger }): ActivityInterceptorsFactory {
  const actions = new Map<string, { integration: IntegrationDefinition; action: ActionDefinition }>();
  for (const integration of o.integrations) for (const action of integration.actions) actions.set(actionRef(integration, action), { integration, action });
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        const { info } = ctx;
        const priced = actions.get(info.activityType);
        // Standalone activities (no workflow) are not catalog runs: nothing to meter.
        if (!priced || !info.workflowExecution) return next(input);
        const meter = new AttemptMeter(o.db, {
          ...priced,
          ref: info.activityType,
          namespace: info.workflowNamespace ?? 'default',
          workflowId: info.workflowExecution.workflowId,
          runId: info.workflowExecution.runId,
          activityId: info.activityId,
          attempt: info.attempt,
          input: input.args[0] as ActionActivityInput,
        });
        let result: ActionActivityResult;
        try {
          result = (await meters.run(meter, () => next(input))) as ActionActivityResult;
        } catch (err) {
          // The action may have wrapped the meter's error (SDKs do): the refusal is what the run must see.
          if (meter.refusal) throw meter.refusal;
          throw err;
        }
        const byUsage = priced.action.creditsFromOutput;
        if (byUsage && !result.simulated) {
          let total: number | undefined;
          try {
            total = byUsage(result.output);
          } catch (err) {
            o.logger.warn({ err, action: info.activityType }, 'could not price the call by its usage; charged per request');
          }
          if (total !== undefined && Number.isFinite(total)) await meter.usage(total);
        }
        return result;
      },
    },
  });
}
