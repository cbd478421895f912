import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { ActionContext, ActionDefinition, FileRef, FileStore, HttpClient, IntegrationDefinition, RunMode, SecretReader } from '#core/catalog-sdk';
import { actionRef } from '#core/catalog-sdk';
import { CONNECTION_NEEDS_RECONNECT, FailureTypes, NonRetryableError, RetryableError } from '#core/errors';
import { ConnectionError, type Connections } from '#store/connections';
import type { ActionActivityInput, ActionActivityResult } from '#core/run';
import { attemptEnded, attemptStarted, type AttemptKey } from '#store/attempts.repository';
import type { Db } from '#store/database';
import type { SecretStore } from '#store/secrets';
import { currentMeter, meterRequest } from '../credits/metering';
import type { RequestTicket } from '#core/net/guarded-http';
import { Scrubber } from './scrub';
import { BlobNotFoundError, LimitExceededError, type BlobStore } from '#store/blobs';
import { LIMIT_EXCEEDED } from '#core/blobs';
import { hydrateBlobs, offloadIfLarge } from './blobs';

export type ActionActivity = (input: ActionActivityInput) => Promise<ActionActivityResult>;

export interface ActionDeps {
  http: HttpClient;
  logger: Logger;
  secrets: SecretStore;
  /** Base URL overrides by integration key (self-hosted or compatible servers; local peers in tests). */
  endpoints: Record<string, string>;
  /** Where every attempt is logged (start, end, error) for the run view. */
  db?: Db;
  /** OAuth connections (`ctx.connections`); absent, actions that need one fail clearly. */
  connections?: Connections;
  /** Where large inputs are read from and large outputs go (references in history); absent: values stay inline. */
  blobs?: BlobStore;
}

/**
 * Adapts every catalog action into a Temporal activity named after it (`http.request@1`): validates the
 * input with the action's zod schema, injects the context (secrets resolved now, never carried in
 * history), runs the sandbox instead in test mode when the integration has no test key, validates the
 * output, scrubs secret values from what leaves, and turns typed errors into Temporal failures.
 */
export function createActionActivities(integrations: IntegrationDefinition[], deps: ActionDeps): Record<string, ActionActivity> {
  const activities: Record<string, ActionActivity> = {};
  for (const integration of integrations) {
    for (const action of integration.actions) activities[actionRef(integration, action)] = adapt(integration, action, deps);
  }
  return activities;
}

function adapt(integration: IntegrationDefinition, action: ActionDefinition, deps: ActionDeps): ActionActivity {
  const ref = actionRef(integration, action);
  const runAttempt = attemptRunner(integration, action, deps, ref);
  return async (args) => {
    if (!deps.db) return runAttempt(args);
    const { info } = Context.current();
    const key: AttemptKey = {
      workspaceId: args.workspaceId,
      workflowId: args.runWorkflowId ?? info.workflowExecution?.workflowId ?? info.activityId,
      nodeKey: args.nodeKey,
      activityId: args.activityId ?? info.activityId,
      attempt: info.attempt,
    };
    // The attempt log is for people; a database hiccup must not fail the step.
    const log = (write: () => Promise<void>) => write().catch((err: unknown) => deps.logger.warn({ err, ...key }, 'could not record the attempt'));
    await log(() => attemptStarted(deps.db!, key));
    try {
      const result = await runAttempt(args);
      await log(() => attemptEnded(deps.db!, key, {}));
      return result;
    } catch (err) {
      await log(() => attemptEnded(deps.db!, key, { error: err instanceof Error ? err.message : String(err) }));
      throw err;
    }
  };
}

function attemptRunner(integration: IntegrationDefinition, action: ActionDefinition, deps: ActionDeps, ref: string): ActionActivity {
  return async ({ input: given, mode, workspaceId, nodeKey, idempotencySuffix, runWorkflowId }) => {
    const { info } = Context.current();
    const attempt = info.attempt;
    const where = `${ref} (node "${nodeKey}")`;
    const scrubber = new Scrubber();
    const workflowId = runWorkflowId ?? info.workflowExecution?.workflowId ?? info.activityId;
    // Input that reads into a large value carries its reference: the value is loaded here, never in the workflow.
    const input = deps.blobs ? await hydrateBlobs(deps.blobs, workspaceId, given) : given;
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
    const ctx = actionContext({
      integration,
      deps,
      mode,
      workspaceId,
      nodeKey,
      scrubber,
      ref,
      ...(idempotencySuffix ? { idempotencySuffix } : {}),
      ...(runWorkflowId ? { runWorkflowId } : {}),
    });
    let output: unknown;
    let simulated = false;
    const started = Date.now();
    try {
      simulated =
        mode === 'test' &&
        action.sandbox !== undefined &&
        ((await lacksTestKey(integration, workspaceId, deps)) || (await lacksTestConnection(integration, parsed.data, workspaceId, deps)));
      output = simulated ? await action.sandbox!(parsed.data, ctx) : await action.run(parsed.data, ctx);
    } catch (err) {
      const failure = toFailure(err, where, attempt, scrubber);
      ctx.log.warn('action failed', { error: failure.message, type: failure.type, nonRetryable: failure.nonRetryable, ms: Date.now() - started });
      throw failure;
    }
    ctx.log.info('action succeeded', { mode, simulated, ms: Date.now() - started });
    const checked = action.output.safeParse(output);
    if (!checked.success) {
      throw ApplicationFailure.create({
        type: FailureTypes.invalidOutput,
        nonRetryable: true,
        message: `${where} returned output that does not match its schema: ${checked.error.issues.map((i) => i.path.join('.')).join(', ')}`,
        details: [{ attempt }],
      });
    }
    // A large output leaves as a reference: Temporal's history and payload limits never see it.
    let stored: unknown;
    try {
      stored = await offloadIfLarge(deps.blobs, { workspaceId, workflowId }, scrubber.deep(checked.data));
    } catch (err) {
      // Over a workspace limit: retrying cannot help; the message names the limit.
      if (err instanceof LimitExceededError)
        throw ApplicationFailure.create({
          type: LIMIT_EXCEEDED,
          nonRetryable: true,
          message: `${where}: ${err.message}`,
          details: [{ attempt, limit: err.limit }],
        });
      throw err;
    }
    return { output: stored, attempt, ...(simulated ? { simulated } : {}) };
  };
}

/** Whether a test run must use the sandbox: some required secret of the integration has no test value. */
async function lacksTestKey(integration: IntegrationDefinition, workspaceId: string, deps: ActionDeps): Promise<boolean> {
  const required = (integration.setup ?? []).filter((v) => v.required !== false && v.secret !== false).map((v) => v.name);
  if (required.length === 0) return false;
  const presence = await deps.secrets.presence(workspaceId, required);
  return required.some((name) => !presence.get(name)?.test);
}

/** Whether a test run of an OAuth action must use the sandbox: its connection has no test side. */
async function lacksTestConnection(integration: IntegrationDefinition, input: unknown, workspaceId: string, deps: ActionDeps): Promise<boolean> {
  if (integration.auth.type !== 'oauth2' || !deps.connections) return false;
  const id = (input as { connection?: unknown }).connection;
  if (typeof id !== 'string') return false;
  return !(await deps.connections.findMany(workspaceId, [id])).get(id)?.modes.has('test');
}

/** The context an action (or a connection test) receives; every secret it reads is added to the scrubber. */
export function actionContext(o: {
  integration: IntegrationDefinition;
  deps: ActionDeps;
  mode: RunMode;
  workspaceId: string;
  nodeKey: string;
  idempotencySuffix?: string;
  /** The run's workflow id when a loop batch (child workflow) runs the action. */
  runWorkflowId?: string;
  scrubber: Scrubber;
  ref: string;
}): ActionContext {
  const { info, cancellationSignal } = Context.current();
  const own = info.workflowExecution ?? { workflowId: info.activityId, runId: '' };
  // Keys and logs name the run, also when one of its loop batches runs the action (same key after a kill and a redo).
  const execution = o.runWorkflowId ? { ...own, workflowId: o.runWorkflowId } : own;
  const log = o.deps.logger.child({ action: o.ref, workflowId: execution.workflowId, nodeKey: o.nodeKey, attempt: info.attempt });
  const scrubbed = (fields?: Record<string, unknown>) => o.scrubber.deep(fields ?? {});
  const secrets: SecretReader = {
    async find(name) {
      const setting = o.integration.setup?.find((v) => v.name === name)?.secret === false;
      let value = await o.deps.secrets.resolve(o.workspaceId, name, o.mode);
      // A plain setting (a sender address, a base URL) applies to both modes unless it has a test value.
      if (value === undefined && setting && o.mode === 'test') value = await o.deps.secrets.resolve(o.workspaceId, name, 'live');
      // Settings are not secret: scrubbing them would mangle outputs such as an echoed sender address.
      if (value !== undefined && !setting) o.scrubber.add(name, value);
      return value;
    },
    conceal(name, derived) {
      o.scrubber.add(name, derived);
    },
    async setting(name) {
      // A plain setting (a base URL): not scrubbed, and a test run without a test value uses the live one.
      return (
        (await o.deps.secrets.resolve(o.workspaceId, name, o.mode)) ??
        (o.mode === 'test' ? await o.deps.secrets.resolve(o.workspaceId, name, 'live') : undefined)
      );
    },
    async get(name) {
      const value = await secrets.find(name);
      if (value === undefined) {
        const variable = o.integration.setup?.find((v) => v.name === name);
        throw new NonRetryableError(
          `Secret ${name} has no ${o.mode} value in this workspace, so ${o.integration.title} cannot be called. Add it under Secrets${variable ? ` (${variable.whereToGet})` : ''}, then retry.`,
          { code: 'SECRET_MISSING' },
        );
      }
      return value;
    },
  };
  const endpoint = o.deps.endpoints[o.integration.key];
  const connections = o.deps.connections ? connectionReader(o.deps.connections, o) : undefined;
  return {
    mode: o.mode,
    http: o.deps.http,
    log: {
      info: (msg, fields) => log.info(scrubbed(fields), o.scrubber.text(msg)),
      warn: (msg, fields) => log.warn(scrubbed(fields), o.scrubber.text(msg)),
      error: (msg, fields) => log.error(scrubbed(fields), o.scrubber.text(msg)),
    },
    // Stable across every retry of this node in this run: providers dedupe side effects with it.
    idempotencyKey: `${execution.workflowId}:${o.nodeKey}${o.idempotencySuffix ? `:${o.idempotencySuffix}` : ''}`,
    signal: cancellationSignal,
    run: { workspaceId: o.workspaceId, workflowId: execution.workflowId, runId: execution.runId, nodeId: o.nodeKey, attempt: info.attempt },
    secrets,
    ...(connections ? { connections } : {}),
    // For providers reached without ctx.http (SMTP); a no-op where nothing is metered. Such a request is taken to be
    // on its way as soon as it is charged (no client tells when its bytes leave): a kill leaves it uncertain, never refunded.
    meter: meterFor(),
    ...(endpoint ? { endpoint } : {}),
    ...(o.deps.blobs ? { files: fileStore(o.deps.blobs, o.workspaceId, execution.workflowId, o.nodeKey) } : {}),
  };
}

/** `ctx.files`: the workspace's files, read by reference; new ones belong to the run (deleted with its data). */
function fileStore(blobs: BlobStore, workspaceId: string, workflowId: string, nodeKey: string): FileStore {
  return {
    async read(file) {
      try {
        return await blobs.getBytes(workspaceId, file.$blob.key);
      } catch (err) {
        if (!(err instanceof BlobNotFoundError)) throw err;
        throw new NonRetryableError(
          `Node "${nodeKey}": the file ${file.$blob.name ?? file.$blob.key} is not in this workspace (it may have passed the run data retention). Upload it again (POST /v1/files) and start a new run.`,
          { code: 'FILE_NOT_FOUND' },
        );
      }
    },
    async write({ bytes, name, mediaType }) {
      try {
        return (await blobs.putBytes({ workspaceId, workflowId, bytes, mediaType, name })) as FileRef;
      } catch (err) {
        if (err instanceof LimitExceededError) throw new NonRetryableError(`Node "${nodeKey}": ${err.message}`, { code: LIMIT_EXCEEDED });
        throw err;
      }
    },
  };
}

/** `ctx.connections`: tokens of the run's mode, scrubbed like secrets; connection problems as typed action errors. */
function connectionReader(store: Connections, o: { workspaceId: string; mode: RunMode; scrubber: Scrubber }): NonNullable<ActionContext['connections']> {
  const given = new Map<string, string>();
  return {
    async accessToken(connectionId) {
      try {
        const token = await store.accessToken(o.workspaceId, connectionId, o.mode);
        o.scrubber.add(`connection:${connectionId}`, token);
        given.set(connectionId, token);
        return token;
      } catch (err) {
        if (!(err instanceof ConnectionError)) throw err;
        if (err.kind === 'transient') throw new RetryableError(err.message, { code: 'CONNECTION_UNAVAILABLE' });
        const code = err.kind === 'needs-reconnect' ? CONNECTION_NEEDS_RECONNECT : err.kind === 'not-found' ? 'CONNECTION_MISSING' : 'CONNECTION_FAILED';
        throw new NonRetryableError(err.message, { code, details: { connectionId } });
      }
    },
    async rejected(connectionId) {
      const token = given.get(connectionId);
      if (token) await store.rejected(o.workspaceId, connectionId, o.mode, token);
    },
  };
}

/** `ctx.meter` for one attempt: each request is taken to be on its way once charged; `notSent` refunds the last one. */
function meterFor(): NonNullable<ActionContext['meter']> {
  let last: RequestTicket | undefined;
  return {
    async request() {
      last = await meterRequest();
      last?.sending?.();
    },
    async notSent() {
      const ticket = last;
      last = undefined;
      await ticket?.notSent?.();
    },
    usage: (credits) => currentMeter()?.reportUsage(credits),
  };
}

export function toFailure(err: unknown, where: string, attempt: number, scrubber: Scrubber): ApplicationFailure {
  let failure: ApplicationFailure;
  if (err instanceof NonRetryableError) {
    const reconnect = err.options.code === CONNECTION_NEEDS_RECONNECT;
    failure = ApplicationFailure.create({
      // A connection that needs a person to sign in again: the run waits for the reconnect (not a failure).
      type: reconnect ? FailureTypes.needsReconnect : FailureTypes.nonRetryable,
      nonRetryable: true,
      message: scrubber.text(err.message),
      details: [
        scrubber.deep({
          attempt,
          status: err.options.status,
          code: err.options.code,
          ...(reconnect ? { connectionId: (err.options.details as { connectionId?: string } | undefined)?.connectionId } : {}),
          ...(err.options.logs ? { logs: err.options.logs } : {}),
        }),
      ],
    });
  } else if (err instanceof RetryableError) {
    failure = ApplicationFailure.create({
      type: FailureTypes.retryable,
      message: scrubber.text(err.message),
      details: [scrubber.deep({ attempt, status: err.options.status, code: err.options.code, ...(err.options.logs ? { logs: err.options.logs } : {}) })],
      // 0 would tell Temporal not to wait at all, which it reads as no further retry: keep the backoff then.
      ...(err.options.retryAfterMs !== undefined && err.options.retryAfterMs > 0 ? { nextRetryDelay: err.options.retryAfterMs } : {}),
    });
  } else {
    const message = err instanceof Error ? err.message : String(err);
    failure = ApplicationFailure.create({ type: FailureTypes.retryable, message: scrubber.text(`${where}: ${message}`), details: [{ attempt }] });
  }
  // The stack goes into Temporal history too; provider SDK errors may quote request data in it.
  failure.stack = scrubber.text(failure.stack ?? '');
  return failure;
}
