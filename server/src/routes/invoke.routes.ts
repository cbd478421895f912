import { z } from 'zod';
import { InvokeAccepted, InvokeRequest, InvokeResult, InvokeWait } from '#core/api';
import { validationError } from '#core/validation-error';
import { defineRoute, type RouteDef } from '../http/route';
import { invokeFlow } from '../services/invoke.service';
import type { ServerDeps } from '../deps';

const InvokeQuery = z.object({
  /** Seconds to wait for the answer before answering 202 (default 10, at most 60; 0 answers 202 at once). */
  wait: z.coerce
    .number()
    .min(0)
    .max(InvokeWait.maxSeconds, `wait is at most ${InvokeWait.maxSeconds} seconds; follow a longer run at /v1/runs/<id>/events`)
    .optional(),
});

/** Idempotency keys as Stripe takes them: printable ASCII, up to 200 characters. */
const IdempotencyKey = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'an Idempotency-Key is 1 to 200 printable ASCII characters without spaces');

export function invokeRoutes(deps: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/flows/:flowKey/invoke',
      scope: 'events:write',
      testKey: 'allowed',
      publishable: 'allowed',
      tag: 'App events',
      summary:
        "Invoke a published flow (trigger `invoke`) and get its answer: a respond node's output, or the run's output. Send an `Idempotency-Key` header to run it once per key",
      params: z.object({ flowKey: z.string().min(1).max(100) }),
      query: InvokeQuery,
      body: InvokeRequest,
      responses: {
        200: { description: 'The flow answered within the wait (a respond node, or the run completed)', schema: InvokeResult },
        202: { description: 'No answer within the wait: the run goes on; follow it at `links`', schema: InvokeAccepted },
        400: { description: 'Invalid input, wait or Idempotency-Key' },
        401: { description: 'Missing or wrong API key' },
        402: { description: "The workspace's plan does not include an integration the flow uses" },
        404: { description: 'No such flow' },
        409: { description: 'The flow is not published with an invoke trigger; or the run parked a node for a person (RUN_PARKED), or was cancelled' },
        413: { description: "The run's input is over what a run can start with" },
        422: { description: 'The Idempotency-Key was used before with another input' },
        502: { description: 'The flow failed (FLOW_FAILED): the details name the node, its error type and its scrubbed message' },
        503: { description: 'Temporal is unreachable; nothing was started' },
      },
      async handler({ params, query, body, auth, req }) {
        const header = req.get('idempotency-key');
        const idempotencyKey = header === undefined ? undefined : parseKey(header);
        const outcome = await invokeFlow(deps, auth, {
          flowKey: params.flowKey,
          input: body.input,
          ...(idempotencyKey ? { idempotencyKey } : {}),
          waitMs: (query.wait ?? InvokeWait.defaultSeconds) * 1000,
        });
        return outcome.status === 202 ? { ...outcome, headers: { location: outcome.body.links.run } } : outcome;
      },
    }),
  ];
}

function parseKey(header: string): string {
  const parsed = IdempotencyKey.safeParse(header);
  if (!parsed.success) throw validationError('Idempotency-Key header', parsed.error);
  return parsed.data;
}
