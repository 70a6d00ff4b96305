// One source of a running query: follows every shard of its stream (resharding included), hands each
// shard's records to the pipeline as batches of that source, and tracks the source's watermark. A query
// reads one source per stream its plan names (a join reads two); the sources of a self-join that read one
// stream the same way share one reader, which reads and decodes each record once for all of them.
import type { Clock } from '../clock.js';
import type { ShardCheckpoint, SourceCheckpoint } from '../plan/checkpoint.js';
import type { ShardCursor, ShardDescription } from '../stream/stream-store.js';
import type { QueryStore } from './query-store.js';
import { isEddyError } from '../errors.js';
import { formatTimestamp } from '../batch/timestamp.js';
import type { CpuBudget } from './cpu-budget.js';
import type { Pipeline } from './pipeline.js';
import { WatermarkTracker } from './watermark-tracker.js';
import { parseShardId } from '../stream/shard-id.js';
import type { ShardSubset } from '../plan/schema.js';

export interface SourceReaderOptions {
  readonly store: QueryStore;
  readonly clock: Clock;
  readonly idleTimeoutMs?: number;
  /** Where a new query starts in shards it has no checkpoint for. */
  readonly startPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** Where this source stood at the last checkpoint. */
  readonly checkpoint?: SourceCheckpoint;
}

interface ActiveShard {
  readonly cursor: ShardCursor;
  /** The checkpointed position the cursor started after, until it reads something. */
  readonly startedAfter: string | undefined;
  lagMs: number;
}

/** A shard as a query's status shows it. */
export interface SourceShardStatus {
  readonly shardId: string;
  readonly watermark: string | null;
  readonly idle: boolean;
  readonly lagMs: number;
}

/**
 * What a running query reads one of its plan's sources with: a SourceReader, or for the receiving half
 * of a split query's part, its exchange shard (split/exchange-reader.ts).
 */
export interface QuerySource {
  readonly stream: string;
  /** Which of the pipeline's sources this reads for (sources that read the same, the first decoding for all). */
  readonly indexes: readonly number[];
  readonly tracker: Pick<WatermarkTracker, 'current'>;
  /** Set when the stream was resharded: its shards are looked at again before the next read. */
  rediscover: boolean;
  readonly lagMs: number;
  readonly idle: boolean;
  start(): void;
  step(batchSize: number, budget: CpuBudget): Promise<{ read: number; finished: boolean }>;
  checkpoint(): SourceCheckpoint;
  waits(signal: AbortSignal): Promise<void>[];
  shardStatuses(): SourceShardStatus[];
  close(): void;
}

export class SourceReader implements QuerySource {
  readonly stream: string;
  readonly tracker: WatermarkTracker;
  private readonly active = new Map<string, ActiveShard>();
  private readonly done = new Set<string>();
  /** Shards the stream still had at the last look. */
  private present = new Set<string>();
  /** Set when the stream was resharded: its shards are looked at again before the next read. */
  rediscover = false;
  /** The part of the stream's shards this source reads (SourceNode.shards); undefined, all of them. */
  private readonly subset: ShardSubset | undefined;

  /** `indexes`: which of the pipeline's sources this reads for (sources that read the same, the first decoding for all). */
  constructor(
    private readonly pipeline: Pipeline,
    readonly indexes: readonly number[],
    private readonly options: SourceReaderOptions,
  ) {
    const node = pipeline.sources[indexes[0] ?? 0]!.node;
    this.stream = node.stream;
    this.subset = node.shards;
    this.tracker = new WatermarkTracker({
      delayMs: node.eventTime.watermarkDelayMs,
      processingTime: node.eventTime.processingTime === true,
      clock: options.clock,
      ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
    });
    options.store.describeStream(this.stream);
    for (const [id, cp] of Object.entries(options.checkpoint?.shards ?? {})) if (cp.done) this.done.add(id);
  }

  /** Opens the shards to read, and takes up the checkpointed watermark. */
  start(): void {
    this.discover(true);
    if (this.options.checkpoint?.watermark) this.tracker.restore(this.options.checkpoint.watermark);
  }

  /**
   * Reads up to `batchSize` records from each shard into the pipeline, each batch within the CPU budget;
   * returns how many were read and whether a shard was read to its end (closed by a reshard).
   */
  async step(batchSize: number, budget: CpuBudget): Promise<{ read: number; finished: boolean }> {
    if (this.rediscover) {
      this.rediscover = false;
      this.discover();
    }
    let read = 0;
    let finished = false;
    for (const [shardId, shard] of this.active) {
      const result = await shard.cursor.read({ maxRecords: batchSize });
      // The shard may have been let go while the read waited on the network (a shared store).
      if (!this.active.has(shardId)) continue;
      shard.lagMs = result.millisBehindLatest;
      if (result.records.length > 0) {
        const records = result.records;
        read += records.length;
        budget.start(() => `one batch of ${records.length.toLocaleString('en-US')} rows from stream ${this.stream}`);
        this.tracker.observe(shardId, this.pipeline.ingest(records, shardId, this.indexes));
        budget.finish();
      } else if (result.stalled) {
        // Nothing read because the store did not answer (a NATS node down): the idle timeout must not take
        // the shard for a quiet one, or the watermark would pass the records it may hold.
        this.tracker.behind(shardId);
      }
      if (result.endOfShard) {
        shard.cursor.close();
        this.active.delete(shardId);
        this.done.add(shardId);
        this.tracker.finishShard(shardId);
        finished = true;
      }
    }
    if (finished) this.discover();
    return { read, finished };
  }

  /** Where the source stands, for a checkpoint. */
  checkpoint(): SourceCheckpoint {
    const shards: Record<string, ShardCheckpoint> = {};
    // Finished shards that retention has since removed no longer need remembering.
    for (const id of this.done) if (this.present.has(id)) shards[id] = { done: true };
    for (const [id, s] of this.active) {
      const after = s.cursor.lastSequenceNumber ?? s.startedAfter;
      if (after !== undefined) shards[id] = { after };
    }
    return { shards, watermark: this.tracker.snapshot() };
  }

  /** Resolves when any shard has records to read (or `signal` aborts). */
  waits(signal: AbortSignal): Promise<void>[] {
    return [...this.active.values()].map((s) => s.cursor.waitForRecords(signal).catch(() => undefined));
  }

  /** How far behind its newest record the source is reading (largest over shards), ms. */
  get lagMs(): number {
    let lag = 0;
    for (const s of this.active.values()) lag = Math.max(lag, s.lagMs);
    return lag;
  }

  /** Whether every shard has gone idle (or none is left to read): the source holds no watermark back. */
  get idle(): boolean {
    return this.tracker.shardWatermarks().every((s) => s.idle);
  }

  shardStatuses(): SourceShardStatus[] {
    return this.tracker.shardWatermarks().map((s) => ({
      shardId: s.shardId,
      watermark: Number.isFinite(s.watermark) ? formatTimestamp(s.watermark) : null,
      idle: s.idle,
      lagMs: this.active.get(s.shardId)?.lagMs ?? 0,
    }));
  }

  close(): void {
    for (const s of this.active.values()) s.cursor.close();
  }

  /**
   * Opens cursors on shards whose parents have been read to their end. Shards found when the query
   * starts begin at the start position (or their checkpoint); shards that appear later (children of
   * a reshard) are read from their beginning. A query starting at LATEST skips closed shards.
   */
  private discover(initial = false): void {
    const description = this.options.store.describeStream(this.stream);
    const present = new Set(description.shards.map((s) => s.shardId));
    this.present = present;
    const checkpoint = this.options.checkpoint?.shards ?? {};
    const latest = (this.options.startPosition ?? 'TRIM_HORIZON') === 'LATEST';
    let changed = true;
    while (changed) {
      changed = false;
      for (const shard of description.shards) {
        const id = shard.shardId;
        if (this.active.has(id) || this.done.has(id) || !this.reads(id)) continue;
        // A parent another part of the stream reads is not waited for: this source never reads it.
        const parents = parentsOf(shard).filter((p) => this.reads(p));
        const known = parents.filter((p) => present.has(p));
        if (!known.every((p) => this.done.has(p))) continue;
        const after = checkpoint[id]?.after;
        const fromStart = !initial || parents.some((p) => this.done.has(p) && checkpoint[p]?.done === true);
        if (initial && latest && after === undefined && !fromStart && shard.sequenceNumberRange.endingSequenceNumber !== undefined) {
          this.done.add(id);
          changed = true;
          continue;
        }
        const cursor = this.open(id, after, fromStart);
        this.active.set(id, { cursor, startedAfter: after, lagMs: 0 });
        this.tracker.addShard(id, parents);
      }
    }
  }

  /** Whether the shard is in this source's part of the stream (ShardSubset). */
  private reads(shardId: string): boolean {
    if (this.subset === undefined) return true;
    const n = parseShardId(shardId) ?? 0;
    return (n % this.subset.count) + 1 === this.subset.index;
  }

  private open(shardId: string, after: string | undefined, fromStart: boolean): ShardCursor {
    const store = this.options.store;
    if (after !== undefined) {
      try {
        return store.openCursor(this.stream, shardId, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: after });
      } catch (e) {
        // The checkpointed record may have aged out of retention; read what is left.
        if (!isEddyError(e) || e.fault !== 'user') throw e;
      }
    }
    const start = fromStart ? 'TRIM_HORIZON' : (this.options.startPosition ?? 'TRIM_HORIZON');
    return store.openCursor(this.stream, shardId, { type: start });
  }
}

function parentsOf(shard: ShardDescription): string[] {
  return [shard.parentShardId, shard.adjacentParentShardId].filter((p): p is string => p !== undefined);
}
