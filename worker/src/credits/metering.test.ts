import type { Context } from '@temporalio/activity';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { integrations } from '#catalog';
import { CREDITS_EXHAUSTED } from '#core/credits';
import type { ActionActivityInput } from '#core/run';
import { ensureAccount, openAccount } from '#store/credits.repository';
import { openTestDatabase } from '../../../test/helpers/database';
import { meteringInterceptor, meterRequest } from './metering';

async function attempt(workspaceId: string, credits: number, action: () => Promise<unknown>) {
  const db = await openTestDatabase();
  await openAccount(db, { workspaceId, plan: 'builder', credits });
  const ctx = {
    info: {
      activityType: 'http.request@1',
      workflowExecution: { workflowId: 'wf', runId: 'run' },
      workflowNamespace: 'default',
      activityId: 'n1',
      attempt: 1,
    },
  } as unknown as Context;
  const interceptor = meteringInterceptor({ db, integrations, logger: pino({ level: 'silent' }) })(ctx).inbound!;
  const input = { workspaceId, mode: 'live', nodeKey: 'n1' } as unknown as ActionActivityInput;
  try {
    const outcome = await interceptor.execute!({ args: [input], headers: {} }, async () => action()).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    return { outcome, balance: (await ensureAccount(db, workspaceId)).balance };
  } finally {
    await db.destroy();
  }
}

describe('the metering interceptor', () => {
  it('fails the attempt with the refusal even when the action swallowed it and reported success', async () => {
    const { outcome } = await attempt('ws_swallow', 0, async () => {
      try {
        await meterRequest();
      } catch {
        // An SDK that retries or logs and carries on without the response.
      }
      return { output: { ok: true } };
    });
    expect(outcome).toMatchObject({ error: { type: CREDITS_EXHAUSTED, nonRetryable: true } });
  });

  it('lets an attempt that paid for its requests succeed', async () => {
    const { outcome, balance } = await attempt('ws_paid', 2, async () => {
      await meterRequest();
      return { output: { ok: true } };
    });
    expect(outcome).toEqual({ value: { output: { ok: true } } });
    expect(balance).toBe(1);
  });
});
