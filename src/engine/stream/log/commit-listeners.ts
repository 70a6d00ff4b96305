// Who to tell when a shard log commits records (readers following the shard wake up on it).

export class CommitListeners {
  private readonly listeners = new Set<() => void>();
  private scheduled = false;

  /** Adds `listener`; the returned function removes it. The same function added twice is called twice. */
  add(listener: () => void): () => void {
    const entry = () => listener();
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Calls every listener now. */
  notify(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch {
        // A failing subscriber must not undo or block a commit that other readers already see.
      }
    }
  }

  /**
   * Calls every listener in a microtask rather than inside the append that committed: a listener that
   * appends again would otherwise recurse, and commits made in the same turn share one call.
   */
  notifySoon(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.notify();
    });
  }

  clear(): void {
    this.listeners.clear();
  }
}
