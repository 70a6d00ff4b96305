// A producer that packs user records into KPL aggregated records, as the Kinesis Producer Library does:
// one aggregate per shard (the shard its records' partition keys hash to), sent with that shard's
// starting hash key as ExplicitHashKey so it lands there, in PutRecords calls of up to 500 aggregates.
// Records of one key therefore stay on one shard, in order.

import { ListShardsCommand, PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { createHash } from 'node:crypto';
import { DEFAULT_AGGREGATE_MAX_BYTES, RecordAggregator, type AggregatedKinesisRecord } from '../engine/kpl/index.js';

export interface AggregatingProducerOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  /** Largest aggregate, bytes (default 50 KiB, the KPL's default). */
  readonly maxAggregateBytes?: number;
}

interface OpenShard {
  readonly start: bigint;
  readonly end: bigint;
  readonly startingHashKey: string;
  readonly aggregator: RecordAggregator;
}

const MAX_PUT_RECORDS = 500;

export class AggregatingProducer {
  private shards: OpenShard[] = [];
  private ready: PutRecordsRequestEntry[] = [];

  constructor(private readonly o: AggregatingProducerOptions) {}

  /** Adds a user record; sends a PutRecords call once 500 aggregates are full. */
  async add(partitionKey: string, data: Uint8Array): Promise<void> {
    if (this.shards.length === 0) await this.refreshShards();
    const hash = BigInt(`0x${createHash('md5').update(partitionKey).digest('hex')}`);
    const shard = this.shards.find((s) => hash >= s.start && hash <= s.end) ?? this.shards[0]!;
    const full = shard.aggregator.add({ partitionKey, data });
    if (full) this.queue(full, shard);
    if (this.ready.length >= MAX_PUT_RECORDS) await this.send();
  }

  /** Sends every aggregate, full or not. */
  async flush(): Promise<void> {
    for (const shard of this.shards) {
      const last = shard.aggregator.flush();
      if (last) this.queue(last, shard);
    }
    while (this.ready.length > 0) await this.send();
  }

  /** Reads the open shards' hash key ranges (call after resharding; the first add does it). */
  async refreshShards(): Promise<void> {
    const shards: OpenShard[] = [];
    let token: string | undefined;
    do {
      const page = await this.o.kinesis.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.o.streamName, ShardFilter: { Type: 'AT_LATEST' } }));
      for (const s of page.Shards ?? []) {
        const range = s.HashKeyRange!;
        shards.push({ start: BigInt(range.StartingHashKey!), end: BigInt(range.EndingHashKey!), startingHashKey: range.StartingHashKey!, aggregator: new RecordAggregator(this.o.maxAggregateBytes ?? DEFAULT_AGGREGATE_MAX_BYTES) });
      }
      token = page.NextToken;
    } while (token);
    // Pending records of the old shard map are sent before it is replaced.
    for (const old of this.shards) {
      const last = old.aggregator.flush();
      if (last) this.queue(last, old);
    }
    this.shards = shards;
  }

  private queue(aggregate: AggregatedKinesisRecord, shard: OpenShard): void {
    this.ready.push({ PartitionKey: aggregate.partitionKey, ExplicitHashKey: shard.startingHashKey, Data: aggregate.data });
  }

  /** Sends up to 500 aggregates; those refused (throttled) are sent again, in order, with the next call. */
  private async send(): Promise<void> {
    const batch = this.ready.splice(0, MAX_PUT_RECORDS);
    const out = await this.o.kinesis.send(new PutRecordsCommand({ StreamName: this.o.streamName, Records: batch }));
    if ((out.FailedRecordCount ?? 0) > 0) {
      const failed = batch.filter((_, i) => out.Records?.[i]?.ErrorCode !== undefined);
      this.ready.unshift(...failed);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
