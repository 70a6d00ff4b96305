// Active SubscribeToShard calls, one per (consumer, shard). A new call within 5 s of the previous one is
// refused (ResourceInUseException), as Kinesis does; after that it takes over and the older one ends.

import { type Clock, EddyError } from '../../engine/index.js';

export const RESUBSCRIBE_GRACE_MS = 5_000;

export interface ShardSubscription {
  /**
   * Aborts when the subscription is taken over or the server shuts down (no reason: the stream just ends),
   * or when its consumer or stream goes away (the reason, an EddyError, is sent as an exception event).
   */
  readonly signal: AbortSignal;
  release(): void;
}

interface Entry {
  readonly consumerARN: string;
  readonly startedAt: number;
  readonly controller: AbortController;
}

export class ShardSubscriptions {
  private readonly active = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  start(consumerARN: string, shardId: string): ShardSubscription {
    const key = `${consumerARN}\u0000${shardId}`;
    const now = this.clock.now();
    const previous = this.active.get(key);
    if (previous) {
      if (now - previous.startedAt < RESUBSCRIBE_GRACE_MS) {
        throw new EddyError(
          'ResourceInUseException',
          `Another active subscription exists for consumer ${consumerARN} and shard ${shardId}; subscribe again after ${RESUBSCRIBE_GRACE_MS / 1000} seconds.`,
        );
      }
      previous.controller.abort();
    }
    const entry: Entry = { consumerARN, startedAt: now, controller: new AbortController() };
    this.active.set(key, entry);
    return {
      signal: entry.controller.signal,
      release: () => {
        if (this.active.get(key) === entry) this.active.delete(key);
      },
    };
  }

  /**
   * Ends the subscriptions of one consumer (it was deregistered, or its stream deleted); the reason is
   * sent to the subscriber as the stream's final exception event.
   */
  endConsumer(consumerARN: string, reason: EddyError): void {
    for (const [key, entry] of this.active) {
      if (entry.consumerARN === consumerARN) {
        entry.controller.abort(reason);
        this.active.delete(key);
      }
    }
  }

  /** Ends every subscription (shutdown). */
  endAll(): void {
    for (const entry of this.active.values()) entry.controller.abort();
    this.active.clear();
  }

  get size(): number {
    return this.active.size;
  }
}
