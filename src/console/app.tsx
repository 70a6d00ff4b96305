// The console's frame: navigation between streams, SQL (with queries) and delivery streams, the view the
// URL names, and the login form whenever the API asks for a token.

import { useEffect, useState } from 'preact/hooks';
import { onUnauthorized } from './api-client.js';
import { currentToken, onTokenChange, setToken } from './auth-token.js';
import { DeliveryView } from './delivery-view.js';
import { LoginForm } from './login-form.js';
import { QueryView } from './query-view.js';
import { SqlView } from './sql-view.js';
import { StreamsView } from './streams-view.js';
import { href, useRoute, type Route } from './use-route.js';

export function App() {
  const route = useRoute();
  const [needsToken, setNeedsToken] = useState(false);
  const [token, setTokenState] = useState(currentToken);
  // A new token remounts the views, so everything is fetched again with it.
  const [generation, setGeneration] = useState(0);

  useEffect(() => onUnauthorized(() => setNeedsToken(true)), []);
  useEffect(
    () =>
      onTokenChange(() => {
        setTokenState(currentToken());
        setNeedsToken(false);
        setGeneration((g) => g + 1);
      }),
    [],
  );

  return (
    <div class="app">
      <nav class="top-nav">
        <a class="brand" href={href.streams()}>
          Eddy
        </a>
        <NavLink route={route} to="streams" label="Streams" target={href.streams()} />
        <NavLink route={route} to="sql" label="SQL" target={href.sql()} />
        <NavLink route={route} to="delivery" label="Delivery" target={href.delivery()} />
        <span class="spacer" />
        {token ? (
          <button type="button" class="link" onClick={() => setToken(null)}>
            Forget token
          </button>
        ) : null}
      </nav>
      <main key={generation}>{needsToken ? <LoginForm rejected={token !== null} /> : <CurrentView route={route} />}</main>
    </div>
  );
}

function NavLink({ route, to, label, target }: { readonly route: Route; readonly to: Route['view']; readonly label: string; readonly target: string }) {
  const active = route.view === to || (to === 'sql' && route.view === 'query');
  return (
    <a href={target} class={active ? 'active' : ''} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );
}

function CurrentView({ route }: { readonly route: Route }) {
  switch (route.view) {
    case 'streams':
      return <StreamsView selected={route.stream} />;
    case 'sql':
      return <SqlView />;
    case 'query':
      return <QueryView key={route.id} id={route.id} />;
    case 'delivery':
      return <DeliveryView />;
  }
}
