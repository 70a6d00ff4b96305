// In-process shard followers (SQL runtime, delivery): no iterator tokens, no throttling, and a wait that
// the shard log's commit notification ends, so a follower sees a record as soon as it is durable.

import type { Clock } from '../clock.js';
import { readShard } from './shard-reader.js';
import type { Shard } from './shard.js';
import type { Stream } from './stream.js';
import { shardNotFound, type Account } from './stream-errors.js';
import type { ShardCursor, ShardReadResult } from './stream-store.js';
import { sequenceNumberAt } from './sequence-number.js';

export const CURSOR_DEFAULT_MAX_RECORDS = 10_000;
export const CURSOR_DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

export class StreamShardCursor implements ShardCursor {
  readonly streamName: string;
  readonly shardId: string;
  private offset: number;
  private lastOffset: number | undefined;
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
    return this.lastOffset === undefined ? undefined : sequenceNumberAt(this.shard.sequencePrefix, this.lastOffset);
  }

  get continuationSequenceNumber(): string | undefined {
    return this.offset > 0 ? sequenceNumberAt(this.shard.sequencePrefix, this.offset - 1) : undefined;
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
    if (result.records.length > 0) this.lastOffset = result.nextOffset - 1;
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
