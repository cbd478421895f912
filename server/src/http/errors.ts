import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { WorkflowNotFoundError } from '@temporalio/client';
import { AppError, ErrorCodes } from '#core/errors';
import { JsonTooDeepError } from '#core/json-depth';

/** The one place typed errors become `{ error: { code, message, details } }` with their status. */
export function errorMiddleware(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const appError = toAppError(err);
    if (appError.status >= 500) logger.error({ err, method: req.method, path: req.path }, appError.message);
    const retryAfter = (appError.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    if (appError.status === 429 && retryAfter) res.set('Retry-After', String(retryAfter));
    res
      .status(appError.status)
      .json({ error: { code: appError.code, message: appError.message, ...(appError.details !== undefined ? { details: appError.details } : {}) } });
  };
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof WorkflowNotFoundError)
    return new AppError('NOT_FOUND', `Temporal no longer has this run's workflow (${err.workflowId}); its history may have passed the retention period`);
  if (err instanceof JsonTooDeepError) return new AppError('VALIDATION_FAILED', `The body is refused: ${err.message}`);
  // The router's: a path parameter that is not valid percent-encoding (`/api/flows/%E0`).
  if (err instanceof URIError) return new AppError('VALIDATION_FAILED', `The URL is not valid: ${err.message}`);
  const e = err as { type?: string; status?: number; expose?: boolean; limit?: number; message?: string };
  // body-parser's errors
  if (e.type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', `The request body is larger than the limit of ${e.limit} bytes`);
  if (e.type === 'entity.parse.failed') return new AppError('VALIDATION_FAILED', `The body is not valid JSON: ${e.message}`);
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return new AppError('UNSUPPORTED_MEDIA_TYPE', e.message ?? 'Unsupported encoding');
  // Any other 4xx body-parser raised while reading the bytes: gzip/deflate/br data that does not decode, a body
  // shorter than its Content-Length, an aborted upload. The sender's fault, never a 500.
  if (e.expose === true && typeof e.status === 'number' && e.status >= 400 && e.status < 500)
    return new AppError('VALIDATION_FAILED', `The request body could not be read: ${e.message ?? 'bad data'}`);
  // PostgreSQL's data exceptions (SQLSTATE class 22) come from a value the request sent: a NUL character in a text,
  // a number beyond the column's range. SQLite stores or compares such values; PostgreSQL refuses them. Never a 500.
  const db = err as { code?: unknown; severity?: unknown; message?: string };
  if (typeof db.code === 'string' && /^22[0-9A-Z]{3}$/.test(db.code) && typeof db.severity === 'string')
    return new AppError('VALIDATION_FAILED', `A value in the request cannot be stored: ${db.message ?? db.code}`);
  return new AppError('INTERNAL', ErrorCodes.INTERNAL.title);
}
