// In-process shard followers (SQL runtime, delivery): no iterator tokens, no throttling, and a wait that
// the shard log's commit notification ends, so a follower sees a record as soon as it is durable.

import type { Clock } from '../clock.js';
import { readShard } from './shard-reader.js';
import type { Shard } from './shard.js';
import type { Stream } from './stream.js';
import { shardNotFound, type Account } from './stream-errors.js';
import type { ShardCursor, ShardReadResult } from './stream-store.js';

export const CURSOR_DEFAULT_MAX_RECORDS = 10_000;
export const CURSOR_DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

export class StreamShardCursor implements ShardCursor {
  readonly streamName: string;
  readonly shardId: string;
  /** Where the next read starts; until a start looked up over the network is known, the lookup. */
  private offset: number | Promise<number>;
  private lastOffset: number | undefined;
  /** The number of the last record returned, as it was returned. */
  private last: string | undefined;
  /** When the last record returned arrived: how far behind a read that cannot go on is, at most. */
  private lastArrival: number | undefined;
  /** The exact number of the record before `offset`, looked up once when a read there returned nothing. */
  private before: { readonly offset: number; readonly number: string } | undefined;
  private closed = false;

  constructor(
    private readonly stream: Stream,
    private readonly shard: Shard,
    startOffset: number | Promise<number>,
    private readonly clock: Clock,
    private readonly account: Account,
  ) {
    this.streamName = stream.name;
    this.shardId = shard.shardId;
    this.offset = startOffset;
    // Failures surface at the first read; until then nobody is waiting on the lookup.
    if (typeof startOffset !== 'number') startOffset.catch(() => undefined);
  }

  get lastSequenceNumber(): string | undefined {
    return this.last;
  }

  get continuationSequenceNumber(): string | undefined {
    const offset = this.offset;
    if (typeof offset !== 'number' || offset <= 0) return undefined;
    if (this.lastOffset === offset - 1) return this.last;
    return this.before?.offset === offset ? this.before.number : this.shard.numberOf(offset - 1);
  }

  /**
   * The continuation with the previous record's own arrival time, which a shared log looks up over the
   * network (so SubscribeToShard's first event names it exactly as its put did); kept for this position.
   * Only SubscribeToShard asks: a query's reads must not pay a round trip per empty read.
   */
  async exactContinuationSequenceNumber(): Promise<string | undefined> {
    const offset = this.offset;
    if (typeof offset !== 'number' || offset <= 0) return undefined;
    if (this.lastOffset === offset - 1) return this.last;
    if (this.before?.offset !== offset) {
      // A lookup that fails (a cluster electing a leader) leaves the number with the shard's creation time.
      const number = await this.shard.exactNumberOf(offset - 1).catch(() => undefined);
      if (number === undefined) return this.shard.numberOf(offset - 1);
      this.before = { offset, number };
    }
    return this.before.number;
  }

  async read(limits?: { maxRecords?: number; maxBytes?: number }): Promise<ShardReadResult> {
    if (this.closed || this.shard.disposed) throw shardNotFound(this.account, this.streamName, this.shardId);
    if (typeof this.offset !== 'number') this.offset = await this.offset;
    const now = this.clock.now();
    const result = await readShard(
      this.stream,
      this.shard,
      this.offset,
      limits?.maxRecords ?? CURSOR_DEFAULT_MAX_RECORDS,
      limits?.maxBytes ?? CURSOR_DEFAULT_MAX_BYTES,
      now,
      this.account,
      this.lastArrival,
    );
    const lastRecord = result.records[result.records.length - 1];
    if (lastRecord !== undefined) {
      this.lastOffset = result.nextOffset - 1;
      this.last = lastRecord.sequenceNumber;
      this.lastArrival = lastRecord.arrivalTimestamp;
    }
    this.offset = result.nextOffset;
    const metrics = this.shard.metrics;
    metrics.outgoingRecords += result.records.length;
    metrics.outgoingBytes += result.bytes;
    return {
      records: result.records,
      endOfShard: result.endOfShard,
      millisBehindLatest: result.millisBehindLatest,
      stalled: result.stalled,
      ...(result.endOfShard ? { childShards: this.stream.childShardsOf(this.shard) } : {}),
    };
  }

  waitForRecords(signal?: AbortSignal): Promise<void> {
    // A start still being looked up is found by the next read.
    if (this.closed || typeof this.offset !== 'number') return Promise.resolve();
    return this.shard.waitForRecords(this.offset, signal);
  }

  close(): void {
    this.closed = true;
  }
}
