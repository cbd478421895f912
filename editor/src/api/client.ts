/**
 * The one place the editor talks to the API. People sign in with an email and a password: the session is an HttpOnly
 * cookie the browser sends by itself; writes add the session's CSRF token, and every call names the workspace in use.
 * API keys are for apps and scripts, never a browser login (docs/people-and-roles.md): nothing secret is kept in
 * this browser's storage.
 */
const WORKSPACE_STORAGE = 'switchyard.workspace';

/** Where editors before sessions kept a pasted API key: removed on load so no key lingers in the browser. */
const OLD_KEY_STORAGE = 'switchyard.apiKey';
try {
  localStorage.removeItem(OLD_KEY_STORAGE);
} catch {
  // Storage may be unavailable (private mode); there is then nothing to remove.
}

/** The signed-in person's CSRF token and current workspace; null when signed out. */
let session: { csrfToken: string; workspaceId: string | null } | null = null;

export function setSession(s: { csrfToken: string; workspaceId: string | null } | null): void {
  session = s;
  if (s?.workspaceId) localStorage.setItem(WORKSPACE_STORAGE, s.workspaceId);
}

/** The workspace chosen last in this browser (the switcher's choice survives a reload). */
export function rememberedWorkspace(): string | null {
  return localStorage.getItem(WORKSPACE_STORAGE);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The code of an ApiError when the request never got an answer (the server is down or unreachable). */
export const UNREACHABLE = 'UNREACHABLE';

/** The headers every call of the signed-in person carries: the workspace in use and, on writes, the CSRF token. */
export function sessionHeaders(method: string): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!session) return headers;
  if (method !== 'GET') headers['x-csrf-token'] = session.csrfToken;
  if (session.workspaceId) headers['x-switchyard-workspace'] = session.workspaceId;
  return headers;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { ...sessionHeaders(method), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    // The network failed (the server is down or restarting): said as such, never a raw "Failed to fetch".
    throw new ApiError(
      0,
      UNREACHABLE,
      "Switchyard's server is not answering. It may be restarting or stopped (is `npm start` running?); try again in a moment.",
    );
  }
  const text = await res.text();
  const data = text && res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as unknown) : text;
  if (!res.ok) {
    const error = (data as { error?: { code: string; message: string; details?: unknown } }).error;
    throw new ApiError(res.status, error?.code ?? 'HTTP_' + res.status, error?.message ?? `The server answered ${res.status}`, error?.details);
  }
  return data as T;
}
