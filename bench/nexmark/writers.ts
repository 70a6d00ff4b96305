// Writing Nexmark events into Eddy's streams: straight into a stream store in this process (benchmarks,
// tests), or through the Kinesis API with the AWS SDK's PutRecords at a steady rate (a running Eddy).
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { StreamStore } from '../../src/engine/index.js';
import type { NexmarkEvent, NexmarkGenerator } from './generator.js';
import { encode, NEXMARK_STREAMS, type NexmarkRecord, type NexmarkStream } from './records.js';

/** PutRecords takes at most this many records a call. */
const PER_CALL = 500;

/** Events grouped into PutRecords-sized batches per stream; `flush` hands each full (or final) batch on. */
class Batcher {
  private readonly pending = new Map<NexmarkStream, NexmarkRecord[]>(NEXMARK_STREAMS.map((s) => [s, []]));

  constructor(private readonly send: (stream: NexmarkStream, records: NexmarkRecord[]) => Promise<void>) {}

  async add(record: NexmarkRecord): Promise<void> {
    const list = this.pending.get(record.stream)!;
    list.push(record);
    if (list.length >= PER_CALL) await this.flushStream(record.stream);
  }

  async flush(): Promise<void> {
    await Promise.all(NEXMARK_STREAMS.map((s) => this.flushStream(s)));
  }

  private async flushStream(stream: NexmarkStream): Promise<void> {
    const list = this.pending.get(stream)!;
    if (list.length === 0) return;
    this.pending.set(stream, []);
    await this.send(stream, list);
  }
}

export interface WriteOptions {
  /** First event number (default 0). */
  readonly from?: number;
  /** One past the last event number (default: the generator's event count). */
  readonly to?: number;
  /** Called now and then with the number of events written so far. */
  readonly onProgress?: (written: number) => void;
}

/** Puts events into the streams `person`, `auction` and `bid` of a store in this process, in event order per stream. */
export async function writeToStore(store: StreamStore, generator: NexmarkGenerator, options: WriteOptions = {}): Promise<number> {
  const from = options.from ?? 0;
  const to = options.to ?? generator.config.events;
  const batcher = new Batcher(async (stream, records) => {
    const results = await store.putRecords(stream, records.map((r) => ({ partitionKey: r.partitionKey, data: r.data })));
    const refused = results.find((r) => 'errorCode' in r);
    if (refused && 'errorCode' in refused) throw new Error(`nexmark: ${stream} refused a record: ${refused.errorMessage} (open the store with shardLimits: false)`);
  });
  for (let n = from; n < to; n++) {
    await batcher.add(encode(generator.event(n)));
    if (options.onProgress && (n - from) % 100_000 === 99_999) options.onProgress(n - from + 1);
  }
  await batcher.flush();
  return to - from;
}

/**
 * Puts the given events into a store in this process so that each lands on a different shard of its
 * stream (by explicit hash key), as records that close every window must.
 */
export async function writeToEveryShard(store: StreamStore, events: readonly NexmarkEvent[]): Promise<void> {
  for (const stream of NEXMARK_STREAMS) {
    const shards = store.describeStream(stream).shards.filter((s) => s.sequenceNumberRange.endingSequenceNumber === undefined);
    const mine = events.filter((e) => e.kind === stream);
    if (mine.length < shards.length) throw new Error(`nexmark: ${shards.length} shards of ${stream} need as many closing events, got ${mine.length}`);
    await store.putRecords(
      stream,
      shards.map((s, i) => {
        const r = encode(mine[i]!);
        return { partitionKey: r.partitionKey, data: r.data, explicitHashKey: s.hashKeyRange.startingHashKey };
      }),
    );
  }
}

export interface KinesisWriteOptions extends WriteOptions {
  /** Events per second of wall-clock time; Infinity sends them as fast as the server takes them. */
  readonly rate: number;
  /** Names of the three streams, if not `person`, `auction` and `bid`. */
  readonly streamNames?: Partial<Record<NexmarkStream, string>>;
}

/**
 * Puts events through the Kinesis API (PutRecords, up to 500 records a call) at `rate` events a second.
 * Each call takes what is due by then, so a busy server makes calls larger rather than the run longer;
 * each stream has one call in flight at a time, so a shard gets its records in event order. Records a
 * shard refuses (throttling) are sent again after a pause that grows with each attempt.
 */
export async function putThroughKinesis(kinesis: KinesisClient, generator: NexmarkGenerator, options: KinesisWriteOptions): Promise<number> {
  const from = options.from ?? 0;
  const to = options.to ?? generator.config.events;
  const name = (s: NexmarkStream): string => options.streamNames?.[s] ?? s;
  const started = performance.now();
  const batcher = new Batcher((stream, records) => putWithRetries(kinesis, name(stream), records));
  let n = from;
  while (n < to) {
    const due = Number.isFinite(options.rate) ? from + Math.floor(((performance.now() - started) / 1000) * options.rate) : to;
    const until = Math.min(to, Math.max(n + 1, due));
    for (; n < until; n++) await batcher.add(encode(generator.event(n)));
    await batcher.flush();
    options.onProgress?.(n - from);
    const next = started + ((n - from + 1) / options.rate) * 1000;
    if (next > performance.now()) await new Promise((r) => setTimeout(r, next - performance.now()));
  }
  return to - from;
}

async function putWithRetries(kinesis: KinesisClient, stream: string, records: readonly NexmarkRecord[]): Promise<void> {
  let pending = records.map((r) => ({ PartitionKey: r.partitionKey, Data: r.data }));
  for (let attempt = 0; pending.length > 0; attempt++) {
    const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: pending }));
    const answers = out.Records ?? [];
    const refused = pending.filter((_, j) => answers[j]?.ErrorCode !== undefined);
    if (refused.length > 0 && attempt >= 30) {
      throw new Error(`nexmark: ${refused.length} records to ${stream} still refused after ${attempt} attempts: ${answers.find((r) => r.ErrorCode)?.ErrorMessage}`);
    }
    if (refused.length > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
    pending = refused;
  }
}
