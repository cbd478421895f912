import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { beginStopping } from '../lifecycle';

/**
 * Graceful stop on SIGTERM/SIGINT: stop accepting connections, end run event streams (lifecycle.ts), let in-flight
 * requests finish (idle keep-alive connections are closed as they go idle), then `cleanup` (timers, Temporal, database) and exit 0. Requests still
 * running after `graceMs` are cut off (exit 1: something did not drain).
 */
export function gracefulStop(server: Server, o: { graceMs: number; logger: Logger; cleanup(): Promise<void> }): () => void {
  let stopping = false;
  return () => {
    if (stopping) return;
    stopping = true;
    beginStopping();
    o.logger.info({ graceMs: o.graceMs }, 'stopping: no new connections, draining in-flight requests');
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    const force = setTimeout(() => {
      o.logger.warn('requests still in flight after the shutdown grace time: closing their connections');
      server.closeAllConnections();
      process.exitCode = 1;
    }, o.graceMs);
    force.unref();
    server.close(() => {
      clearInterval(idle);
      clearTimeout(force);
      o.cleanup().then(
        () => process.exit(process.exitCode ?? 0),
        (err: unknown) => {
          o.logger.error({ err }, 'could not close cleanly');
          process.exit(1);
        },
      );
    });
    server.closeIdleConnections();
  };
}
