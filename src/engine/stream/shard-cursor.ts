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
  private offset: number;
  private lastOffset: number | undefined;
  /** The number of the last record returned, as it was returned. */
  private last: string | undefined;
  private closed = false;

  constructor(
    private readonly stream: Stream,
    private readonly shard: Shard,
    startOffset: number,
    private readonly clock: Clock,
    private readonly account: Account,
  ) {
    this.streamName = stream.name;
    this.shardId = shard.shardId;
    this.offset = startOffset;
  }

  get lastSequenceNumber(): string | undefined {
    return this.last;
  }

  get continuationSequenceNumber(): string | undefined {
    if (this.offset <= 0) return undefined;
    return this.lastOffset === this.offset - 1 ? this.last : this.shard.numberOf(this.offset - 1);
  }

  read(limits?: { maxRecords?: number; maxBytes?: number }): ShardReadResult {
    if (this.closed || this.shard.disposed) throw shardNotFound(this.account, this.streamName, this.shardId);
    const now = this.clock.now();
    const result = readShard(
      this.stream,
      this.shard,
      this.offset,
      limits?.maxRecords ?? CURSOR_DEFAULT_MAX_RECORDS,
      limits?.maxBytes ?? CURSOR_DEFAULT_MAX_BYTES,
      now,
      this.account,
    );
    if (result.records.length > 0) {
      this.lastOffset = result.nextOffset - 1;
      this.last = result.records[result.records.length - 1]!.sequenceNumber;
    }
    this.offset = result.nextOffset;
    const metrics = this.shard.metrics;
    metrics.outgoingRecords += result.records.length;
    metrics.outgoingBytes += result.bytes;
    return {
      records: result.records,
      endOfShard: result.endOfShard,
      millisBehindLatest: result.millisBehindLatest,
      ...(result.endOfShard ? { childShards: this.stream.childShardsOf(this.shard) } : {}),
    };
  }

  waitForRecords(signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.shard.waitForRecords(this.offset, signal);
  }

  close(): void {
    this.closed = true;
  }
}
