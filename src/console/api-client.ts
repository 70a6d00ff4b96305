// Every request the console makes to the /v1 API: JSON in and out, the token when there is one, and
// errors as ApiError with the server's code and, for SQL, the line and column. A 401 tells the app to
// ask for a token.

import type { ApiErrorBody } from './api-types.js';
import { currentToken } from './auth-token.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly line?: number,
    readonly column?: number,
    readonly token?: string,
  ) {
    super(message);
  }
}

const unauthorizedListeners = new Set<() => void>();

/** Called whenever the API answers 401, so the app can show the login form. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export async function api<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = currentToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (e) {
    throw new ApiError(0, 'Unreachable', `Eddy is not answering (${e instanceof Error ? e.message : String(e)})`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.status === 401) for (const listener of unauthorizedListeners) listener();
  if (!res.ok) {
    const error = (json as Partial<ApiErrorBody> | undefined)?.error;
    throw new ApiError(res.status, error?.code ?? `HTTP${res.status}`, error?.message ?? (text || res.statusText), error?.line, error?.column, error?.token);
  }
  return json as T;
}

/** Path segments are encoded, so names with dots or odd characters reach the API intact. */
export const path = (strings: TemplateStringsArray, ...values: string[]): string =>
  strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(values[i]!) : ''), '');
