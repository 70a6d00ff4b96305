// Parts of the page that are large and not needed at first (the editor, the chart) are separate chunks,
// loaded the first time a view shows them.

import { useEffect, useState } from 'preact/hooks';

const loaded = new Map<() => Promise<unknown>, Promise<unknown>>();

export function useLazy<T>(load: () => Promise<T>): T | undefined {
  const [module, setModule] = useState<T | undefined>(undefined);
  useEffect(() => {
    let current = true;
    let pending = loaded.get(load) as Promise<T> | undefined;
    if (!pending) {
      pending = load();
      loaded.set(load, pending);
    }
    void pending.then((m) => current && setModule(() => m));
    return () => {
      current = false;
    };
  }, [load]);
  return module;
}
