import { parentPort } from 'node:worker_threads';
import { CodeLimitError, CodeThrewError, runInSandbox, type SandboxFetchResponse } from './sandbox';
import type { FromThread, ToThread } from './sandbox-pool';

/**
 * A sandbox thread: runs one execution at a time (each in its own fresh QuickJS instance), so JavaScript that
 * spins until its CPU limit never blocks the worker's event loop. ctx.fetch requests go back to the main thread,
 * where the guarded, metered HTTP client sends them within the activity.
 */
const port = parentPort!;
const waiting = new Map<number, { resolve(r: SandboxFetchResponse): void; reject(e: Error): void }>();
let nextFetch = 0;

const send = (message: FromThread) => port.postMessage(message);

port.on('message', (message: ToThread) => {
  if (message.type === 'fetched') {
    const pending = waiting.get(message.fetchId);
    waiting.delete(message.fetchId);
    if (message.ok) pending?.resolve(message.response);
    else pending?.reject(new Error(message.message));
    return;
  }
  const { options } = message;
  runInSandbox({
    ...options,
    fetch: (req) =>
      new Promise((resolve, reject) => {
        const fetchId = nextFetch++;
        waiting.set(fetchId, { resolve, reject });
        send({ type: 'fetch', fetchId, req });
      }),
  }).then(
    (result) => send({ type: 'done', ok: true, result }),
    (err: unknown) => {
      if (err instanceof CodeLimitError) send({ type: 'done', ok: false, error: { kind: 'limit', limit: err.limit, message: err.message, logs: err.logs } });
      else if (err instanceof CodeThrewError)
        send({ type: 'done', ok: false, error: { kind: 'threw', name: err.errorName, message: err.message, stack: err.userStack, logs: err.logs } });
      else send({ type: 'done', ok: false, error: { kind: 'internal', message: err instanceof Error ? err.message : String(err) } });
      // Answers to fetches of a finished execution are ignored.
      waiting.clear();
    },
  );
});
