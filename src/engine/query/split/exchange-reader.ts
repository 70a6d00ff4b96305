// The receiving half of a split query's part reads its shard of the exchange stream instead of a stream
// of the user's: it hands the rows to the pipeline (whose source decodes them as JSON) and keeps, as its
// watermark, the least of the watermarks the sending parts last sent. A part whose own source is behind
// thus holds every part's windows open, and no part's rows are late because another part ran ahead.
// A sending part taken over by another process sends again the rows it had sent after its last
// checkpoint; each source shard's rows come in order, so a row at or before the last one taken from its
// shard is one seen already, and is dropped: every row is aggregated once.
import type { ExchangeState, SourceCheckpoint } from '../../plan/checkpoint.js';
import type { ShardCursor, StreamRecord } from '../../stream/stream-store.js';
import type { QueryStore } from '../query-store.js';
import { EddyError } from '../../errors.js';
import { formatTimestamp } from '../../batch/timestamp.js';
import type { CpuBudget } from '../cpu-budget.js';
import type { Pipeline } from '../pipeline.js';
import type { QuerySource, SourceShardStatus } from '../source-reader.js';
import { compareSequence, decodeExchangeRecord } from './exchange-record.js';
import { exchangeShards } from './exchange-stream.js';

/** Exchange records read per step: each holds at most one sending step's rows for this part. */
const RECORDS_PER_STEP = 16;

export interface ExchangeReaderOptions {
  readonly store: QueryStore;
  readonly stream: string;
  /** This part, 0-based, and how many there are (as many as send to it). */
  readonly part: number;
  readonly parts: number;
  readonly checkpoint?: SourceCheckpoint;
}

export class ExchangeReader implements QuerySource {
  readonly stream: string;
  /** The receiving half's plan has one source, which the exchange feeds. */
  readonly indexes: readonly number[] = [0];
  rediscover = false;
  readonly tracker = { current: (): number => this.watermark() };
  private cursor: ShardCursor | undefined;
  private shardId = '';
  private readonly startedAfter: string | undefined;
  /** The watermark each sending part last sent; -Infinity before its first. */
  private readonly watermarks: number[];
  /** Which sending parts last said their shards are all idle: those hold no watermark back. */
  private readonly idleParts: boolean[];
  /** Per source shard, the last row taken: its sequence number and sub-sequence number. */
  private readonly taken = new Map<string, readonly [string, number]>();
  private lag = 0;
  /** Rows dropped because they had been taken already (sent again after a takeover). */
  duplicates = 0;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly options: ExchangeReaderOptions,
  ) {
    this.stream = options.stream;
    const state = options.checkpoint?.exchange;
    this.watermarks = Array.from({ length: options.parts }, (_, i) => state?.watermarks[i] ?? -Infinity);
    this.idleParts = Array.from({ length: options.parts }, (_, i) => state?.idle?.[i] ?? false);
    for (const [shard, last] of Object.entries(state?.taken ?? {})) this.taken.set(shard, last);
    this.startedAfter = Object.values(options.checkpoint?.shards ?? {})[0]?.after;
  }

  start(): void {
    const shard = exchangeShards(this.options.store, this.stream)[this.options.part];
    if (shard === undefined) throw new EddyError('ResourceNotFoundException', `the exchange stream '${this.stream}' has no shard for part ${this.options.part}`);
    this.shardId = shard.shardId;
    const after = this.startedAfter;
    this.cursor = this.options.store.openCursor(this.stream, this.shardId, after === undefined ? { type: 'TRIM_HORIZON' } : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: after });
  }

  async step(_batchSize: number, budget: CpuBudget): Promise<{ read: number; finished: boolean }> {
    const cursor = this.cursor;
    if (cursor === undefined) return { read: 0, finished: false };
    const result = await cursor.read({ maxRecords: RECORDS_PER_STEP });
    this.lag = result.millisBehindLatest;
    if (result.endOfShard) throw new EddyError('InternalFailure', `the exchange stream '${this.stream}' was resharded; a split query's exchange must keep its shards`, 'internal');
    let read = 0;
    for (const record of result.records) read += this.take(record, budget);
    return { read: result.records.length > 0 ? Math.max(read, 1) : 0, finished: false };
  }

  /** Hands the record's new rows to the pipeline and takes up its sender's watermark; returns the rows taken. */
  private take(record: StreamRecord, budget: CpuBudget): number {
    const { header, rows } = decodeExchangeRecord(record.data);
    const fresh: StreamRecord[] = [];
    rows.forEach((data, i) => {
      const [shardIndex, sequence, sub] = header.o[i]!;
      const shard = header.s[shardIndex]!;
      const last = this.taken.get(shard);
      if (last !== undefined) {
        const order = compareSequence(sequence, last[0]) || sub - last[1];
        if (order <= 0) {
          this.duplicates++;
          return;
        }
      }
      this.taken.set(shard, [sequence, sub]);
      fresh.push({ sequenceNumber: record.sequenceNumber, arrivalTimestamp: record.arrivalTimestamp, partitionKey: record.partitionKey, data });
    });
    if (fresh.length > 0) {
      budget.start(() => `one batch of ${fresh.length.toLocaleString('en-US')} rows from the exchange of part ${header.p}`);
      this.pipeline.ingest(fresh, this.shardId, this.indexes);
      budget.finish();
    }
    if (header.w !== null && header.w > (this.watermarks[header.p] ?? Infinity)) this.watermarks[header.p] = header.w;
    // A part sending rows has read records, so is not idle; the last record of a step says which it is.
    this.idleParts[header.p] = header.i === 1;
    return fresh.length;
  }

  /**
   * The least watermark of the sending parts whose shards are not all idle; with every part idle, the
   * furthest one's, so the last windows still close (as a query's idle shards do).
   */
  private watermark(): number {
    let min = Infinity;
    let max = -Infinity;
    this.watermarks.forEach((w, i) => {
      if (w > max) max = w;
      if (!this.idleParts[i] && w < min) min = w;
    });
    return min === Infinity ? max : min;
  }

  checkpoint(): SourceCheckpoint {
    const after = this.cursor?.lastSequenceNumber ?? this.startedAfter;
    const exchange: ExchangeState = {
      watermarks: this.watermarks.map((w) => (Number.isFinite(w) ? w : null)),
      ...(this.idleParts.some((i) => i) ? { idle: [...this.idleParts] } : {}),
      taken: Object.fromEntries(this.taken),
    };
    return { shards: after === undefined ? {} : { [this.shardId]: { after } }, exchange };
  }

  waits(signal: AbortSignal): Promise<void>[] {
    return this.cursor === undefined ? [] : [this.cursor.waitForRecords(signal).catch(() => undefined)];
  }

  get lagMs(): number {
    return this.lag;
  }

  /**
   * The exchange itself never goes idle: a sending part that sends nothing (stopped, or being taken over)
   * holds the watermark, as it should; one whose own shards have all gone idle says so (see watermark()).
   */
  get idle(): boolean {
    return false;
  }

  /** One entry per sending part, named `part <n>`, with the watermark it last sent. */
  shardStatuses(): SourceShardStatus[] {
    return this.watermarks.map((w, i) => ({ shardId: `part ${i}`, watermark: Number.isFinite(w) ? formatTimestamp(w) : null, idle: this.idleParts[i]!, lagMs: this.lag }));
  }

  close(): void {
    this.cursor?.close();
  }
}
