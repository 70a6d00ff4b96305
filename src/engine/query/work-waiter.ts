// How a query's loop sleeps when its sources had nothing to read: until a source has records, something
// wakes it (a stop, a new subscriber, an idle check asked for), or a timer runs out. A wake that comes
// while the loop is busy (reading, which may wait on the network) is kept, so the next wait ends at once.

export class WorkWaiter {
  private wakeUp: (() => void) | undefined;
  private woken = false;

  constructor(private readonly abort: AbortSignal) {}

  /** Ends the wait under way, or the next one before it begins. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Waits for the first of `waits` (each given a signal that is aborted once the wait is over, so the
   * others stop), a wake, or `timeoutMs` — asked for only when the wait begins.
   */
  async wait(waits: (signal: AbortSignal) => Promise<void>[], timeoutMs: () => number): Promise<void> {
    if (this.woken || this.abort.aborted) {
      this.woken = false;
      return;
    }
    const over = new AbortController();
    const stop = (): void => over.abort();
    this.abort.addEventListener('abort', stop);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        ...waits(over.signal),
        new Promise<void>((r) => {
          this.wakeUp = r;
          timer = setTimeout(r, timeoutMs());
        }),
      ]);
    } finally {
      this.wakeUp = undefined;
      this.woken = false;
      clearTimeout(timer);
      over.abort();
      this.abort.removeEventListener('abort', stop);
    }
  }
}
