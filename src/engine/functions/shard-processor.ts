// Feeds one shard to a function as Lambda's Kinesis event source mapping does: batches of up to BatchSize
// records (gathered for up to MaximumBatchingWindowInSeconds), ParallelizationFactor batches in flight,
// records of one partition key always in the same lane (so in order), retries, bisection, maximum record
// age, partial batch responses and tumbling windows. The shard's position advances only over records
// whose batch succeeded or was discarded, in order: a record is never skipped because a later one was done.

import type { Clock } from '../clock.js';
import { expandAggregates } from '../kpl/index.js';
import type { ShardCursor } from '../stream/stream-store.js';
import type { EventSourceMapping } from './event-source-mapping.js';
import type { InvocationOutcome, InvocationRequest } from './function-pool.js';
import type { MappingShardPosition } from './mapping-state-store.js';
import type { BatchRecord } from './packed-batch.js';

/** Why records were given up on, as Lambda's on-failure records name it. */
export type DiscardCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface DiscardedBatch {
  readonly shardId: string;
  readonly records: readonly BatchRecord[];
  readonly condition: DiscardCondition;
  /** Invocations made for these records (0 when they were too old to be sent at all). */
  readonly attempts: number;
  readonly lastError?: { readonly errorType: string; readonly errorMessage: string };
  readonly requestId?: string;
}

export interface ProcessorContext {
  readonly mapping: EventSourceMapping;
  readonly eventSourceARN: string;
  readonly awsRegion: string;
  readonly invokeIdentityArn: string;
  readonly clock: Clock;
  readonly retry: { readonly initialDelayMs: number; readonly maxDelayMs: number };
  invoke(request: InvocationRequest): Promise<InvocationOutcome>;
  discard(batch: DiscardedBatch): Promise<void>;
  /** A position or window state changed (the runner saves them, coalesced). */
  progressed(): void;
  /** After every invocation: what it gave (for LastProcessingResult and metrics). */
  invoked(records: number, outcome: 'ok' | 'partial' | 'error'): void;
  /** Reading stopped on an error outside the function (the stream or shard went away). */
  failed(error: unknown): void;
}

interface Lane {
  records: BatchRecord[];
  indexes: number[];
  /** Clock time when the lane's buffer last became non-empty: its batching window starts then. */
  since: number;
  busy: boolean;
}

interface SubBatch {
  records: BatchRecord[];
  indexes: number[];
  attempts: number;
}

/** Lambda sends at most 6 MB of records in one invocation; a batch closes before it would pass that. */
export const MAX_BATCH_BYTES = 6 * 1024 * 1024;

/** Lambda keeps at most 1 MB of tumbling-window state per shard; beyond it the window ends early. */
export const MAX_WINDOW_STATE_BYTES = 1024 * 1024;

type Verdict = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly failedFrom: number; readonly result?: unknown; readonly error: { errorType: string; errorMessage: string } };

export class ShardProcessor {
  /** Position to resume from: moves over finished records only, in order. */
  position: MappingShardPosition;
  /** Tumbling window in progress (its state after the last successful invocation). */
  window: { start: number; state: Record<string, unknown> } | undefined;
  private readonly lanes: Lane[];
  // Records read and not yet behind the position, by read index: sequence number, whether it ends its
  // Kinesis record (the last user record of an aggregate does), and whether its batch is finished.
  private readonly seqs: string[] = [];
  private readonly lastOfRecord: boolean[] = [];
  private readonly finishedFlags: boolean[] = [];
  private base = 0;
  private head = 0;
  private endOfShard = false;
  private stopping = false;
  private wake: (() => void) | undefined;
  private poked = false;
  private readonly capacity: number;
  /** Record bytes read but not yet in a batch, over all lanes: reading pauses above 2 × lanes × 6 MB. */
  private bufferedBytes = 0;
  private readonly capacityBytes: number;
  private readonly windowMs: number;
  private loop: Promise<void> | undefined;
  private readonly tasks = new Set<Promise<void>>();

  constructor(
    private readonly ctx: ProcessorContext,
    readonly shardId: string,
    private readonly cursor: ShardCursor,
    start: MappingShardPosition,
    window: { start: number; state: Record<string, unknown> } | undefined,
  ) {
    const m = ctx.mapping;
    this.position = start;
    this.window = window;
    this.lanes = Array.from({ length: m.parallelizationFactor }, () => ({ records: [], indexes: [], since: 0, busy: false }));
    // Read ahead enough to fill every lane twice, so a lane never waits for the reader.
    this.capacity = Math.max(2 * m.batchSize * m.parallelizationFactor, 1000);
    this.capacityBytes = 2 * m.parallelizationFactor * MAX_BATCH_BYTES;
    this.windowMs = m.tumblingWindowInSeconds * 1000;
  }

  /** True once the shard is closed and every record of it is behind the position. */
  get done(): boolean {
    return 'end' in this.position;
  }

  start(): void {
    // A failure here is the stream's (deleted, trimmed), never the server's: it is reported, not thrown.
    this.loop = this.run().catch((e: unknown) => this.ctx.failed(e));
  }

  /** Wakes the loop (a manual clock moved, a batching window or tumbling window may have passed). */
  poke(): void {
    // Remembered when the loop is not waiting (it may be reading, which waits on the network where the
    // store is shared), so the next wait returns at once instead of missing it.
    this.poked = true;
    this.wake?.();
  }

  /** Stops reading; invocations in flight finish (bounded by the function timeout), retries are abandoned. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.poke();
    this.pokeRetries();
    await this.loop;
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
    this.cursor.close();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      await this.fill();
      this.dispatch();
      // Reading the next batch now overlaps it with the handler's work on the one just sent.
      await this.fill();
      if (this.endOfShard && this.queued() === 0 && this.tasks.size === 0 && this.window === undefined) {
        this.position = { end: true };
        this.ctx.progressed();
        return;
      }
      await this.waitForWork();
    }
  }

  private queued(): number {
    return this.base + this.seqs.length - this.head;
  }

  private async fill(): Promise<void> {
    if (this.endOfShard) return;
    const room = this.capacity - (this.base + this.seqs.length - this.head);
    const roomBytes = this.capacityBytes - this.bufferedBytes;
    if (room <= 0 || roomBytes <= 0) return;
    const read = await this.cursor.read({ maxRecords: Math.min(room, 10_000), maxBytes: roomBytes });
    if (read.endOfShard) this.endOfShard = true;
    if (read.records.length === 0) return;
    const expanded = expandAggregates(read.records);
    const records: readonly BatchRecord[] = expanded ? expanded.records.map((r, i) => (expanded.aggregated[i] ? { ...r, subSequenceNumber: expanded.subSequenceNumbers[i]! } : r)) : read.records;
    const now = this.ctx.clock.now();
    const single = this.lanes.length === 1;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const index = this.base + this.seqs.length;
      this.seqs.push(r.sequenceNumber);
      this.lastOfRecord.push(expanded === undefined || i + 1 === records.length || records[i + 1]!.sequenceNumber !== r.sequenceNumber);
      this.finishedFlags.push(false);
      const lane = this.lanes[single ? 0 : laneOf(r.partitionKey, this.lanes.length)]!;
      if (lane.records.length === 0) lane.since = now;
      lane.records.push(r);
      lane.indexes.push(index);
      this.bufferedBytes += r.data.length;
    }
  }

  private dispatch(): void {
    const m = this.ctx.mapping;
    const now = this.ctx.clock.now();
    const windowMs = m.maximumBatchingWindowInSeconds * 1000;
    for (const lane of this.lanes) {
      if (lane.busy) continue;
      if (this.windowMs > 0 && this.windowDue(lane, now)) {
        this.startTask(lane, this.finishWindow(false));
        continue;
      }
      if (lane.records.length === 0) continue;
      const due = lane.records.length >= m.batchSize || now - lane.since >= windowMs || this.endOfShard || this.bufferedBytes >= this.capacityBytes;
      // A tumbling window's batches never span two windows: a record of the next window flushes this one.
      const crosses = this.windowMs > 0 && this.windowOf(lane.records[lane.records.length - 1]!) !== this.windowOf(lane.records[0]!);
      if (!due && !crosses) continue;
      let take = Math.min(m.batchSize, lane.records.length);
      // At most 6 MB of record data, but never less than one record (a record is at most 1 MiB).
      let bytes = lane.records[0]!.data.length;
      for (let k = 1; k < take; k++) {
        bytes += lane.records[k]!.data.length;
        if (bytes > MAX_BATCH_BYTES) {
          take = k;
          break;
        }
      }
      if (this.windowMs > 0) {
        const first = this.windowOf(lane.records[0]!);
        let k = 1;
        while (k < take && this.windowOf(lane.records[k]!) === first) k++;
        take = k;
      }
      const records = lane.records.splice(0, take);
      const indexes = lane.indexes.splice(0, take);
      for (const r of records) this.bufferedBytes -= r.data.length;
      lane.since = now;
      this.startTask(lane, this.runBatch(records, indexes));
    }
  }

  /** Whether the open tumbling window must get its final invocation before anything else of this lane. */
  private windowDue(lane: Lane, now: number): boolean {
    if (this.window === undefined) return false;
    const end = this.window.start + this.windowMs;
    if (lane.records.length > 0) return this.windowOf(lane.records[0]!) !== this.window.start;
    return now >= end || (this.endOfShard && this.queued() === 0);
  }

  private windowOf(r: BatchRecord): number {
    return Math.floor(r.arrivalTimestamp / this.windowMs) * this.windowMs;
  }

  private startTask(lane: Lane, work: Promise<void>): void {
    lane.busy = true;
    const task = work.catch((e: unknown) => this.ctx.failed(e)).finally(() => {
      lane.busy = false;
      this.tasks.delete(task);
      this.poke();
    });
    this.tasks.add(task);
  }

  private async waitForWork(): Promise<void> {
    if (this.poked) {
      this.poked = false;
      return;
    }
    const m = this.ctx.mapping;
    const now = this.ctx.clock.now();
    let deadline = Infinity;
    for (const lane of this.lanes) {
      if (!lane.busy && lane.records.length > 0) deadline = Math.min(deadline, lane.since + m.maximumBatchingWindowInSeconds * 1000);
    }
    if (this.window !== undefined) deadline = Math.min(deadline, this.window.start + this.windowMs);
    const controller = new AbortController();
    const waits: Promise<unknown>[] = [new Promise<void>((resolve) => (this.wake = resolve))];
    const room = this.capacity - (this.base + this.seqs.length - this.head);
    if (!this.endOfShard && room > 0 && this.bufferedBytes < this.capacityBytes) waits.push(this.cursor.waitForRecords(controller.signal).catch(() => undefined));
    let timer: NodeJS.Timeout | undefined;
    if (deadline !== Infinity) waits.push(new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - now)))));
    try {
      await Promise.race(waits);
    } finally {
      controller.abort();
      if (timer) clearTimeout(timer);
      this.wake = undefined;
      this.poked = false;
    }
  }

  /** Marks records finished and moves the position over every finished record at the front. */
  private finish(indexes: readonly number[]): void {
    for (const i of indexes) this.finishedFlags[i - this.base] = true;
    let last = -1;
    while (this.head < this.base + this.seqs.length && this.finishedFlags[this.head - this.base]) {
      if (this.lastOfRecord[this.head - this.base]) last = this.head;
      this.head++;
    }
    const moved = last >= 0;
    if (moved) this.position = { after: this.seqs[last - this.base]! };
    // Drop what is behind the position now and then, not on every batch.
    const behind = this.head - this.base;
    if (behind > 4096 && behind * 2 > this.seqs.length) {
      this.seqs.splice(0, behind);
      this.lastOfRecord.splice(0, behind);
      this.finishedFlags.splice(0, behind);
      this.base = this.head;
    }
    if (moved) this.ctx.progressed();
  }

  private async runBatch(records: BatchRecord[], indexes: number[]): Promise<void> {
    const m = this.ctx.mapping;
    const subs: SubBatch[] = [{ records, indexes, attempts: 0 }];
    let lastError: { errorType: string; errorMessage: string } | undefined;
    let lastRequestId: string | undefined;
    while (subs.length > 0) {
      if (this.stopping) return;
      const sub = subs[0]!;
      if (m.maximumRecordAgeInSeconds >= 0) {
        // Arrival times never decrease in a shard, so the records too old to send are a prefix.
        const oldest = this.ctx.clock.now() - m.maximumRecordAgeInSeconds * 1000;
        let k = 0;
        while (k < sub.records.length && sub.records[k]!.arrivalTimestamp < oldest) k++;
        if (k > 0) {
          await this.giveUp(sub.records.slice(0, k), sub.indexes.slice(0, k), 'RecordAgeExceeded', sub.attempts, lastError, lastRequestId);
          sub.records = sub.records.slice(k);
          sub.indexes = sub.indexes.slice(k);
          if (sub.records.length === 0) {
            subs.shift();
            continue;
          }
        }
      }
      const outcome = await this.invoke(sub.records, false, false);
      lastRequestId = outcome.requestId;
      const verdict = this.judge(outcome, sub.records);
      this.ctx.invoked(sub.records.length, verdict.ok ? 'ok' : verdict.failedFrom > 0 ? 'partial' : 'error');
      if (verdict.ok || verdict.failedFrom > 0) this.keepWindowState(verdict.result, sub.records);
      if (verdict.ok) {
        this.finish(sub.indexes);
        subs.shift();
        continue;
      }
      lastError = verdict.error;
      if (verdict.failedFrom > 0) {
        this.finish(sub.indexes.slice(0, verdict.failedFrom));
        sub.records = sub.records.slice(verdict.failedFrom);
        sub.indexes = sub.indexes.slice(verdict.failedFrom);
      }
      // Bisecting does not use up retries: each half starts with the attempts its parent had.
      if (m.bisectBatchOnFunctionError && sub.records.length > 1) {
        const half = Math.ceil(sub.records.length / 2);
        subs.splice(0, 1, { records: sub.records.slice(0, half), indexes: sub.indexes.slice(0, half), attempts: sub.attempts }, { records: sub.records.slice(half), indexes: sub.indexes.slice(half), attempts: sub.attempts });
        continue;
      }
      sub.attempts++;
      if (m.maximumRetryAttempts >= 0 && sub.attempts > m.maximumRetryAttempts) {
        await this.giveUp(sub.records, sub.indexes, 'RetryAttemptsExhausted', sub.attempts, lastError, lastRequestId);
        subs.shift();
        continue;
      }
      await this.backoff(sub.attempts);
    }
  }

  /** Sends the window's last invocation (no records, its state) and clears it; retried until it succeeds. */
  private async finishWindow(early: boolean): Promise<void> {
    let attempts = 0;
    while (!this.stopping && this.window !== undefined) {
      const outcome = await this.invoke([], true, early);
      this.ctx.invoked(0, outcome.ok ? 'ok' : 'error');
      if (outcome.ok) {
        this.window = undefined;
        this.ctx.progressed();
        return;
      }
      await this.backoff(++attempts);
    }
  }

  private invoke(records: readonly BatchRecord[], final: boolean, early: boolean): Promise<InvocationOutcome> {
    let window: InvocationRequest['window'];
    if (this.windowMs > 0) {
      const start = final ? this.window!.start : this.windowOf(records[0]!);
      const state = this.window !== undefined && this.window.start === start ? this.window.state : {};
      window = {
        window: { start: new Date(start).toISOString(), end: new Date(start + this.windowMs).toISOString() },
        state,
        isFinalInvokeForWindow: final,
        isWindowTerminatedEarly: early,
      };
    }
    return this.ctx.invoke({
      records,
      shardId: this.shardId,
      eventSourceARN: this.ctx.eventSourceARN,
      awsRegion: this.ctx.awsRegion,
      invokeIdentityArn: this.ctx.invokeIdentityArn,
      ...(window ? { window } : {}),
    });
  }

  /** Success, or the index of the first record to process again (0: the whole batch failed). */
  private judge(outcome: InvocationOutcome, records: readonly BatchRecord[]): Verdict {
    if (!outcome.ok) return { ok: false, failedFrom: 0, error: { errorType: outcome.errorType, errorMessage: outcome.errorMessage } };
    const result = outcome.result as { batchItemFailures?: unknown; state?: unknown } | null;
    if (this.windowMs > 0 && (result === null || typeof result !== 'object' || result.state === null || typeof result.state !== 'object' || Array.isArray(result.state))) {
      return { ok: false, failedFrom: 0, error: { errorType: 'InvalidResponse', errorMessage: 'A function with a tumbling window must answer with a state object.' } };
    }
    if (!this.ctx.mapping.reportBatchItemFailures || result === null || typeof result !== 'object') return { ok: true, result };
    const failures = result.batchItemFailures;
    if (failures === undefined || failures === null || (Array.isArray(failures) && failures.length === 0)) return { ok: true, result };
    const invalid = { ok: false as const, failedFrom: 0, error: { errorType: 'InvalidResponse', errorMessage: `batchItemFailures must be a list of {itemIdentifier} naming sequence numbers of the batch, got ${JSON.stringify(failures).slice(0, 200)}` } };
    if (!Array.isArray(failures)) return invalid;
    let first = records.length;
    for (const f of failures) {
      const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      if (typeof id !== 'string' || id === '') return invalid;
      const at = records.findIndex((r) => r.sequenceNumber === id);
      if (at < 0) return invalid;
      first = Math.min(first, at);
    }
    // Lambda resumes from the lowest sequence number reported, retrying everything after it.
    return { ok: false, failedFrom: first, result, error: { errorType: 'BatchItemFailures', errorMessage: `the function reported ${failures.length} failed record(s), the first ${records[first]!.sequenceNumber}` } };
  }

  private keepWindowState(result: unknown, records: readonly BatchRecord[]): void {
    if (this.windowMs === 0 || records.length === 0) return;
    const state = (result as { state: Record<string, unknown> }).state;
    this.window = { start: this.windowOf(records[0]!), state };
    if (Buffer.byteLength(JSON.stringify(state)) > MAX_WINDOW_STATE_BYTES) {
      // Too much state: this window ends now (its final invocation gets this state) and goes on afresh.
      const task: Promise<void> = this.finishWindow(true)
        .catch((e: unknown) => this.ctx.failed(e))
        .finally(() => this.tasks.delete(task));
      this.tasks.add(task);
    }
  }

  private async giveUp(records: BatchRecord[], indexes: number[], condition: DiscardCondition, attempts: number, lastError: { errorType: string; errorMessage: string } | undefined, requestId: string | undefined): Promise<void> {
    await this.ctx.discard({ shardId: this.shardId, records, condition, attempts, ...(lastError ? { lastError } : {}), ...(requestId ? { requestId } : {}) });
    this.finish(indexes);
  }

  private async backoff(attempts: number): Promise<void> {
    const { initialDelayMs, maxDelayMs } = this.ctx.retry;
    const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempts - 1, 20));
    const until = this.ctx.clock.now() + delay;
    // Real time paces the retries; the clock decides when the delay is over, so tests can move it.
    while (!this.stopping && this.ctx.clock.now() < until) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(delay, 1000));
        this.retryWake.add(() => {
          clearTimeout(t);
          resolve();
        });
      });
      this.retryWake.clear();
    }
  }

  private readonly retryWake = new Set<() => void>();

  /** Ends retry waits early (after a manual clock moved, or on stop). */
  pokeRetries(): void {
    for (const w of this.retryWake) w();
  }
}

/** Which lane a partition key's records go to: a fixed hash, so one key is always in one lane. */
function laneOf(key: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % lanes;
}
