import type { IncomingMessage } from 'node:http';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '#core/errors';
import { assertJsonDepth } from '#core/json-depth';

/** The media types read as JSON, by the API's parser and (for the depth bound) on `/hooks`. */
export const JSON_TYPES = ['application/json', 'application/*+json'];

/** The Content-Encodings body-parser can decode; a request naming any other is refused with 415. */
export const CONTENT_ENCODINGS = ['identity', 'gzip', 'deflate', 'br'] as const;

/**
 * Refuses, on every route and before anything else (authentication included), a Content-Encoding the
 * server cannot decode: 415 with the standard error body, whether or not the request has a body (a GET
 * that names one is as broken as a POST). Bad bytes under a supported encoding are body-parser's to find (400).
 */
export const contentEncodingGuard: RequestHandler = (req: Request, _res: Response, next: NextFunction) => {
  const sent = req.headers['content-encoding'];
  // An empty header is identity, as body-parser reads it.
  if (sent === undefined || ['', ...CONTENT_ENCODINGS].includes(sent.trim().toLowerCase())) return next();
  next(
    new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Content-Encoding "${sent.slice(0, 50)}" is not supported: send the body uncompressed or as one of ${CONTENT_ENCODINGS.join(', ')}`,
    ),
  );
};

/**
 * body-parser's `verify` hook for every parser: a JSON body (by media type) nested deeper than MAX_JSON_DEPTH
 * is refused before it is parsed, so nothing downstream (zod, the flow validator, JSON.stringify) recurses
 * over it. JSON must be UTF-8 (RFC 8259 §8.1), which is what lets the scan read the raw bytes.
 */
export function boundJsonDepth(req: IncomingMessage, _res: unknown, body: Buffer, charset: string | null | undefined): void {
  if (!(req as Request).is(JSON_TYPES)) return;
  if (charset && !/^utf-?8$/i.test(charset))
    throw Object.assign(new Error(`unsupported charset "${charset.toUpperCase()}": JSON must be UTF-8`), { status: 415, type: 'charset.unsupported' });
  assertJsonDepth(body);
}

/** The API's JSON parser (`/api`, `/v1`): size limit and depth bound. */
export function jsonBody(limit: string): RequestHandler {
  return express.json({ limit, type: JSON_TYPES, verify: boundJsonDepth });
}
