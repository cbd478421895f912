import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { ActionContext, ActionDefinition, HttpClient, IntegrationDefinition } from '../../../core/src/catalog-sdk';
import { actionRef } from '../../../core/src/catalog-sdk';
import { FailureTypes, NonRetryableError, RetryableError } from '../../../core/src/errors';
import type { ActionActivityInput, ActionActivityResult } from '../../../core/src/run';

export type ActionActivity = (input: ActionActivityInput) => Promise<ActionActivityResult>;

export interface ActionDeps {
  http: HttpClient;
  logger: Logger;
}

/**
 * Adapts every catalog action into a Temporal activity named after it (`http.request@1`): validates the
 * input with the action's zod schema, injects the context, validates the output, and turns the action's
 * typed errors into Temporal failures (non-retryable ones stop the retries at once).
 */
export function createActionActivities(integrations: IntegrationDefinition[], deps: ActionDeps): Record<string, ActionActivity> {
  const activities: Record<string, ActionActivity> = {};
  for (const integration of integrations) {
    for (const action of integration.actions) activities[actionRef(integration, action)] = adapt(actionRef(integration, action), action, deps);
  }
  return activities;
}

function adapt(ref: string, action: ActionDefinition, deps: ActionDeps): ActionActivity {
  return async ({ input, mode, workspaceId, nodeKey }) => {
    const { info, cancellationSignal } = Context.current();
    const attempt = info.attempt;
    const execution = info.workflowExecution ?? { workflowId: info.activityId, runId: '' };
    const where = `${ref} (node "${nodeKey}")`;
    const parsed = action.input.safeParse(input);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
      throw ApplicationFailure.create({
        type: FailureTypes.invalidInput,
        nonRetryable: true,
        message: `${where}: invalid input: ${fields}`,
        details: [{ attempt }],
      });
    }
    const log = deps.logger.child({ action: ref, workflowId: execution.workflowId, nodeKey, attempt });
    const ctx: ActionContext = {
      mode: mode,
      http: deps.http,
      log: {
        info: (msg, fields) => log.info(fields ?? {}, msg),
        warn: (msg, fields) => log.warn(fields ?? {}, msg),
        error: (msg, fields) => log.error(fields ?? {}, msg),
      },
      // Stable across every retry of this node in this run: providers dedupe side effects with it.
      idempotencyKey: `${execution.workflowId}:${nodeKey}`,
      signal: cancellationSignal,
      run: { workspaceId, workflowId: execution.workflowId, runId: execution.runId, nodeId: nodeKey, attempt },
    };
    let output: unknown;
    try {
      output = await action.run(parsed.data, ctx);
    } catch (err) {
      throw toFailure(err, where, attempt);
    }
    const checked = action.output.safeParse(output);
    if (!checked.success) {
      throw ApplicationFailure.create({
        type: FailureTypes.invalidOutput,
        nonRetryable: true,
        message: `${where} returned output that does not match its schema: ${checked.error.issues.map((i) => i.path.join('.')).join(', ')}`,
        details: [{ attempt }],
      });
    }
    return { output: checked.data, attempt };
  };
}

function toFailure(err: unknown, where: string, attempt: number): ApplicationFailure {
  if (err instanceof NonRetryableError) {
    return ApplicationFailure.create({
      type: FailureTypes.nonRetryable,
      nonRetryable: true,
      message: err.message,
      details: [{ attempt, status: err.options.status, code: err.options.code }],
    });
  }
  if (err instanceof RetryableError) {
    return ApplicationFailure.create({
      type: FailureTypes.retryable,
      message: err.message,
      details: [{ attempt, status: err.options.status, code: err.options.code }],
      ...(err.options.retryAfterMs !== undefined ? { nextRetryDelay: err.options.retryAfterMs } : {}),
    });
  }
  if (err instanceof ApplicationFailure) return err;
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({ type: FailureTypes.retryable, message: `${where}: ${message}`, details: [{ attempt }] });
}
