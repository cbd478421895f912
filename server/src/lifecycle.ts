/**
 * The API server's stop signal: aborted when a graceful stop begins (http/shutdown.ts). Long-lived answers (run event
 * streams) end on it, so draining does not wait for them; an EventSource reconnects to another server with its
 * Last-Event-ID and misses nothing.
 */
const controller = new AbortController();
export const serverStopping: AbortSignal = controller.signal;

export function beginStopping(): void {
  controller.abort();
}
