// Data from the /v1 API, fetched now and again every few seconds while a view shows it.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api-client.js';

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  /** Fetches again now (after the view changed something). */
  readonly reload: () => void;
}

export function usePolled<T>(path: string | null, intervalMs = 2000): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const latest = useRef(0);

  useEffect(() => {
    setData(undefined);
    setError(undefined);
  }, [path]);

  useEffect(() => {
    if (path === null) return;
    let stopped = false;
    let timer: number | undefined;
    const load = async (): Promise<void> => {
      const request = ++latest.current;
      try {
        const answer = await api<T>('GET', path);
        // An answer to an older request must not overwrite a newer one.
        if (stopped || request !== latest.current) return;
        setData(answer);
        setError(undefined);
      } catch (e) {
        if (stopped || request !== latest.current) return;
        setError(e instanceof ApiError ? e : new ApiError(0, 'Error', String(e)));
      }
      if (!stopped) timer = window.setTimeout(load, intervalMs);
    };
    void load();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [path, intervalMs, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload };
}
