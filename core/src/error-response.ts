import { z } from 'zod';
import { ErrorCodes, type ErrorCode } from './errors';

const codes = Object.keys(ErrorCodes) as [ErrorCode, ...ErrorCode[]];

const errorBody = <C extends z.ZodType>(code: C) =>
  z.object({
    error: z.object({
      code,
      /** What went wrong, where, and what to do. */
      message: z.string(),
      /** Machine-readable specifics, e.g. every invalid field of a VALIDATION_FAILED by its path. */
      details: z.unknown().optional(),
    }),
  });

/**
 * The body of every error answer of `/api` and `/v1`: `{ error: { code, message, details? } }`, `code` from
 * the one error catalog (errors.ts). The error middleware writes it; the OpenAPI document names it `Error`
 * and gives it to every 4xx and 5xx answer, so a client relies on one shape.
 */
export const ErrorResponse = errorBody(z.enum(codes)).meta({ id: 'Error' });
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/** `/hooks` answers in the same shape, with the receiver's own codes (SIGNATURE_INVALID, ENDPOINT_DISABLED, …). */
export const WebhookErrorResponse = errorBody(z.string()).meta({ id: 'WebhookError' });
