// An API error as a line on the page, with the server's code.

import type { ApiError } from './api-client.js';

export function ErrorNote({ error }: { readonly error: ApiError | undefined }) {
  if (!error || error.status === 401) return null;
  return (
    <p class="error-note" role="alert">
      <span class="code">{error.code}</span> {error.message}
    </p>
  );
}
