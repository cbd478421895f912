import type { NextFunction, Request, Response } from 'express';
import { CodecPayloads } from '#core/api';
import type { ServerDeps } from '../deps';
import { defineRoute, type RouteDef } from '../http/route';
import { decodePayloads, encodePayloads } from '../services/temporal-codec.service';

/** Where the Temporal Web UI's codec endpoint setting points: `<Switchyard URL>/api/temporal-codec`. */
export const CODEC_PATH = '/api/temporal-codec';

/**
 * Temporal's codec server (docs/temporal.md): the Web UI sends the payloads of a history it shows and gets them back
 * decrypted, so operators read encrypted histories. `runs:operate`: owners, editors and operators (their session),
 * or an API key given that scope; viewers and app keys cannot read raw histories.
 */
export function temporalCodecRoutes({ db, temporal }: ServerDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: `${CODEC_PATH}/decode`,
      scope: 'runs:operate',
      tag: 'System',
      summary: "Decode (decrypt) Temporal payloads of this workspace's runs, for the Temporal Web UI (codec server protocol)",
      body: CodecPayloads,
      responses: {
        200: { description: 'The payloads, decoded', schema: CodecPayloads },
        403: { description: 'A payload belongs to a workflow outside this workspace; nothing was decoded' },
      },
      async handler({ body, auth }) {
        return { body: { payloads: await decodePayloads(db, temporal, auth.workspaceId, body.payloads) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: `${CODEC_PATH}/encode`,
      scope: 'runs:operate',
      tag: 'System',
      summary: 'Encode (encrypt) Temporal payloads, for the Temporal Web UI (codec server protocol: a signal or input typed in the UI)',
      body: CodecPayloads,
      responses: { 200: { description: 'The payloads, encoded', schema: CodecPayloads } },
      async handler({ body }) {
        return { body: { payloads: await encodePayloads(temporal, body.payloads) } };
      },
    }),
  ];
}

/**
 * CORS for the codec endpoint: the Web UI calls it from the browser, from its own origin. Only the origins in
 * SWITCHYARD_CODEC_CORS_ORIGINS are answered, with credentials (the Switchyard session cookie) allowed.
 */
export function codecCors(origins: string[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.get('origin');
    if (!origin || !origins.includes(origin)) return next();
    res.set({
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': 'Content-Type, Authorization, X-Namespace, X-Switchyard-Workspace',
      'Access-Control-Max-Age': '600',
      Vary: 'Origin',
    });
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}
