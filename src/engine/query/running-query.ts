// One continuous query at run time: follows every shard of each of its sources' streams (resharding
// included; see source-reader.ts), feeds decoded batches through the pipeline, advances each source's
// watermark, delivers result rows to its sink and checkpoints its shard positions together with its
// operators' state.
//
// A checkpoint is taken between two steps of the read loop, after the step's rows have been handed to
// the subscribers or acknowledged by the INSERT INTO stream, so it never records a position whose
// output could be lost. It is written in the background while results keep flowing: one write at a
// time, and checkpoints that fall due while one is being written are folded into the next one, taken
// at the first step after it ends.
//
// Each batch and each watermark step runs within the query's CPU budget (see cpu-budget.ts); a query
// that runs over it is failed rather than left to hold the thread every API shares.
import { processHeapWatch, type HeapWatch } from './heap-watch.js';
import type { Clock } from '../clock.js';
import type { QueryPlan } from '../plan/plan.js';
import { KDA_STREAM_PREFIX, type ColumnSchema } from '../plan/schema.js';
import type { QueryStore } from './query-store.js';
import { EddyError, isEddyError } from '../errors.js';
import { batchToRows } from '../batch/rows.js';
import { CpuBudget } from './cpu-budget.js';
import { formatTimestamp } from '../batch/timestamp.js';
import { Pipeline, type BadRecord } from './pipeline.js';
import { resultShape, type ResultShape } from './result-shape.js';
import type { ResultOutlet } from './result-relay.js';
import { StreamSink, type PutTarget } from './stream-sink.js';
import { LateRowSink } from './late-row-sink.js';
import { BadRecordSink } from './bad-record-sink.js';
import { DecodeWarnings } from './decode-warnings.js';
import type { UserFunctionRuntime, UserFunctions } from '../udf/user-functions.js';
import type { QueryScheduler } from './query-scheduler.js';
import type { QueryCheckpoint, SourceCheckpoint } from '../plan/checkpoint.js';
import { SourceReader, type QuerySource } from './source-reader.js';
import { WorkWaiter } from './work-waiter.js';
import type { LookupTables } from '../operators/lookup-join.js';
import type { QueryPartStatus } from './split/split-clustered-query.js';
import { CheckpointStats, type CheckpointStatus } from './checkpoint-stats.js';

export type QueryState = 'running' | 'stopped' | 'failed';

export interface QueryInfo {
  readonly id: string;
  readonly name: string;
  readonly sql: string;
}

export interface QueryStatus extends QueryInfo {
  readonly status: QueryState;
  readonly error?: string;
  readonly columns: readonly ColumnSchema[];
  readonly sink: QueryPlan['sink'];
  /** The stream the query reads (the first, for a join). */
  readonly stream: string;
  /** Every stream the query reads, in plan order (two for a join of two streams). */
  readonly streams: readonly string[];
  readonly inputRecords: number;
  readonly outputRows: number;
  readonly lateRows: number;
  readonly decodeErrors: number;
  readonly lastDecodeError?: string;
  /** The record `lastDecodeError` is about. */
  readonly lastBadRecord?: BadRecord;
  /** ISO-8601, or null before the first watermark. */
  readonly watermark: string | null;
  /** How far behind the newest record in its shards the query is reading (largest over shards), ms. */
  readonly lagMs: number;
  /** The shards being read now, each with its own watermark and lag. */
  readonly shards: readonly ShardStatus[];
  /** Entries the query's operators hold: groups of a GROUP BY, rows a join keeps (bounded by the state limit). */
  readonly stateEntries: number;
  /** How subscribers should read the rows: appended or a changelog, keyed by which columns, windowed how. */
  readonly result: ResultShape;
  /** Epoch ms. */
  readonly startedAt: number;
  /** Its checkpoints: how many were saved (durably) or failed, and the last one saved. */
  readonly checkpoints: CheckpointStatus;
  /**
   * On a cluster: the Eddy process running the query (`host:pid` unless named), as this process last
   * heard; absent while no process holds it. The figures above are that process's.
   */
  readonly process?: string;
  /** A split query's parts (StoredQuery.parallelism): how many, and each one's figures and process. */
  readonly parallelism?: number;
  readonly parts?: readonly QueryPartStatus[];
}

export interface ShardStatus {
  readonly shardId: string;
  /** The shard's stream, for a query that reads more than one. */
  readonly stream?: string;
  /** The shard's own watermark (its largest event time minus the delay), ISO-8601; null before its first row. */
  readonly watermark: string | null;
  /** No records for longer than the idle timeout, so it does not hold the query's watermark back. */
  readonly idle: boolean;
  /** How far behind the shard's newest record the query is reading, ms. */
  readonly lagMs: number;
}

export interface RunningQueryOptions {
  readonly store: QueryStore;
  /** Where INSERT INTO a stream with a connector writes (default: the store). */
  readonly sinkTarget?: (stream: string) => PutTarget | undefined;
  readonly clock: Clock;
  readonly results: ResultOutlet;
  readonly idleTimeoutMs?: number;
  /** Records read from one shard per batch. */
  readonly batchSize?: number;
  readonly checkpointIntervalMs?: number;
  /** How often a query with nothing to read re-checks idle shards. */
  readonly idleCheckIntervalMs?: number;
  /** Where a new query starts in shards it has no checkpoint for. */
  readonly startPosition?: 'TRIM_HORIZON' | 'LATEST';
  readonly checkpoint?: QueryCheckpoint;
  /**
   * Persists a checkpoint; resolves once it is durable. Called at most once at a time, while the query
   * goes on running: it must take what it needs from the checkpoint before returning (the catalog
   * serialises it at once), as operators may reuse parts of their snapshots. A rejection fails the query.
   * Resolving to `false` says the checkpoint was not saved and the query is to go on all the same (its
   * owner deals with it: a cluster's run whose query was claimed by another process is being let go);
   * the status counts it as failed.
   */
  readonly onCheckpoint?: (checkpoint: QueryCheckpoint) => Promise<CheckpointWritten>;
  /** How long one batch or watermark step may take, in ms of main-thread time (default 5,000). */
  readonly maxBatchMillis?: number;
  /** What the CPU budget is measured with (default: a monotonic clock). */
  readonly cpuClock?: Clock;
  /**
   * Told when the query fails of its own making (its CPU budget, its stream deleted, an error in its
   * operators): such a failure would recur if the query were run again, so it is worth remembering.
   * Failures from outside (a checkpoint or result write that failed) are not reported here.
   */
  readonly onFailure?: (error: string) => void;
  /**
   * Told, instead of the subscribers, when the query fails from outside (a checkpoint or a result write
   * that failed): on a cluster the query is then run again from its last checkpoint, here or elsewhere.
   * Without it such a failure fails the query like any other.
   */
  readonly onFailureFromOutside?: (error: string) => void;
  /** Shares the event loop with the other queries and with I/O; without one, each step takes a pass of its own. */
  readonly scheduler?: QueryScheduler;
  /** State keys each aggregate may hold before the query fails (default 1,000,000). */
  readonly maxStateKeys?: number;
  /** What fails the query holding the most state when the heap fills (default: the process's). */
  readonly heapWatch?: HeapWatch;
  /** The reference tables lookup joins read. */
  readonly tables?: LookupTables;
  /** How often, at most, subscribers are told that records did not decode (default 5 s of the clock). */
  readonly warningIntervalMs?: number;
  /** User functions (CREATE FUNCTION) the query's expressions may call; it runs them in a worker of its own. */
  readonly userFunctions?: UserFunctions;
  /** Reads the plan's sources otherwise than from their streams' shards (a split query's exchange, see split/). */
  readonly sources?: (pipeline: Pipeline, checkpoint: QueryCheckpoint | undefined) => QuerySource[];
}

/** What onCheckpoint resolves to: nothing once the checkpoint is durable, `false` when it was not saved. */
export type CheckpointWritten = void | false;

export const DEFAULT_BATCH_SIZE = 4096;
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 5000;

export class RunningQuery {
  readonly pipeline: Pipeline;
  readonly stream: string;
  private state: QueryState = 'running';
  private error: string | undefined;
  /** One per group of the plan's sources that read the same (most plans: one per source), in plan order. */
  private readonly readers: readonly QuerySource[];
  /** The reader of each source of the plan. */
  private readonly readerOf: readonly QuerySource[];
  private readonly abort = new AbortController();
  private readonly waiter = new WorkWaiter(this.abort.signal);
  private loop: Promise<void> | undefined;
  /** The watermark each source last passed to the pipeline. */
  private readonly lastWatermarks: number[];
  private readonly sink: StreamSink | undefined;
  private readonly lateRowSink: LateRowSink | undefined;
  private readonly badRecordSink: BadRecordSink | undefined;
  private readonly warnings: DecodeWarnings;
  private readonly startedAt: number;
  private readonly shape: ResultShape;
  private lastCheckpointAt: number;
  private readonly checkpointStats: CheckpointStats;
  /** The checkpoint being written in the background (it never rejects: a failure fails the query). */
  private checkpointWrite: Promise<void> | undefined;
  /** Counts loop steps that read records or finished shards, to tell whether a checkpoint is stale. */
  private progress = 0;
  private readonly budget: CpuBudget;
  private readonly udfs: UserFunctionRuntime | undefined;

  constructor(
    readonly info: QueryInfo,
    readonly plan: QueryPlan,
    private readonly options: RunningQueryOptions,
  ) {
    this.budget = new CpuBudget(options.maxBatchMillis, options.cpuClock);
    this.udfs = options.userFunctions?.runtime();
    this.pipeline = new Pipeline(plan, options.clock, this.budget, options.maxStateKeys, info.id, this.udfs, options.tables);
    this.shape = resultShape(plan);
    const checkpoint = options.checkpoint;
    const checkpointOf = (i: number): SourceCheckpoint | undefined => (checkpoint === undefined ? undefined : i === 0 ? checkpoint : (checkpoint.sources?.[i - 1] ?? { shards: {} }));
    this.readers = options.sources?.(this.pipeline, checkpoint) ?? readerGroups(this.pipeline.sourceGroups, checkpointOf).map((indexes) => {
      const from = checkpointOf(indexes[0]!);
      return new SourceReader(this.pipeline, indexes, {
        store: options.store,
        clock: options.clock,
        ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
        ...(options.startPosition === undefined ? {} : { startPosition: options.startPosition }),
        ...(from === undefined ? {} : { checkpoint: from }),
      });
    });
    const readerOf: QuerySource[] = [];
    for (const r of this.readers) for (const i of r.indexes) readerOf[i] = r;
    this.readerOf = readerOf;
    this.lastWatermarks = this.readers.map(() => -Infinity);
    this.stream = this.readers[0]!.stream;
    const sink = plan.sink;
    if (sink.kind === 'stream') {
      if (this.readers.some((r) => r.stream === sink.stream)) throw new EddyError('ValidationException', `a query cannot INSERT INTO the stream it reads ('${sink.stream}')`);
      if (sink.arrivalTimeColumn !== undefined) checkArrivalTimeColumn(plan, sink.stream, sink.arrivalTimeColumn);
      this.sink = new StreamSink(options.sinkTarget?.(sink.stream) ?? options.store, sink.stream, sink.partitionKeyColumn, this.shape.changelog === 'append' ? undefined : this.shape.keys, sink.recordFormat, sink.arrivalTimeColumn);
    }
    if (plan.lateRows) this.lateRowSink = new LateRowSink(options.store, plan.lateRows.stream, this.stream);
    if (plan.badRecords) this.badRecordSink = new BadRecordSink(options.store, plan.badRecords.stream, info.id, this.stream);
    this.warnings = new DecodeWarnings(options.clock, options.warningIntervalMs);
    if (options.checkpoint?.operators) this.pipeline.restore(options.checkpoint.operators);
    for (const changes of options.checkpoint?.changes ?? []) this.pipeline.restoreChanges(changes);
    this.startedAt = options.clock.now();
    this.lastCheckpointAt = this.startedAt;
    this.checkpointStats = new CheckpointStats(options.clock);
  }

  get id(): string {
    return this.info.id;
  }

  /**
   * Starts reading on the next turn of the event loop, so a caller can subscribe to the results
   * first. Subscribers see the rows emitted after they subscribe.
   */
  start(): void {
    this.loop ??= new Promise<void>((r) => setImmediate(r)).then(() => this.run());
  }

  /** Stops reading; resolves once the loop has ended (with a final checkpoint when it ended cleanly). */
  async stop(): Promise<void> {
    this.abort.abort();
    this.wake();
    // A query built and never started (its lease went elsewhere) has no loop to close its functions' worker.
    if (this.loop === undefined) this.udfs?.close();
    await this.loop;
    await this.checkpointWrite;
    const save = this.options.onCheckpoint;
    if (this.state === 'running') {
      this.state = 'stopped';
      if (save) await this.saveCheckpoint(save);
    }
    this.pipeline.close();
    this.options.results.end(this.id);
  }

  /** Wakes a waiting query so it re-reads the clock (idle shards) and its shards. */
  poke(): void {
    this.wake();
  }

  get running(): boolean {
    return this.state === 'running';
  }

  status(): QueryStatus {
    const m = this.pipeline.metrics;
    let lag = 0;
    for (const r of this.readers) lag = Math.max(lag, r.lagMs);
    const wm = Math.min(...this.lastWatermarks);
    const several = this.readerOf.length > 1;
    return {
      ...this.info,
      status: this.state,
      ...(this.error === undefined ? {} : { error: this.error }),
      columns: this.plan.columns,
      sink: this.plan.sink,
      stream: this.stream,
      streams: this.readerOf.map((r) => r.stream),
      inputRecords: m.inputRecords,
      outputRows: m.outputRows,
      lateRows: m.lateRows,
      decodeErrors: m.decodeErrors,
      ...(m.lastDecodeError === undefined ? {} : { lastDecodeError: m.lastDecodeError }),
      ...(m.lastBadRecord === undefined ? {} : { lastBadRecord: m.lastBadRecord }),
      watermark: Number.isFinite(wm) ? formatTimestamp(wm) : null,
      lagMs: lag,
      shards: this.readerOf.flatMap((r) => r.shardStatuses().map((s) => (several ? { ...s, stream: r.stream } : s))),
      stateEntries: this.pipeline.stateEntries(),
      result: this.shape,
      startedAt: this.startedAt,
      checkpoints: this.checkpointStats.status(),
    };
  }

  /**
   * Takes the next checkpoint. It may hold only what changed since the one before (see
   * Pipeline.checkpointState), so each one taken must be saved, in order.
   */
  checkpoint(): QueryCheckpoint {
    const [first, ...others] = this.readerOf.map((r) => r.checkpoint());
    const state = this.pipeline.checkpointState();
    return { ...first!, ...(others.length > 0 ? { sources: others } : {}), ...('changes' in state ? { changes: [state.changes] } : state) };
  }

  /** Takes a checkpoint now and writes it in the background, unless the previous one is still being written. */
  private checkpointInBackground(): void {
    const save = this.options.onCheckpoint;
    if (!save || this.checkpointWrite) return;
    const progress = this.progress;
    this.checkpointWrite = this.saveCheckpoint(save).then(
      () => {
        this.checkpointWrite = undefined;
        // Checkpoints that fell due meanwhile were skipped; an idle loop wakes to take the next one.
        if (this.progress !== progress && this.checkpointDue()) this.wake();
      },
      (e: unknown) => {
        this.checkpointWrite = undefined;
        // A checkpoint over its bound is the query's own doing; a write the store refused is not.
        this.fail(e, isEddyError(e) && e.fault === 'user');
        this.abort.abort();
        this.wake();
      },
    );
  }

  /**
   * Takes a checkpoint now (before returning: the loop goes on meanwhile) and writes it through `save`,
   * counting in the status how that went; a failure to take or write it rejects.
   */
  private async saveCheckpoint(save: (checkpoint: QueryCheckpoint) => Promise<CheckpointWritten>): Promise<void> {
    const takenAt = (this.lastCheckpointAt = this.options.clock.now());
    let written: CheckpointWritten;
    try {
      written = await save(this.checkpoint());
    } catch (e) {
      this.checkpointStats.notSaved();
      throw e;
    }
    if (written === false) this.checkpointStats.notSaved();
    else this.checkpointStats.saved(takenAt);
  }

  private checkpointDue(): boolean {
    return this.options.clock.now() - this.lastCheckpointAt >= (this.options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS);
  }

  private async run(): Promise<void> {
    const store = this.options.store;
    const unsubscribe = store.onStreamEvent((e) => {
      const readers = this.readers.filter((r) => r.stream === e.streamName);
      if (readers.length === 0) return;
      if (e.type === 'deleted') this.abortWith(`stream '${e.streamName}' was deleted`);
      else if (e.type === 'resharded') {
        for (const r of readers) r.rediscover = true;
        this.wake();
      }
    });
    const batchSize = this.options.batchSize ?? DEFAULT_BATCH_SIZE;
    const heap = this.options.heapWatch ?? processHeapWatch;
    const watched = { stateEntries: () => this.pipeline.stateEntries() };
    heap.add(watched);
    try {
      for (const r of this.readers) r.start();
      while (!this.abort.signal.aborted) {
        let read = 0;
        let finished = false;
        for (const r of this.readers) {
          const step = await r.step(batchSize, this.budget);
          // A read may wait on the network (a shared store), and the query may be stopped meanwhile.
          if (this.abort.signal.aborted) break;
          read += step.read;
          finished ||= step.finished;
        }
        if (read > 0 || finished) this.progress++;
        this.advanceWatermark();
        this.advanceTime();
        heap.check(watched);
        await this.deliver();
        if (this.checkpointDue()) this.checkpointInBackground();
        // Woken by new records or not, the next step waits its turn, so records committed meanwhile are read together.
        if (read === 0 && !finished) await this.waitForWork();
        await this.nextTurn();
      }
    } catch (e) {
      const gone = isEddyError(e) && e.code === 'ResourceNotFoundException' ? this.readers.find((r) => !this.streamExists(r.stream)) : undefined;
      this.fail(gone ? new EddyError('ResourceNotFoundException', `stream '${gone.stream}' was deleted`) : e);
    } finally {
      heap.delete(watched);
      this.udfs?.close();
      unsubscribe();
      for (const r of this.readers) r.close();
      // A failed query stays listed, with its error, until it is deleted; its state is of no more use.
      if (this.state === 'failed') this.pipeline.close();
    }
  }

  private nextTurn(): Promise<void> {
    const scheduler = this.options.scheduler;
    return scheduler ? scheduler.turn() : new Promise<void>((r) => setImmediate(r));
  }

  private streamExists(stream: string): boolean {
    return this.options.store.listStreams().some((s) => s.streamName === stream);
  }

  /**
   * Passes each source's watermark on when it has advanced. A source whose shards have all gone idle
   * does not hold a join back: it takes the watermark of the least advanced source still active (as
   * an idle shard stops holding its own source back), when that is further.
   */
  private advanceWatermark(): void {
    const own = this.readers.map((r) => r.tracker.current());
    let active = Infinity;
    if (own.length > 1) this.readers.forEach((r, i) => !r.idle && (active = Math.min(active, own[i]!)));
    this.readers.forEach((r, i) => {
      const wm = Number.isFinite(active) ? Math.max(own[i]!, r.idle ? active : -Infinity) : own[i]!;
      if (!(wm > this.lastWatermarks[i]!)) return;
      this.lastWatermarks[i] = wm;
      this.budget.start(() => `one watermark step (to ${formatTimestamp(wm)}) of stream ${r.stream}`);
      for (const source of r.indexes) this.pipeline.advanceWatermark(wm, source);
      this.budget.finish();
    });
  }

  /** Lets operators emit what they held for this time (EMIT CHANGES EVERY). */
  private advanceTime(): void {
    const due = this.pipeline.nextTimeMs();
    const now = this.options.clock.now();
    if (due === undefined || now < due) return;
    this.budget.start(() => `emitting the changes held until ${formatTimestamp(due)} of stream ${this.stream}`);
    this.pipeline.advanceTime(now);
    this.budget.finish();
  }

  private async deliver(): Promise<void> {
    if (this.lateRowSink) {
      const late = this.pipeline.takeLateRows();
      if (late.length > 0) await this.lateRowSink.write(late);
    }
    const m = this.pipeline.metrics;
    const warning = this.warnings.due(m.decodeErrors, m.lastBadRecord);
    if (warning) this.options.results.warn(this.id, warning);
    if (this.badRecordSink) {
      const bad = this.pipeline.takeBadRecords();
      if (bad.length > 0) await this.badRecordSink.write(bad);
    }
    const batches = this.pipeline.takeOutput();
    if (batches.length === 0) return;
    const results = this.options.results;
    if (this.sink) {
      await this.sink.writeBatches(batches, this.pipeline.outputColumns);
      return;
    }
    if (results.subscriberCount(this.id) === 0) return;
    results.publish(this.id, batches.flatMap((b) => batchToRows(b, this.pipeline.outputColumns)));
  }

  private wake(): void {
    this.waiter.wake();
  }

  private waitForWork(): Promise<void> {
    return this.waiter.wait(
      (signal) => this.readers.flatMap((r) => r.waits(signal)),
      () => {
        // Held changes that fall due wake the query too (the clock may be another than the timers').
        const due = this.pipeline.nextTimeMs();
        const idleCheck = this.options.idleCheckIntervalMs ?? 1000;
        return due === undefined ? idleCheck : Math.max(0, Math.min(idleCheck, due - this.options.clock.now()));
      },
    );
  }

  private abortWith(message: string): void {
    this.fail(new EddyError('ResourceNotFoundException', message));
    this.abort.abort();
    this.wake();
  }

  /** `ownMaking`: false for a failure from outside, which a later run might not meet. */
  private fail(e: unknown, ownMaking = true): void {
    if (this.state !== 'running') return;
    this.state = 'failed';
    this.error = e instanceof Error ? e.message : String(e);
    const fromOutside = !ownMaking || (isEddyError(e) && e.fault === 'external');
    // Its owner runs the query again (elsewhere, or later): the subscribers stay for the rows to come.
    if (fromOutside && this.options.onFailureFromOutside) return this.options.onFailureFromOutside(this.error);
    this.options.results.fail(this.id, this.error);
    if (!fromOutside) this.options.onFailure?.(this.error);
  }
}

/** A sink's arrival time column is a TIMESTAMP output column, and only an application's stream is written so. */
/**
 * The readers a query needs: one per group of sources that read the same, unless a checkpoint has them
 * at different places (taken before they shared a reader), when each place gets a reader of its own.
 */
function readerGroups(groups: readonly (readonly number[])[], checkpointOf: (source: number) => SourceCheckpoint | undefined): number[][] {
  return groups.flatMap((group) => {
    const byPlace = new Map<string, number[]>();
    for (const i of group) {
      const cp = checkpointOf(i);
      const place = cp === undefined ? '' : JSON.stringify({ shards: cp.shards, watermark: cp.watermark });
      const same = byPlace.get(place);
      if (same === undefined) byPlace.set(place, [i]);
      else same.push(i);
    }
    return [...byPlace.values()];
  });
}

function checkArrivalTimeColumn(plan: QueryPlan, stream: string, column: string): void {
  const found = plan.columns.find((c) => c.name === column);
  if (found?.type !== 'TIMESTAMP' || !stream.startsWith(KDA_STREAM_PREFIX)) {
    throw new EddyError('ValidationException', `a query's records may take their arrival time from a TIMESTAMP column ('${column}') only in an application's stream, not '${stream}'`);
  }
}
