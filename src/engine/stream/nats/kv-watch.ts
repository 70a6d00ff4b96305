// A watch of a JetStream key-value bucket whose stop is bounded. Stopping a watch normally ends its
// iteration at once, but one whose consumer was being replaced (its node went down and came back) has been
// seen not to end, which held a process's shutdown up for good. So a stop waits for the iteration at most
// STOP_WAIT_MS: the connection's close, which follows it in every shutdown, ends the rest, and the
// listener hears nothing after stop was called.

const STOP_WAIT_MS = 2_000;

export interface KvWatch {
  stop(): Promise<void>;
}

/** Passes each entry `watcher` yields to `listener` until stopped. */
export function watchEntries<T>(watcher: AsyncIterable<T> & { stop(): void }, listener: (entry: T) => void): KvWatch {
  let stopped = false;
  const done = (async () => {
    for await (const entry of watcher) if (!stopped) listener(entry);
  })().catch(() => undefined);
  return {
    async stop() {
      stopped = true;
      watcher.stop();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
      clearTimeout(timer);
    },
  };
}
