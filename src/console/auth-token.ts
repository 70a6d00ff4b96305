// The API token a user entered, kept for this browser tab only (sessionStorage), and how it travels:
// an `Authorization: Bearer` header on HTTP requests, and on WebSockets (which cannot set headers from a
// page) in the one place below.

const KEY = 'eddy.token';
const listeners = new Set<() => void>();

export function currentToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  try {
    if (token === null || token === '') sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, token);
  } catch {
    // Storage may be off (private modes); the token then lasts until the page is reloaded.
  }
  for (const listener of listeners) listener();
}

export function onTokenChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The URL of a query's result stream on this server, carrying the token as the server accepts it there. */
export function resultsSocketUrl(queryId: string, location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${scheme}//${location.host}/v1/queries/${encodeURIComponent(queryId)}/results`;
  const token = currentToken();
  return token ? `${url}?token=${encodeURIComponent(token)}` : url;
}
