/**
 * The one place the editor talks to the API. People sign in with an email and a password: the session is an HttpOnly
 * cookie the browser sends by itself; writes add the session's CSRF token, and every call names the workspace in use.
 * (An API key pasted on the sign-in page, kept in local storage, still works for scripts and the older browser tests;
 * docs/people-and-roles.md.)
 */
const KEY_STORAGE = 'switchyard.apiKey';
const WORKSPACE_STORAGE = 'switchyard.workspace';

/** The signed-in person's CSRF token and current workspace; null when signed out (or using an API key). */
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

export function getApiKey(): string | null {
  return localStorage.getItem(KEY_STORAGE);
}

export function setApiKey(key: string | null): void {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const key = getApiKey();
  const headers: Record<string, string> = body !== undefined ? { 'content-type': 'application/json' } : {};
  if (key) headers.authorization = `Bearer ${key}`;
  else if (session) {
    if (method !== 'GET') headers['x-csrf-token'] = session.csrfToken;
    if (session.workspaceId) headers['x-switchyard-workspace'] = session.workspaceId;
  }
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
