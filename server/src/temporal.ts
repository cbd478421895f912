import { Client, Connection, isGrpcServiceError, type ConnectionOptions, type WorkflowClientInterceptor } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Config } from '#core/config';
import { AppError } from '#core/errors';
import { temporalConnectionSettings } from '#core/temporal-connection';
import type { MasterKey } from '#store/crypto';
import { dataConverterOf, payloadCodecFor } from '#store/payload-codec';

export interface TemporalAccess {
  client: Client;
  taskQueue: string;
  /** The payload codec the client encodes with (encryption), which the codec endpoint serves; none when encryption is off. */
  codec?: PayloadCodec;
  /** Runs a Temporal call with a deadline; an unreachable server becomes a 503 naming the address. */
  call<T>(fn: (client: Client) => Promise<T>, o?: { deadlineMs?: number }): Promise<T>;
  close(): Promise<void>;
}

/** A lazy connection: the API starts (and answers 503 clearly) even while Temporal is down. */
export function connectTemporal(o: {
  address: string;
  namespace: string;
  taskQueue: string;
  deadlineMs?: number;
  /** TLS, API key, gRPC metadata (core/src/temporal-connection.ts); the address above wins. */
  connectionOptions?: Pick<ConnectionOptions, 'tls' | 'apiKey' | 'metadata'>;
  codec?: PayloadCodec;
  /** Client interceptors (tracing: the workflow's span continues the request's trace). */
  interceptors?: WorkflowClientInterceptor[];
}): TemporalAccess {
  const connection = Connection.lazy({ ...o.connectionOptions, address: o.address, connectTimeout: 3000 });
  const client = new Client({
    connection,
    namespace: o.namespace,
    dataConverter: dataConverterOf(o.codec),
    ...(o.interceptors ? { interceptors: { workflow: o.interceptors } } : {}),
  });
  const deadlineMs = o.deadlineMs ?? 5_000;
  return {
    client,
    taskQueue: o.taskQueue,
    ...(o.codec ? { codec: o.codec } : {}),
    async call(fn, callOptions) {
      try {
        return await connection.withDeadline(Date.now() + (callOptions?.deadlineMs ?? deadlineMs), () => fn(client));
      } catch (err) {
        if (isUnavailable(err))
          throw new AppError(
            'TEMPORAL_UNAVAILABLE',
            `Temporal at ${o.address} is unreachable; nothing was started. Check that it is running (npm start starts one), then try again.`,
          );
        throw err;
      }
    },
    close: () => connection.close(),
  };
}

/**
 * The API's Temporal: where and how to connect as Temporal's environment configuration says (TEMPORAL_ADDRESS,
 * TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE…), with payload encryption from the master key unless it is off.
 */
export function connectTemporalFromConfig(
  config: Config,
  env: Record<string, string | undefined>,
  master: MasterKey,
  o: { interceptors?: WorkflowClientInterceptor[] } = {},
): TemporalAccess {
  const settings = temporalConnectionSettings(env, { devPort: config.TEMPORAL_DEV_PORT });
  const codec = payloadCodecFor(config, master);
  return connectTemporal({
    address: settings.address,
    namespace: settings.namespace,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    connectionOptions: settings.connectionOptions,
    ...(codec ? { codec } : {}),
    ...(o.interceptors ? { interceptors: o.interceptors } : {}),
  });
}

/** gRPC status codes UNAVAILABLE (14) and DEADLINE_EXCEEDED (4). */
const GRPC_UNREACHABLE = [14, 4];

export function isUnavailable(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if (isGrpcServiceError(e) && GRPC_UNREACHABLE.includes(e.code)) return true;
    const msg = (e as Error).message ?? '';
    if (/Failed to connect|ECONNREFUSED|connection refused|DEADLINE_EXCEEDED|UNAVAILABLE/i.test(msg)) return true;
  }
  return false;
}
