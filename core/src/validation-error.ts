import type { z } from 'zod';
import { AppError } from './errors';

/** A 400 naming every wrong field by its JSON path. */
export function validationError(where: string, error: z.ZodError): AppError {
  const issues = precise(error.issues);
  return new AppError(
    'VALIDATION_FAILED',
    `Invalid ${where}: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    issues.map((i) => ({ in: where, path: i.path, message: i.message })),
  );
}

/**
 * A union (a flow node) that fails reports only "Invalid input" at the node. When exactly one option
 * matched the node's `type` literal, report that option's own issues instead, at their full paths
 * (`document.nodes.0.action`), so the caller can tell which field is wrong.
 */
function precise(issues: readonly z.core.$ZodIssue[], base: PropertyKey[] = []): { path: PropertyKey[]; message: string }[] {
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path];
    if (issue.code === 'invalid_union') {
      const matching = issue.errors.filter((option) => !option.some((i) => i.code === 'invalid_value' && i.path.length === 1 && i.path[0] === 'type'));
      if (matching.length === 1) return precise(matching[0]!, path);
    }
    return [{ path, message: issue.message }];
  });
}
