// Shown when the API answers 401: the server wants a token, which is kept for this tab only.

import { useState } from 'preact/hooks';
import { setToken } from './auth-token.js';

export function LoginForm({ rejected }: { readonly rejected: boolean }) {
  const [value, setValue] = useState('');
  const submit = (e: Event): void => {
    e.preventDefault();
    setToken(value.trim());
  };
  return (
    <form class="login-form stacked-form" onSubmit={submit} aria-label="Sign in">
      <h1>Sign in</h1>
      <p>This Eddy server asks for an API token. It is sent with every request and kept only until this tab closes.</p>
      {rejected ? <p class="error-note">The server did not accept that token.</p> : null}
      <label>
        API token
        <input name="token" type="password" autocomplete="off" required value={value} onInput={(e) => setValue(e.currentTarget.value)} />
      </label>
      <button type="submit" class="primary">
        Sign in
      </button>
    </form>
  );
}
