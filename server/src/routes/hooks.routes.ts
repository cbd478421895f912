import express, { type Router } from 'express';
import type { ServerDeps } from '../deps';
import { boundJsonDepth } from '../http/body';
import { receiveDelivery } from '../services/webhooks.service';

/**
 * `POST /hooks/:endpointId`: where providers deliver webhooks. Mounted before the JSON parser: the
 * signature is checked over the raw bytes. No API key: the signature (or a public endpoint's token)
 * authenticates the sender. A JSON body nested too deep is refused (400) before any verifier sees it. A public endpoint
 * also takes a `multipart/form-data` form, whose files become file references (webhook-multipart.ts).
 */
export function hooksRouter(deps: ServerDeps): Router {
  const router = express.Router();
  // A form with files (public endpoints) may be as large as an upload to /v1/files; everything else keeps the webhook limit.
  const readForm = express.raw({ type: 'multipart/form-data', limit: deps.fileUploadLimit ?? '25mb' });
  const readBody = express.raw({ type: () => true, limit: deps.webhookBodyLimit ?? '1mb', verify: boundJsonDepth });
  router.post('/hooks/:endpointId', readForm, readBody, async (req, res, next) => {
    try {
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const answer = await receiveDelivery(deps, String(req.params.endpointId), { rawBody, headers });
      res
        .status(answer.status)
        .set(answer.headers ?? {})
        .json(answer.body);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
