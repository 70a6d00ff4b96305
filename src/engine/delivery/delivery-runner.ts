// Runs one delivery stream: follows every shard of its source stream, buffers records per partition,
// writes objects atomically, and checkpoints shard positions only once the objects holding them are durable.

import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { isEddyError } from '../errors.js';
import type { ShardCursor, ShardPosition, StreamRecord, StreamStore } from '../stream/stream-store.js';
import { writeFileAtomic } from '../atomic-file.js';
import { compareSequenceNumbers, DeliveryBuffer, type BufferedRecord } from './delivery-buffer.js';
import type { DeliveryEvent, DeliveryMetrics } from './delivery-metrics.js';
import type { DeliverySettings, DeliveryStreamRecord, OutputFormat } from './delivery-stream-config.js';
import type { DeliveryCheckpoint, DeliveryStateStore, ShardCheckpoint } from './delivery-state-store.js';
import { errorRecordLine, type FailedRecord } from './error-record.js';
import { deaggregate } from '../kpl/index.js';
import { extractPartitionKeys } from './metadata-extraction-query.js';
import { encodeObject } from './object-encoder.js';
import { objectName } from './object-key.js';
import { evaluatePrefix, type ErrorOutputType } from './prefix-expression.js';
import { resolveUnder } from './safe-object-path.js';

export interface RetryPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export interface DeliveryRunnerOptions {
  readonly record: DeliveryStreamRecord;
  readonly settings: DeliverySettings;
  readonly streams: StreamStore;
  readonly state: DeliveryStateStore;
  readonly filesRoot: string;
  /** Where objects are written before they are renamed into place (default `<filesRoot>/.staging`). */
  readonly stagingDir?: string;
  readonly clock: Clock;
  readonly retry: RetryPolicy;
  readonly metrics: DeliveryMetrics;
  readonly emit: (event: DeliveryEvent) => void;
  /**
   * Called on every failed attempt to write to the destination (each one is retried), and when reading a
   * source shard stops at damaged records.
   */
  readonly reportFailure?: (failure: DeliveryFailure) => void;
  /** Set when the delivery stream was just created: shards open now are read from LATEST. */
  readonly startAtLatest?: boolean;
  /** Most partitions buffered at once; at the limit the oldest buffer is flushed early to stay bounded. */
  readonly maxActivePartitions?: number;
  /** Most record bytes buffered across all partitions (default 256 MiB, never below the size hint); above it the oldest buffer is flushed early. */
  readonly maxBufferedBytes?: number;
}

export interface DeliveryFailure {
  readonly code: string;
  readonly message: string;
  /** Epoch ms. */
  readonly at: number;
}

interface ShardState {
  cursor?: ShardCursor | undefined;
  /** Last record handed to a buffer (not merely read): the safe "after" position. */
  lastAdded?: string;
  readingDone: boolean;
  millisBehindLatest: number;
  /**
   * Set while reads fail on damaged records (or another storage fault), to that failure: the cursor stays
   * where it is, so nothing is skipped, and the read is tried again each round, but not waited on.
   */
  blocked?: DeliveryFailure | undefined;
}

class StoppedError extends Error {}

const READ_LIMIT = { maxRecords: 10_000 } as const;
const decoder = new TextDecoder();
const ERROR_KEY_PREFIX = '\u0000error:';
/** Temporary files are written here, beside (not inside) the bucket directories; no bucket name starts with a dot. */
export const STAGING_DIR = '.staging';

export class DeliveryRunner {
  private readonly buffers = new Map<string, DeliveryBuffer>();
  private readonly shards = new Map<string, ShardState>();
  private checkpoint: DeliveryCheckpoint = { versionId: 0, shards: {} };
  private savedCheckpoint = '';
  private stopping = false;
  private flushOnStop = true;
  private wake: (() => void) | undefined;
  private woken = false;
  private reshardPending = true;
  private loop: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly sourceStream: string;
  private readonly maxPartitions: number;
  private readonly maxBytes: number;
  /** Record bytes held by all buffers together. */
  private bufferedBytes = 0;
  /** The last problem, until something succeeds again (destination writes clear it). */
  private lastFailure: DeliveryFailure | undefined;

  constructor(private readonly o: DeliveryRunnerOptions) {
    this.sourceStream = o.record.internalStream ?? o.record.source!.streamName;
    this.maxPartitions = o.maxActivePartitions ?? 500;
    this.maxBytes = Math.max(o.maxBufferedBytes ?? 256 * 1024 * 1024, o.settings.sizeBytes);
  }

  start(): void {
    this.unsubscribe = this.o.streams.onStreamEvent((e) => {
      if (e.streamName === this.sourceStream) {
        this.reshardPending = true;
        this.poke();
      }
    });
    // A new delivery stream reads from LATEST at creation: its cursors must exist before create returns.
    if (this.o.startAtLatest) this.openShards();
    this.loop = this.run().catch((e: unknown) => {
      // A bug must not take the process down; it is reported like any delivery failure.
      this.failure = { code: 'InternalFailure', message: `Delivery stopped: ${(e as Error).message}`, at: this.o.clock.now() };
    });
  }

  /** Wakes the loop so it re-checks buffer deadlines (after a manual clock moved) and new shards. */
  poke(): void {
    this.woken = true;
    this.wake?.();
  }

  /**
   * Stops reading. With `flush`, every buffer is written and checkpointed first (clean shutdown, update);
   * without, buffered records are dropped from memory and will be read again from the stream.
   */
  async stop(flush: boolean): Promise<void> {
    this.stopping = true;
    this.flushOnStop = flush;
    this.poke();
    await this.loop;
    this.unsubscribe?.();
  }

  /**
   * The current problem, shown by DescribeDeliveryStream: the last failure until something succeeds, else
   * damaged records a shard's reading is stopped at (which no success elsewhere clears).
   */
  get failure(): DeliveryFailure | undefined {
    if (this.lastFailure !== undefined) return this.lastFailure;
    for (const s of this.shards.values()) if (s.blocked !== undefined) return s.blocked;
    return undefined;
  }

  set failure(failure: DeliveryFailure | undefined) {
    this.lastFailure = failure;
  }

  /** Age of the oldest record not yet durable, ms. */
  freshness(): number {
    const now = this.o.clock.now();
    let oldest = 0;
    for (const b of this.buffers.values()) if (!b.isEmpty) oldest = Math.max(oldest, now - b.oldestArrival);
    for (const s of this.shards.values()) oldest = Math.max(oldest, s.millisBehindLatest);
    return oldest;
  }

  private async run(): Promise<void> {
    try {
      // An unreadable checkpoint (a disk error, something else at its path) is a destination error like
      // any other: reported and retried, never a runner that silently stops before it starts.
      const loaded = await this.withRetry(0, () => this.o.state.loadCheckpoint(this.o.record.name));
      this.checkpoint = loaded ?? { versionId: this.o.record.versionId, shards: {} };
      this.savedCheckpoint = JSON.stringify(this.checkpoint);
      while (!this.stopping) {
        if (this.reshardPending) this.openShards();
        const got = await this.readAvailable();
        if (this.stopping) break;
        await this.flushDue(!got);
        this.o.metrics.dataFreshnessMs = this.freshness();
        if (!got) await this.waitForWork();
      }
      if (this.flushOnStop) {
        // Drain what the stream already holds, so a clean shutdown leaves nothing half-delivered.
        for (;;) {
          if (this.reshardPending) this.openShards();
          if (!(await this.readAvailable()) && !this.reshardPending) break;
        }
        for (const key of [...this.buffers.keys()]) await this.flush(key, 3);
        await this.saveCheckpoint();
      }
    } catch (e) {
      if (!(e instanceof StoppedError)) throw e;
    } finally {
      for (const s of this.shards.values()) s.cursor?.close();
      this.shards.clear();
    }
  }

  private startPosition(shardId: string): ShardPosition {
    const cp: ShardCheckpoint | undefined = this.checkpoint.shards[shardId];
    if (cp && 'at' in cp) return { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: cp.at };
    if (cp && 'after' in cp) return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: cp.after };
    if (this.firstOpen && this.o.startAtLatest && !this.o.record.internalStream) return { type: 'LATEST' };
    // Shards never read start where the delivery began: the whole internal stream for DirectPut, the
    // creation time for a source stream (LATEST at creation, and still right after a restart).
    return this.o.record.internalStream ? { type: 'TRIM_HORIZON' } : { type: 'AT_TIMESTAMP', timestamp: this.o.record.source!.startedAt };
  }

  private finished(shardId: string): boolean {
    const cp = this.checkpoint.shards[shardId];
    return (cp !== undefined && 'end' in cp) || this.shards.get(shardId)?.readingDone === true;
  }

  private firstOpen = true;

  private openShards(): void {
    this.reshardPending = false;
    let description;
    try {
      description = this.o.streams.describeStream(this.sourceStream);
    } catch (e) {
      this.failure = { code: isEddyError(e) ? e.code : 'InternalFailure', message: `Source stream '${this.sourceStream}': ${(e as Error).message}`, at: this.o.clock.now() };
      return;
    }
    if (this.lastFailure?.message.startsWith('Source stream')) this.failure = undefined;
    const known = new Set(description.shards.map((s) => s.shardId));
    for (const shard of description.shards) {
      if (this.shards.has(shard.shardId) || this.finished(shard.shardId)) continue;
      // Children wait until their parents have been read to the end, so records stay in order per key.
      const parents = [shard.parentShardId, shard.adjacentParentShardId].filter((p): p is string => p !== undefined && known.has(p));
      if (parents.some((p) => !this.finished(p))) continue;
      let cursor: ShardCursor;
      try {
        cursor = this.o.streams.openCursor(this.sourceStream, shard.shardId, this.startPosition(shard.shardId));
      } catch (e) {
        // A checkpoint older than the stream's retention cannot be resumed; the oldest record left is the
        // closest position (the records in between are gone from the stream, as in Firehose after 24 h).
        this.failure = { code: isEddyError(e) ? e.code : 'InternalFailure', message: `Source stream '${this.sourceStream}' shard ${shard.shardId}: ${(e as Error).message}; resuming at its oldest record`, at: this.o.clock.now() };
        cursor = this.o.streams.openCursor(this.sourceStream, shard.shardId, { type: 'TRIM_HORIZON' });
      }
      this.shards.set(shard.shardId, { cursor, readingDone: false, millisBehindLatest: 0 });
    }
    this.firstOpen = false;
  }

  /** Reads what every shard has ready and buffers it; true if any record was read. */
  private async readAvailable(): Promise<boolean> {
    let got = false;
    for (const [shardId, s] of this.shards) {
      if (!s.cursor) continue;
      if (this.stopping && !this.flushOnStop) throw new StoppedError();
      let result;
      try {
        result = await s.cursor.read(READ_LIMIT);
      } catch (e) {
        const failure = { code: isEddyError(e) ? e.code : 'InternalFailure', message: `Source stream '${this.sourceStream}': ${(e as Error).message}`, at: this.o.clock.now() };
        if (isEddyError(e) && e.fault === 'external') {
          // Damaged records: delivery of this shard stops there (shown by DescribeDeliveryStream) rather
          // than skipping them, until a repair.
          if (s.blocked === undefined) this.o.reportFailure?.(failure);
          s.blocked = failure;
          continue;
        }
        // The shard or stream went away (deleted, trimmed): report it and look at the stream again later.
        this.failure = failure;
        s.cursor.close();
        this.shards.delete(shardId);
        continue;
      }
      s.blocked = undefined;
      s.millisBehindLatest = result.millisBehindLatest;
      for (const r of result.records) {
        if (this.stopping && !this.flushOnStop) throw new StoppedError();
        // Records of a source stream may be KPL aggregates: their user records are delivered one by one.
        const parts = this.o.record.internalStream ? undefined : deaggregate(r.data);
        if (parts) {
          for (const part of parts) {
            const flushing = this.add(shardId, { ...r, sequenceNumber: r.sequenceNumber, partitionKey: part.partitionKey, data: part.data });
            if (flushing) await flushing;
          }
        } else {
          // Most records only join a buffer; awaiting only when a flush happened keeps the loop tight.
          const flushing = this.add(shardId, r);
          if (flushing) await flushing;
        }
        s.lastAdded = r.sequenceNumber;
        got = true;
      }
      if (result.endOfShard) {
        s.cursor.close();
        s.cursor = undefined;
        s.readingDone = true;
        this.reshardPending = true;
      }
    }
    return got;
  }

  private add(shardId: string, r: StreamRecord): Promise<void> | undefined {
    const { settings } = this.o;
    const record: BufferedRecord = { data: r.data, arrivalTimestamp: r.arrivalTimestamp, shardId, sequenceNumber: r.sequenceNumber };
    let keys: Record<string, string> = {};
    if (settings.partitionQuery) {
      let parsed: unknown;
      let problem: string | undefined;
      try {
        parsed = JSON.parse(decoder.decode(r.data));
      } catch {
        problem = 'Record is not valid JSON, so no partition keys can be extracted from it.';
      }
      if (!problem) {
        const extracted = extractPartitionKeys(settings.partitionQuery, parsed);
        if ('error' in extracted) problem = extracted.error;
        else keys = extracted.keys;
      }
      if (!problem) {
        try {
          evaluatePrefix(settings.prefix, { timestamp: r.arrivalTimestamp, zone: settings.zone, partitionKeys: keys });
        } catch (e) {
          problem = (e as Error).message;
        }
      }
      if (problem) return this.addTo(ERROR_KEY_PREFIX + 'processing-failed', {}, record, 'DynamicPartitioning.MetadataExtractionFailed', problem);
    }
    return this.addTo(settings.partitionQuery ? JSON.stringify(keys) : '', keys, record);
  }

  private readonly errorDetails = new WeakMap<BufferedRecord, { code: string; message: string }>();

  private addTo(key: string, keys: Record<string, string>, record: BufferedRecord, errorCode?: string, errorMessage?: string): Promise<void> | undefined {
    const limit = this.o.settings.sizeBytes;
    let buffer = this.buffers.get(key);
    const overflow = buffer ? buffer.wouldOverflow(record.data.length, limit) : this.buffers.size >= this.maxPartitions;
    if (overflow || (this.bufferedBytes > 0 && this.bufferedBytes + record.data.length > this.maxBytes)) {
      return this.addAfterFlush(key, keys, record, errorCode, errorMessage);
    }
    if (!buffer) {
      buffer = new DeliveryBuffer(keys);
      this.buffers.set(key, buffer);
    }
    buffer.add(record);
    this.bufferedBytes += record.data.length;
    if (errorCode) this.errorDetails.set(record, { code: errorCode, message: errorMessage ?? '' });
    return buffer.bytes >= limit ? this.flush(key) : undefined;
  }

  /** The buffer is full (or too many partitions are open): write first, so memory stays bounded. */
  private async addAfterFlush(key: string, keys: Record<string, string>, record: BufferedRecord, errorCode?: string, errorMessage?: string): Promise<void> {
    const full = this.buffers.get(key)?.wouldOverflow(record.data.length, this.o.settings.sizeBytes);
    await this.flush(full ? key : this.oldestBufferKey()!);
    await this.addTo(key, keys, record, errorCode, errorMessage);
  }

  private oldestBufferKey(): string | undefined {
    let best: string | undefined;
    let at = Number.POSITIVE_INFINITY;
    for (const [k, b] of this.buffers) if (b.openedAt < at) [best, at] = [k, b.openedAt];
    return best;
  }

  /** Flushes buffers whose interval has passed; with zero buffering, everything once the reader caught up. */
  private async flushDue(caughtUp: boolean): Promise<void> {
    const now = this.o.clock.now();
    const interval = this.o.settings.intervalMs;
    for (const [key, b] of [...this.buffers]) {
      if (b.isEmpty) continue;
      if (interval === 0 ? caughtUp : now - b.openedAt >= interval) await this.flush(key);
    }
  }

  private nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const b of this.buffers.values()) {
      if (b.isEmpty) continue;
      const d = b.openedAt + this.o.settings.intervalMs;
      if (next === undefined || d < next) next = d;
    }
    return next;
  }

  private async waitForWork(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    const ac = new AbortController();
    const waits: Promise<unknown>[] = [new Promise<void>((resolve) => (this.wake = resolve))];
    for (const s of this.shards.values()) if (s.cursor && s.blocked === undefined) waits.push(s.cursor.waitForRecords(ac.signal).catch(() => undefined));
    const deadline = this.nextDeadline();
    let timer: NodeJS.Timeout | undefined;
    if (deadline !== undefined) waits.push(new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - this.o.clock.now())))));
    else if (this.failure) waits.push(new Promise<void>((resolve) => (timer = setTimeout(resolve, this.o.retry.maxDelayMs))));
    try {
      await Promise.race(waits);
    } finally {
      ac.abort();
      if (timer) clearTimeout(timer);
      this.wake = undefined;
      this.woken = false;
    }
  }

  /** Writes one buffer (with retries); then its records' positions can be checkpointed. */
  private async flush(key: string, attemptsWhenStopping = 0): Promise<void> {
    const buffer = this.buffers.get(key);
    if (!buffer) return;
    if (buffer.isEmpty) {
      this.buffers.delete(key);
      return;
    }
    const errorType = key.startsWith(ERROR_KEY_PREFIX) ? (key.slice(ERROR_KEY_PREFIX.length) as ErrorOutputType) : undefined;
    let encoded: { body: Uint8Array | undefined; failed: FailedRecord[] } | undefined;
    const events = await this.withRetry(attemptsWhenStopping, async () => {
      encoded ??= errorType ? { body: undefined, failed: this.asFailed(buffer, errorType) } : await this.encode(buffer);
      return this.write(buffer, encoded.body, encoded.failed);
    });
    this.buffers.delete(key);
    this.bufferedBytes -= buffer.bytes;
    await this.withRetry(attemptsWhenStopping, () => this.saveCheckpoint());
    // Listeners hear of an object once it is durable and its records' positions are checkpointed.
    for (const e of events) this.o.emit(e);
  }

  /**
   * Runs a destination operation until it succeeds, backing off between attempts; each failure is reported.
   * Stopping without flush gives up at once, stopping with flush after `attemptsWhenStopping` attempts:
   * what was not written stays in the stream, behind the last checkpoint.
   */
  private async withRetry<T>(attemptsWhenStopping: number, fn: () => Promise<T>): Promise<T> {
    let delay = this.o.retry.initialDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await fn();
        this.failure = undefined;
        return result;
      } catch (e) {
        if (isEddyError(e) && e.fault === 'user') throw e;
        this.o.metrics.deliveryErrors++;
        this.failure = { code: (e as NodeJS.ErrnoException).code ?? 'InternalFailure', message: `Delivery to bucket '${this.o.settings.bucket}' failed: ${(e as Error).message}`, at: this.o.clock.now() };
        this.o.reportFailure?.(this.failure);
        if (this.stopping && (!this.flushOnStop || attempt > attemptsWhenStopping)) throw new StoppedError();
        await this.backoff(delay);
        delay = Math.min(delay * 2, this.o.retry.maxDelayMs);
      }
    }
  }

  private backoff(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      this.wake = done;
      function done(): void {
        clearTimeout(t);
        resolve();
      }
    }).finally(() => {
      this.wake = undefined;
    });
  }

  private asFailed(buffer: DeliveryBuffer, type: ErrorOutputType): FailedRecord[] {
    return buffer.records.map((r) => {
      const d = this.errorDetails.get(r);
      return { data: r.data, arrivalTimestamp: r.arrivalTimestamp, sequenceNumber: r.sequenceNumber, errorCode: d?.code ?? 'ProcessingFailed', errorMessage: d?.message ?? '', outputType: type };
    });
  }

  private async encode(buffer: DeliveryBuffer): Promise<{ body: Uint8Array | undefined; failed: FailedRecord[] }> {
    const { body, failures } = await encodeObject(this.o.settings.output, buffer.records.map((r) => r.data));
    const failed = failures.map((f): FailedRecord => {
      const r = buffer.records[f.index]!;
      return { data: r.data, arrivalTimestamp: r.arrivalTimestamp, sequenceNumber: r.sequenceNumber, errorCode: f.errorCode, errorMessage: f.errorMessage, outputType: 'format-conversion-failed' };
    });
    return { body, failed };
  }

  private stagingDir(): string {
    return this.o.stagingDir ?? join(this.o.filesRoot, STAGING_DIR);
  }

  private bucketDir(): string {
    return join(this.o.filesRoot, this.o.settings.bucket);
  }

  private async write(buffer: DeliveryBuffer, body: Uint8Array | undefined, failed: readonly FailedRecord[]): Promise<DeliveryEvent[]> {
    const events: DeliveryEvent[] = [];
    const { settings, record, metrics } = this.o;
    const timestamp = Number.isFinite(buffer.oldestArrival) ? buffer.oldestArrival : this.o.clock.now();
    let dataKey: string | undefined;
    if (body) {
      try {
        dataKey = evaluatePrefix(settings.prefix, { timestamp, zone: settings.zone, partitionKeys: buffer.partitionKeys }) + objectName(record.name, record.versionId, timestamp, settings.zone, settings.extension);
        resolveUnder(this.bucketDir(), dataKey);
      } catch (e) {
        if (!isEddyError(e)) throw e;
        // A prefix that cannot be evaluated safely sends the records to the error prefix instead.
        const failedSet = new Set(failed.map((f) => f.data));
        failed = [
          ...failed,
          ...buffer.records
            .filter((r) => !failedSet.has(r.data))
            .map((r): FailedRecord => ({ data: r.data, arrivalTimestamp: r.arrivalTimestamp, sequenceNumber: r.sequenceNumber, errorCode: 'S3.InvalidPrefix', errorMessage: e.message, outputType: 'processing-failed' })),
        ];
        body = undefined;
      }
    }
    if (body && dataKey) {
      const key = dataKey;
      const path = resolveUnder(this.bucketDir(), key);
      await writeFileAtomic(path, body, this.stagingDir());
      this.failure = undefined;
      const records = buffer.records.length - failed.length;
      let bytes = 0;
      for (const r of buffer.records) bytes += r.data.length;
      for (const f of failed) bytes -= f.data.length;
      metrics.deliveredRecords += records;
      metrics.deliveredBytes += bytes;
      metrics.filesWritten++;
      events.push({ deliveryStreamName: record.name, kind: 'data', key, path, records, bytes });
    }
    const byType = new Map<ErrorOutputType, FailedRecord[]>();
    for (const f of failed) byType.set(f.outputType, [...(byType.get(f.outputType) ?? []), f]);
    for (const [type, list] of byType) {
      const at = this.o.clock.now();
      const ctx = { attemptEndingTimestamp: at, ...(settings.output.kind !== 'records' ? { dataCatalogTable: tableOf(settings.output) } : {}) };
      const text = list.map((f) => errorRecordLine(f, ctx)).join('');
      const oldest = Math.min(...list.map((f) => f.arrivalTimestamp));
      const key = evaluatePrefix(settings.errorPrefix, { timestamp: oldest, zone: settings.zone, errorOutputType: type }) + objectName(record.name, record.versionId, oldest, settings.zone, '');
      const path = resolveUnder(this.bucketDir(), key);
      await writeFileAtomic(path, text, this.stagingDir());
      this.failure = undefined;
      metrics.errorRecords += list.length;
      metrics.errorFilesWritten++;
      events.push({ deliveryStreamName: record.name, kind: 'error', key, path, records: list.length, bytes: Buffer.byteLength(text) });
    }
    return events;
  }

  /** Positions that are safe to resume from: nothing before them is still only in memory. */
  private async saveCheckpoint(): Promise<void> {
    const shards: Record<string, ShardCheckpoint> = { ...this.checkpoint.shards };
    for (const [shardId, s] of this.shards) {
      let pending: string | undefined;
      for (const b of this.buffers.values()) {
        const first = b.firstSequenceByShard.get(shardId);
        if (first !== undefined && (pending === undefined || compareSequenceNumbers(first, pending) < 0)) pending = first;
      }
      if (pending !== undefined) shards[shardId] = { at: pending };
      else if (s.readingDone) shards[shardId] = { end: true };
      else if (s.lastAdded !== undefined) shards[shardId] = { after: s.lastAdded };
    }
    const next: DeliveryCheckpoint = { versionId: this.o.record.versionId, shards };
    const text = JSON.stringify(next);
    if (text === this.savedCheckpoint) return;
    await this.o.state.saveCheckpoint(this.o.record.name, next);
    this.checkpoint = next;
    this.savedCheckpoint = text;
  }
}

function tableOf(output: Exclude<OutputFormat, { kind: 'records' }>): { databaseName?: string | undefined; tableName?: string | undefined } {
  return output.reading.table;
}
