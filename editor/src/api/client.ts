/**
 * The one place the editor talks to the API. The workspace API key is kept in this browser's local
 * storage (the API key is what authenticates `/api`; a session login comes later).
 */
const KEY_STORAGE = 'switchyard.apiKey';

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

export function getApiKey(): string | null {
  return localStorage.getItem(KEY_STORAGE);
}

export function setApiKey(key: string | null): void {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const key = getApiKey();
  const res = await fetch(path, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const data = text && res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as unknown) : text;
  if (!res.ok) {
    const error = (data as { error?: { code: string; message: string; details?: unknown } }).error;
    throw new ApiError(res.status, error?.code ?? 'HTTP_' + res.status, error?.message ?? `The server answered ${res.status}`, error?.details);
  }
  return data as T;
}
