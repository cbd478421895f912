import { Client, Connection, isGrpcServiceError, type WorkflowClientInterceptor } from '@temporalio/client';
import { AppError } from '#core/errors';

export interface TemporalAccess {
  client: Client;
  taskQueue: string;
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
  /** Client interceptors (tracing: the workflow's span continues the request's trace). */
  interceptors?: WorkflowClientInterceptor[];
}): TemporalAccess {
  const connection = Connection.lazy({ address: o.address, connectTimeout: 3000 });
  const client = new Client({ connection, namespace: o.namespace, ...(o.interceptors ? { interceptors: { workflow: o.interceptors } } : {}) });
  const deadlineMs = o.deadlineMs ?? 5_000;
  return {
    client,
    taskQueue: o.taskQueue,
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
