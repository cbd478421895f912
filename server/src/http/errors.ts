import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { WorkflowNotFoundError } from '@temporalio/client';
import { AppError, ErrorCodes } from '../../../core/src/errors';

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
  const e = err as { type?: string; status?: number; limit?: number; message?: string };
  // body-parser's errors
  if (e.type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', `The request body is larger than the limit of ${e.limit} bytes`);
  if (e.type === 'entity.parse.failed') return new AppError('VALIDATION_FAILED', `The body is not valid JSON: ${e.message}`);
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return new AppError('VALIDATION_FAILED', e.message ?? 'Unsupported encoding');
  return new AppError('INTERNAL', ErrorCodes.INTERNAL.title);
}
