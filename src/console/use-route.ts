// The console's views live in the URL's hash (#/streams/clicks, #/queries/<id>), so links, reloads and the
// back button work without the server knowing the page's routes.

import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { readonly view: 'streams'; readonly stream?: string }
  | { readonly view: 'sql' }
  | { readonly view: 'query'; readonly id: string }
  | { readonly view: 'delivery' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  switch (parts[0]) {
    case 'streams':
      return parts[1] ? { view: 'streams', stream: parts[1] } : { view: 'streams' };
    case 'sql':
      return { view: 'sql' };
    case 'queries':
      return parts[1] ? { view: 'query', id: parts[1] } : { view: 'sql' };
    case 'delivery':
      return { view: 'delivery' };
    default:
      return { view: 'streams' };
  }
}

export const href = {
  streams: (): string => '#/streams',
  stream: (name: string): string => `#/streams/${encodeURIComponent(name)}`,
  sql: (): string => '#/sql',
  query: (id: string): string => `#/queries/${encodeURIComponent(id)}`,
  delivery: (): string => '#/delivery',
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const changed = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}
