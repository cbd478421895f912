import { useQueryClient } from '@tanstack/react-query';
import { ApiError, UNREACHABLE } from '../api/client';

/** An API error as a person reads it: the message, and each problem or field when the server listed them. */
export function ErrorBox({ error }: { error: unknown }) {
  const queryClient = useQueryClient();
  if (!error) return null;
  const unreachable = error instanceof ApiError && error.code === UNREACHABLE;
  const message = error instanceof Error ? error.message : String(error);
  const details = error instanceof ApiError ? error.details : undefined;
  const problems = (details as { problems?: { message: string; nodeId?: string }[] } | undefined)?.problems;
  const fields = Array.isArray(details) ? (details as { path?: (string | number)[]; message: string }[]) : undefined;
  return (
    <div role="alert" className="error-box">
      <strong>{message}</strong>
      {unreachable && (
        <button type="button" className="error-retry" onClick={() => void queryClient.refetchQueries({ type: 'active' })}>
          Try again
        </button>
      )}
      {problems && (
        <ul>
          {problems.map((p, i) => (
            <li key={i}>{p.message}</li>
          ))}
        </ul>
      )}
      {fields && (
        <ul>
          {fields.map((f, i) => (
            <li key={i}>
              {f.path?.join('.')}: {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
