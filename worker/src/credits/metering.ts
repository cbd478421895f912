import { AsyncLocalStorage } from 'node:async_hooks';
import { ApplicationFailure, type Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from 'pino';
import { actionRef, type ActionDefinition, type IntegrationDefinition } from '#core/catalog-sdk';
import { chargeKey, CREDITS_EXHAUSTED, PLAN_REQUIRED, planRequiredMessage, type CreditsExhaustedDetails } from '#core/credits';
import { NonRetryableError } from '#core/errors';
import type { ActionActivityInput, ActionActivityResult } from '#core/run';
import { charge, refundCharge, type Charge } from '#store/credits.repository';
import type { Db } from '#store/database';
import type { RequestTicket } from '#core/net/guarded-http';
import type { ChargeJournal } from './db-send-journal';

/**
 * Credits metering, in an activity interceptor (never in workflow code, which re-runs on replay).
 *
 * The interceptor gives each attempt of a catalog action its own meter (through AsyncLocalStorage); the
 * guarded HTTP client calls `meter.request()` right before every request leaves (and SMTP right before it
 * sends). Each call charges one ledger row keyed namespace/workflow/run/activity/attempt/request, in one
 * transaction with the balance check, before anything is sent. So an attempt that sends nothing (bad
 * input, missing secret, no credits) costs nothing, and a retry or replay can never charge a key twice. A
 * request that then fails before any byte could reach the provider (address guard, DNS, connection refused,
 * connect timeout) is refunded (`<key>/refund`), so it costs nothing either. Each charge is also followed in the
 * worker's send journal (see send-journal.ts), so a charge whose request a kill kept from leaving is refunded by the
 * next worker to start.
 */
export class AttemptMeter {
  private requests = 0;
  private charged = 0;
  /** Requests charged and not refunded (each is worth 1 when a reserved call fails and is settled). */
  private billable = 0;
  /** Whether the first request carried a usage-priced call's reservation (settled after the call). */
  reserved = false;
  /** What the action reported its call cost (usage-priced actions, as soon as the provider answered). */
  private reportedUsage: number | undefined;
  private fixedPaid = false;
  /** Set when the workspace could not pay: the interceptor fails the attempt with it, whatever the action made of the error. */
  refusal: ApplicationFailure | undefined;
  /** The journal keys of this attempt's charges, settled when the attempt ends. */
  private readonly journaled: string[] = [];

  constructor(
    private readonly db: Db,
    private readonly journal: ChargeJournal | undefined,
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

  /**
   * Charges the next request; throws (and nothing may be sent) when the workspace cannot pay for it. Returns the
   * request's ticket: the HTTP client tells it when the request is being written, and when it never left (a refund:
   * an attempt that sent nothing costs nothing).
   */
  async request(): Promise<RequestTicket | undefined> {
    if (this.refusal) throw new NonRetryableError(this.refusal.message, { code: this.refusal.type ?? CREDITS_EXHAUSTED });
    const index = this.requests++;
    const fixed = this.o.action.credits;
    // A usage-priced call reserves its worst case with its first request (settled after the call), so it can never overdraw.
    const reserve = fixed === undefined && index === 0 && this.o.action.creditsReserve ? reserveOf(this.o.action, this.o.input.input) : undefined;
    // A fixed price is charged once per attempt, with its first request that goes out; a free action is never charged.
    const price = fixed === undefined ? (reserve ?? 1) : this.fixedPaid ? 0 : fixed;
    if (price === 0) return undefined;
    const journaled = this.journal ? chargeKey({ ...this.o, request: index }) : undefined;
    if (journaled !== undefined) {
      // Before the charge is written: a kill right after it must still find the charge in the journal.
      await this.journal!.intent(journaled);
      this.journaled.push(journaled);
    }
    const key = await this.charge(price, index, false);
    if (fixed !== undefined) this.fixedPaid = true;
    if (reserve !== undefined) this.reserved = true;
    this.billable++;
    // A key charged before is another attempt's (Temporal delivered this one twice): not ours to follow or refund.
    if (key === undefined) {
      if (journaled !== undefined) this.journal!.done(journaled);
      return undefined;
    }
    const journal = this.journal;
    return {
      ...(journal ? { sending: () => journal.sending(key), sent: () => journal.sent(key) } : {}),
      notSent: async () => {
        if (!(await refundCharge(this.db, key))) return;
        this.charged -= price;
        this.billable--;
        if (fixed !== undefined) this.fixedPaid = false;
        if (reserve !== undefined) this.reserved = false;
      },
    };
  }

  /** The attempt ended: nothing of its charges is left for a send-journal recovery to settle. */
  ended(): void {
    for (const key of this.journaled) this.journal!.done(key);
  }

  /**
   * After a call of a usage-priced action: settles what was charged (1 per request, or the reservation) to what its
   * usage costs, under the attempt's `usage` key: more is charged (overdraft allowed: the call was made), less is
   * given back (a negative charge). A reserved call that failed is settled to 1 credit per request sent.
   */
  async usage(total: number): Promise<void> {
    const difference = Math.ceil(total) - this.charged;
    if (difference !== 0) await this.charge(difference, 'usage', true);
  }

  reportUsage(credits: number): void {
    if (Number.isFinite(credits) && credits >= 0) this.reportedUsage = credits;
  }

  /**
   * A usage-priced call that failed after the provider answered is charged what it reported it used; one that
   * failed before (usage unknown) costs what any request costs (1 each) when it had reserved more.
   */
  async settleFailedCall(): Promise<void> {
    if (this.reportedUsage !== undefined && this.billable > 0) await this.usage(Math.max(this.reportedUsage, this.billable));
    else if (this.reserved) await this.usage(this.billable);
  }

  /** Returns the key of a new charge (undefined for a key charged before: that one is not this attempt's to refund). */
  private async charge(price: number, request: number | 'usage', overdraft: boolean): Promise<string | undefined> {
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
      return result.status === 'charged' ? row.id : undefined;
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

/** An action's reservation for this input, at least 1 (a broken estimate falls back to 1 credit, like any request). */
function reserveOf(action: ActionDefinition, input: unknown): number {
  try {
    const credits = Math.ceil(action.creditsReserve!(input));
    return Number.isFinite(credits) && credits >= 1 ? credits : 1;
  } catch {
    return 1;
  }
}

const meters = new AsyncLocalStorage<AttemptMeter>();

/** The meter of the action attempt this code runs in, if any (connection tests and other activities have none). */
export function currentMeter(): AttemptMeter | undefined {
  return meters.getStore();
}

/** The guarded HTTP client's `onRequest` hook: charges the current attempt's next request; returns its ticket. */
export function meterRequest(): Promise<RequestTicket | undefined> | undefined {
  return meters.getStore()?.request();
}

/** The activity interceptor that meters every catalog action; other activities pass through untouched. */
export function meteringInterceptor(o: {
  db: Db;
  integrations: IntegrationDefinition[];
  logger: Logger;
  journal?: ChargeJournal;
}): ActivityInterceptorsFactory {
  const actions = new Map<string, { integration: IntegrationDefinition; action: ActionDefinition }>();
  for (const integration of o.integrations) for (const action of integration.actions) actions.set(actionRef(integration, action), { integration, action });
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        const { info } = ctx;
        const priced = actions.get(info.activityType);
        // Standalone activities (no workflow) are not catalog runs: nothing to meter.
        if (!priced || !info.workflowExecution) return next(input);
        const meter = new AttemptMeter(o.db, o.journal, {
          ...priced,
          ref: info.activityType,
          namespace: info.workflowNamespace ?? 'default',
          // A big loop's batch charges for the run (the run's credits and reconciliation group by its workflow id).
          workflowId: (input.args[0] as ActionActivityInput | undefined)?.runWorkflowId ?? info.workflowExecution.workflowId,
          runId: info.workflowExecution.runId,
          activityId: info.activityId,
          attempt: info.attempt,
          input: input.args[0] as ActionActivityInput,
        });
        let result: ActionActivityResult;
        try {
          result = (await meters.run(meter, () => next(input))) as ActionActivityResult;
        } catch (err) {
          meter.ended();
          // The action may have wrapped the meter's error (SDKs do): the refusal is what the run must see.
          if (meter.refusal) throw meter.refusal;
          await meter.settleFailedCall().catch((settleErr: unknown) => o.logger.warn({ err: settleErr }, 'could not settle a reserved call'));
          throw err;
        }
        meter.ended();
        // It may also have swallowed it and reported success without the request it could not pay for: the node
        // must still wait for credits (or fail for the plan), not go on with a result that lacks that request.
        if (meter.refusal) throw meter.refusal;
        const byUsage = priced.action.creditsFromOutput;
        if (byUsage && !result.simulated) {
          let total: number | undefined;
          try {
            total = byUsage(result.output);
          } catch (err) {
            o.logger.warn({ err, action: info.activityType }, 'could not price the call by its usage; charged per request');
          }
          if (total !== undefined && Number.isFinite(total)) await meter.usage(total);
          else await meter.settleFailedCall();
        } else if (result.simulated) await meter.settleFailedCall();
        return result;
      },
    },
  });
}
