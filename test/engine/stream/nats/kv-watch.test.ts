import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchEntries } from '../../../../src/engine/stream/nats/kv-watch.js';

/** An iterator fed by hand; `endsOnStop: false` is one whose stop does not end the iteration. */
function feed<T>(endsOnStop: boolean) {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const iterator = {
    push(entry: T) {
      queue.push(entry);
      wake?.();
    },
    stop() {
      if (!endsOnStop) return;
      ended = true;
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
  return iterator;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a bounded KV watch', () => {
  it('passes entries on until stopped, and its stop waits for the iteration to end', async () => {
    const watcher = feed<number>(true);
    const seen: number[] = [];
    const watch = watchEntries(watcher, (n) => seen.push(n));
    watcher.push(1);
    watcher.push(2);
    await vi.waitFor(() => expect(seen).toEqual([1, 2]));
    await watch.stop();
    watcher.push(3);
    await Promise.resolve();
    expect(seen).toEqual([1, 2]);
  });

  it('stops within its bound when the iteration does not end, and passes nothing on after stop', async () => {
    vi.useFakeTimers();
    const watcher = feed<number>(false);
    const seen: number[] = [];
    const watch = watchEntries(watcher, (n) => seen.push(n));
    let stopped = false;
    const stopping = watch.stop().then(() => (stopped = true));
    watcher.push(7);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(stopped).toBe(true);
    expect(seen).toEqual([]);
  });
});
