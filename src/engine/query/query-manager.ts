// Starts, stops, lists and resumes continuous queries. Each query's definition and checkpoints live in
// the catalog, so after a restart queries carry on from their checkpointed shard positions (rows after
// the last checkpoint are read again: at-least-once). A catalogued query that cannot resume (its
// stream is gone, its plan no longer builds) stays listed as failed, with its error, until it is
// stopped, which removes it from the catalog like any other query. So does one that failed of its own
// making while it ran (over its CPU budget, say): the catalog records the failure, and running the
// query again after a restart would only meet it again.
import type { HeapWatch } from './heap-watch.js';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { StreamStore } from '../stream/stream-store.js';
import type { Catalog, StoredQuery } from '../catalog/catalog.js';
import { EddyError } from '../errors.js';
import { sourceStream, sourceStreams, type QueryPlan } from '../plan/plan.js';
import { ResultHub } from './result-hub.js';
import type { ResultListener, SubscribeOptions, Subscription } from './result-hub.js';
import { resultShape, type ResultShape } from './result-shape.js';
import { RunningQuery, type CheckpointWritten, type RunningQueryOptions } from './running-query.js';
import { exchangeStreamOf, splitPlan, type SplitPlan } from '../plan/split-plan.js';
import { QueryPart } from './split/query-part.js';
import { SplitClusteredQuery } from './split/split-clustered-query.js';
import { ensureExchangeStream } from './split/exchange-stream.js';
import { QueryScheduler } from './query-scheduler.js';
import type { QueryCheckpoint } from '../plan/checkpoint.js';
import type { QueryInfo, QueryStatus } from './running-query.js';
import type { LookupTables } from '../operators/lookup-join.js';
import type { PutTarget } from './stream-sink.js';
import type { UserFunctions } from '../udf/user-functions.js';
import { ClusteredQuery, type QueryCluster, type QuerySummary } from './clustered-query.js';
import type { ResultOutlet } from './result-relay.js';
import type { QueryDefinitionChange } from '../catalog/catalog.js';
import { NO_RESULTS, QueryThreadPool, ThreadQuery } from './threads/query-thread-pool.js';
import { checkpointStatusFrom } from './checkpoint-stats.js';

export interface QueryManagerOptions {
  readonly store: StreamStore;
  /** Where INSERT INTO a stream with a connector writes (default: the store). */
  readonly sinkTarget?: (stream: string) => PutTarget | undefined;
  /** Where query definitions and checkpoints persist; without one they live only in memory. */
  readonly catalog?: Catalog;
  readonly clock?: Clock;
  /** A shard without records for this long stops holding the watermark back (default 30 s). */
  readonly idleTimeoutMs?: number;
  /** Records per batch read from one shard (default 4096). */
  readonly batchSize?: number;
  readonly checkpointIntervalMs?: number;
  readonly idleCheckIntervalMs?: number;
  /** Where new queries start reading (default TRIM_HORIZON: everything retained). */
  readonly startPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** How long one batch or watermark step of a query may take before the query is failed (default 5,000 ms). */
  readonly maxBatchMillis?: number;
  /** What that is measured with (default: a monotonic clock). */
  readonly cpuClock?: Clock;
  /** Milliseconds of query work per pass over the event loop, shared by all queries (default 5). */
  readonly querySliceMs?: number;
  /**
   * Running queries this manager accepts (default 1,000); starting one more is refused with a
   * LimitExceededException. Queries resumed from the catalog at start-up are not refused.
   */
  readonly maxQueries?: number;
  /** State keys each query's aggregates may hold (default 1,000,000); a query that needs more fails. */
  readonly maxStateKeys?: number;
  /** What fails the query holding the most state when the heap fills (default: the process's, at 85% of V8's heap limit). */
  readonly heapWatch?: HeapWatch;
  /** The reference tables lookup joins read. */
  readonly tables?: LookupTables;
  /** User functions (CREATE FUNCTION): the directory they load from; without it, queries calling one fail. */
  readonly userFunctions?: UserFunctions;
  /**
   * Runs catalogued queries on a cluster of Eddy processes (the catalog must be the cluster's shared
   * one): each runs on whichever process holds its lease, checkpointed in the cluster.
   */
  readonly cluster?: QueryCluster;
  /** Where subscribers' rows come from (default: a hub of its own); a cluster's result relay shares it. */
  readonly results?: ResultHub;
  /**
   * Worker threads that run queries (default 0: every query runs on the main thread); see
   * threads/query-thread-pool.ts. Not with a cluster, whose queries follow their leases.
   */
  readonly queryThreads?: number;
  /** The query worker's module where it is not beside the built engine (tests bundle one from the sources). */
  readonly queryThreadModule?: URL;
}

/** Running queries a server accepts unless told otherwise: each costs a read loop and its state. */
export const DEFAULT_MAX_QUERIES = 1000;

export interface StartQueryOptions {
  readonly id?: string;
  readonly name?: string;
  readonly sql: string;
  /**
   * A query that exists only for the client that started it (`eddy sql` printing a SELECT): it is not
   * put in the catalog, so neither its definition nor its checkpoints are written and a restart does
   * not bring it back after its client has gone.
   */
  readonly ephemeral?: boolean;
  /**
   * Where the query starts: the positions (and state) a query of the same plan stopped at, as
   * suspendQuery returned them, or positions chosen by the caller (each shard's last record, to start
   * after everything already in the stream). Written to the catalog with the definition.
   */
  readonly checkpoint?: QueryCheckpoint;
  /**
   * Parts to split the query into over the processes of a cluster (default 1: the query runs whole on
   * one process). See split/split-clustered-query.ts; only a query with a GROUP BY over one stream splits.
   */
  readonly parallelism?: number;
}

/** What the manager holds for each query: a running (or stopped, or failed) one, or one that could not resume. */
interface ManagedQuery {
  readonly info: QueryInfo;
  status(): QueryStatus;
  /** Whether it is running, without building the whole status. */
  readonly running: boolean;
  stop(): Promise<void>;
  poke(): void;
}

/** A catalogued query that could not be rebuilt: nothing runs, but it is listed with its error. */
class UnresumedQuery implements ManagedQuery {
  constructor(private readonly failed: QueryStatus) {}
  get info(): QueryInfo {
    return this.failed;
  }
  status(): QueryStatus {
    return this.failed;
  }
  get running(): boolean {
    return false;
  }
  async stop(): Promise<void> {}
  poke(): void {}
}

export class QueryManager {
  readonly results: ResultHub;
  private readonly queries = new Map<string, ManagedQuery>();
  private readonly clock: Clock;
  private readonly scheduler: QueryScheduler;

  private readonly unwatchCatalog: (() => void) | undefined;

  constructor(private readonly options: QueryManagerOptions) {
    this.clock = options.clock ?? systemClock;
    this.results = options.results ?? new ResultHub();
    if (options.cluster !== undefined && options.catalog === undefined) throw new EddyError('InternalFailure', 'queries on a cluster need the cluster\'s catalog');
    this.unwatchCatalog = options.cluster === undefined ? undefined : options.catalog?.onQueryChange((change) => this.definitionChanged(change));
    const budget = options.maxBatchMillis;
    if (budget !== undefined && !(Number.isFinite(budget) && budget > 0)) {
      throw new EddyError('InvalidArgumentException', `a query's CPU budget per batch must be a positive number of milliseconds, got ${budget}`);
    }
    this.scheduler = new QueryScheduler(options.querySliceMs === undefined ? {} : { sliceMs: options.querySliceMs });
    const max = options.maxQueries ?? DEFAULT_MAX_QUERIES;
    if (!(Number.isSafeInteger(max) && max >= 1)) throw new EddyError('ValidationException', `maxQueries must be a whole number of at least 1, got ${max}`);
    this.maxQueries = max;
    this.threads = options.queryThreads ? this.threadPool(options.queryThreads) : undefined;
  }

  /** The workers queries run on (--query-threads); undefined when every query runs on the main thread. */
  readonly threads: QueryThreadPool | undefined;

  private threadPool(threads: number): QueryThreadPool {
    const o = this.options;
    if (o.cluster !== undefined) {
      throw new EddyError('ValidationException', 'queries cannot run on worker threads on a cluster (--store nats://): there each query runs on the process that holds its lease; leave --query-threads out');
    }
    return new QueryThreadPool({
      threads,
      store: o.store,
      ...(o.sinkTarget === undefined ? {} : { sinkTarget: o.sinkTarget }),
      clock: this.clock,
      results: this.results,
      ...(o.userFunctions === undefined ? {} : { userFunctions: o.userFunctions }),
      ...(o.queryThreadModule === undefined ? {} : { workerModule: o.queryThreadModule }),
      settings: runSettings(o),
    });
  }

  private readonly maxQueries: number;

  /** Validates the plan (building every operator), records the query in the catalog and starts it. */
  async startQuery(plan: QueryPlan, info: StartQueryOptions): Promise<QueryStatus> {
    // First: from the checks below to the query's registration nothing may wait, or two starts could both pass them.
    const lookups = this.streamLookups(plan);
    if (lookups.length > 0) await Promise.all(lookups);
    const id = info.id ?? randomUUID();
    if (this.queries.has(id)) throw new EddyError('ResourceInUseException', `query ${id} already exists`);
    const name = info.name ?? id;
    let running = 0;
    for (const q of this.queries.values()) {
      if (!q.running) continue;
      running++;
      if (q.info.name === name) throw new EddyError('ResourceInUseException', `a query named '${name}' is already running`);
    }
    if (running >= this.maxQueries) {
      throw new EddyError(
        'LimitExceededException',
        `query limit reached: this server runs at most ${this.maxQueries.toLocaleString('en-US')} queries at once (--max-queries); stop one with DELETE /v1/queries/:id first`,
      );
    }
    const parallelism = info.parallelism ?? 1;
    const stored: StoredQuery = {
      id,
      name,
      sql: info.sql,
      plan,
      createdAt: this.clock.now(),
      ...(info.checkpoint === undefined ? {} : { checkpoint: info.checkpoint }),
      ...(parallelism === 1 ? {} : { parallelism }),
    };
    if (parallelism !== 1) return this.startSplit(stored, info);
    if (this.options.cluster !== undefined && info.ephemeral !== true) return this.startClustered(stored);
    const catalog = info.ephemeral === true ? undefined : this.options.catalog;
    const query = this.create(stored, info.checkpoint, catalog);
    try {
      await catalog?.putQuery(stored);
    } catch (e) {
      // Not started, so not kept: neither listed here nor resumed by a later catalog write.
      this.queries.delete(id);
      await catalog?.removeQuery(id).catch(() => undefined);
      throw e;
    }
    query.start();
    return query.status();
  }

  /**
   * The store's reads, from a shared storage, of the streams a new query reads and writes that this
   * process has not heard of yet (created through another process a moment ago), so that building the
   * query finds them; none where every stream is known.
   */
  private streamLookups(plan: QueryPlan): Promise<void>[] {
    const written = [plan.sink.kind === 'stream' ? plan.sink.stream : undefined, plan.badRecords?.stream, plan.lateRows?.stream];
    const lookups: Promise<void>[] = [];
    for (const stream of [...sourceStreams(plan), ...written]) {
      const lookup = stream === undefined ? undefined : this.options.store.knowStream(stream);
      if (lookup !== undefined) lookups.push(lookup);
    }
    return lookups;
  }

  /** Stops a query and forgets it (its catalog entry goes too); also how a query that could not resume is dropped. */
  async stopQuery(id: string): Promise<void> {
    const q = this.get(id);
    this.queries.delete(id);
    if (q instanceof SplitClusteredQuery) {
      await this.options.catalog?.removeQuery(id);
      await q.stop();
      await removeSplitQuery(this.options, q);
      return;
    }
    if (q instanceof ClusteredQuery) {
      // The definition goes first: every other process then stops following the query too.
      await this.options.catalog?.removeQuery(id);
      await q.stop();
      await this.options.cluster?.checkpoints.remove(id);
      return;
    }
    // The definition goes first, so the catalog skips the final checkpoint of a query that is going away.
    const removed = this.options.catalog?.removeQuery(id);
    try {
      await q.stop();
    } finally {
      await removed;
    }
  }

  /**
   * Stops a query with a final checkpoint and forgets it, returning where it stood (its positions and
   * operator state, whole), so that starting the same plan again with that checkpoint loses and repeats
   * nothing. Undefined for a query that kept no checkpoint (one that could not resume, or failed).
   */
  async suspendQuery(id: string): Promise<QueryCheckpoint | undefined> {
    const q = this.get(id);
    const catalog = this.options.catalog;
    // The definition stays in the catalog until the final checkpoint is in, so the checkpoint is kept.
    await q.stop();
    this.queries.delete(id);
    const checkpoint = q.status().status === 'failed' ? undefined : catalog?.query(id)?.checkpoint;
    await catalog?.removeQuery(id);
    return checkpoint;
  }

  listQueries(): QueryStatus[] {
    return [...this.queries.values()].map((q) => q.status());
  }

  queryStatus(id: string): QueryStatus {
    return this.get(id).status();
  }

  /** Subscribes to a query's result rows; a query that already failed reports its error at once. */
  subscribe(id: string, listener: ResultListener, options?: SubscribeOptions): Subscription {
    const status = this.get(id).status();
    const subscription = this.results.subscribe(id, listener, options);
    const q = this.get(id);
    if (q instanceof ThreadQuery) q.subscribed(this.results.subscriberCount(id));
    // On a cluster the query may run, now or later, on another process: its rows are relayed here.
    if (isClustered(this.get(id))) this.options.cluster?.relay.follow(id);
    if (status.status !== 'running') {
      subscription.unsubscribe();
      queueMicrotask(() => (status.status === 'failed' ? listener.onError?.(status.error ?? 'query failed') : listener.onEnd?.()));
    }
    return subscription;
  }

  /**
   * Restarts every query the catalog holds from its last checkpoint. Those that cannot be rebuilt are
   * kept as failed, with their error, so they are listed (and can be stopped) like any other query.
   */
  async resumeQueries(): Promise<QueryStatus[]> {
    const catalog = this.options.catalog;
    if (!catalog) return [];
    const resumed: QueryStatus[] = [];
    for (const stored of catalog.queries()) {
      if (this.queries.has(stored.id)) continue;
      if (this.options.cluster !== undefined) {
        const q = this.follow(stored);
        await q.begin();
        resumed.push(q.status());
        continue;
      }
      if (stored.failure !== undefined) {
        const failed = new UnresumedQuery(this.failedStatus(stored, stored.failure));
        this.queries.set(stored.id, failed);
        resumed.push(failed.status());
        continue;
      }
      try {
        const q = this.create(stored, stored.checkpoint);
        q.start();
        resumed.push(q.status());
      } catch (e) {
        const failed = new UnresumedQuery(this.failedStatus(stored, `could not resume: ${e instanceof Error ? e.message : String(e)}`));
        this.queries.set(stored.id, failed);
        resumed.push(failed.status());
      }
    }
    return resumed;
  }

  private failedStatus(stored: StoredQuery, error: string): QueryStatus {
    return this.statusOf(stored, 'failed', { error });
  }

  /** The status of a query that does not run here: failed, or running on another process of a cluster. */
  private statusOf(stored: StoredQuery, state: QueryStatus['status'], extra: { error?: string; process?: string; summary?: QuerySummary }): QueryStatus {
    const s = extra.summary;
    return {
      id: stored.id,
      name: stored.name,
      sql: stored.sql,
      status: state,
      ...(extra.error === undefined ? {} : { error: extra.error }),
      columns: stored.plan.columns ?? [],
      sink: stored.plan.sink,
      stream: sourceStream(stored.plan),
      streams: sourceStreams(stored.plan),
      inputRecords: s?.inputRecords ?? 0,
      outputRows: s?.outputRows ?? 0,
      lateRows: s?.lateRows ?? 0,
      decodeErrors: s?.decodeErrors ?? 0,
      watermark: s?.watermark ?? null,
      lagMs: s?.lagMs ?? 0,
      shards: [],
      stateEntries: s?.stateEntries ?? 0,
      result: storedShape(stored.plan),
      startedAt: s?.startedAt ?? this.clock.now(),
      checkpoints: checkpointStatusFrom(s?.checkpoints),
      ...(extra.process === undefined ? {} : { process: extra.process }),
    };
  }

  /** Starts a query of the cluster: checked by building it, run here if its lease can be taken, and catalogued for every process. */
  private async startClustered(stored: StoredQuery): Promise<QueryStatus> {
    const check = this.build(stored, undefined, this.results, undefined);
    await check.stop();
    const q = this.follow(stored);
    // The lease first: the process a query was started through runs it, unless it cannot.
    await q.begin();
    try {
      await this.options.catalog!.putQuery(stored);
    } catch (e) {
      this.queries.delete(stored.id);
      await q.stop();
      throw e;
    }
    return q.status();
  }

  /** Checks a split query can be split and run, makes its exchange stream, and starts it as a query of the cluster. */
  private async startSplit(stored: StoredQuery, info: StartQueryOptions): Promise<QueryStatus> {
    const cluster = this.options.cluster;
    if (cluster === undefined || info.ephemeral === true) {
      throw new EddyError('ValidationException', `a query split into parts (parallelism ${stored.parallelism}) runs on a cluster of Eddy processes sharing a NATS JetStream store (--store nats://…); this one runs whole on one process`);
    }
    const split = splitPlan(stored.plan, stored.parallelism ?? 1, exchangeStreamOf(stored.id));
    const check = new QueryPart(stored, split, 0, { store: this.options.store, clock: this.clock, results: this.results });
    await check.stop();
    await ensureExchangeStream(this.options.store, split.exchangeStream, split.parts);
    const q = this.follow(stored);
    try {
      await q.begin();
      await this.options.catalog!.putQuery(stored);
    } catch (e) {
      this.queries.delete(stored.id);
      await q.stop();
      if (q instanceof SplitClusteredQuery) await removeSplitQuery(this.options, q);
      throw e;
    }
    return q.status();
  }

  /** Knows a catalogued query of the cluster here, running it (or its parts) when this process takes its lease. */
  private follow(stored: StoredQuery): ClusteredQuery | SplitClusteredQuery {
    const cluster = this.options.cluster!;
    const catalog = this.options.catalog!;
    const common = { cluster, hub: this.results, statusOf: this.statusOf.bind(this) };
    // What a run (a query or a part) reports through: its checkpoints, and its own failure, recorded so that it runs nowhere.
    const hooks = (id: string, onCheckpoint: (cp: QueryCheckpoint) => Promise<CheckpointWritten>, onFailureFromOutside: (error: string) => void) => ({
      onCheckpoint,
      onFailure: (error: string): void => void catalog.recordQueryFailure(id, error).catch(() => undefined),
      onFailureFromOutside,
    });
    if ((stored.parallelism ?? 1) > 1) {
      let split: SplitPlan;
      try {
        split = splitPlan(stored.plan, stored.parallelism!, exchangeStreamOf(stored.id));
      } catch (e) {
        // A plan this version cannot split: kept as failed, and can be stopped.
        stored = { ...stored, failure: `could not resume: ${e instanceof Error ? e.message : String(e)}` };
        split = { parts: stored.parallelism!, sender: () => stored.plan, receiver: () => stored.plan, exchangeColumns: [], keyCount: 0, exchangeStream: exchangeStreamOf(stored.id) };
      }
      const q = new SplitClusteredQuery(stored, {
        ...common,
        spreadMs: cluster.leases.timeoutMs,
        buildPart: (s, part, checkpoint, onCheckpoint, results, onFailureFromOutside) =>
          new QueryPart(s, split, part, { ...this.runOptions(checkpoint, results), ...hooks(s.id, onCheckpoint, onFailureFromOutside) }),
      });
      this.queries.set(stored.id, q);
      return q;
    }
    const q = new ClusteredQuery(stored, {
      ...common,
      build: (s, checkpoint, onCheckpoint, results, onFailureFromOutside) => this.build(s, checkpoint, results, hooks(s.id, onCheckpoint, onFailureFromOutside)),
    });
    this.queries.set(stored.id, q);
    return q;
  }

  /** A query another process started, stopped or recorded as failed (or this one: the bucket echoes it). */
  private definitionChanged(change: QueryDefinitionChange): void {
    if (change.type === 'removed') {
      const q = this.queries.get(change.id);
      if (!isClustered(q)) return;
      this.queries.delete(change.id);
      void q.stop();
      return;
    }
    const known = this.queries.get(change.query.id);
    if (isClustered(known)) {
      if (change.query.failure !== undefined) known.failedElsewhere(change.query.failure);
      return;
    }
    if (known !== undefined) return;
    void this.follow(change.query).begin();
  }

  /** Wakes every query so it re-judges idle shards against the clock (also happens on a timer). */
  checkIdle(): void {
    for (const q of this.queries.values()) q.poke();
  }

  /** Stops every query with a final checkpoint, keeping them in the catalog to resume later. */
  async close(): Promise<void> {
    this.unwatchCatalog?.();
    const all = [...this.queries.values()];
    this.queries.clear();
    await Promise.all(all.map((q) => (isClustered(q) ? q.shutdown() : q.stop())));
    await this.threads?.close();
    await this.options.catalog?.flush();
  }

  private create(stored: StoredQuery, checkpoint: QueryCheckpoint | undefined, catalog = this.options.catalog): RunningQuery | ThreadQuery {
    const persist = catalog
      ? {
          onCheckpoint: (cp: QueryCheckpoint) => catalog.saveCheckpoint(stored.id, cp),
          // A failed write is retried by the catalog's next write, which saves every definition.
          onFailure: (error: string) => void catalog.recordQueryFailure(stored.id, error).catch(() => undefined),
        }
      : undefined;
    const threads = this.threads;
    // On a worker, the query is built here first all the same: a plan that does not build is refused as it would be.
    const query = threads?.accepts(stored.plan) ? threads.assign(this.build(stored, checkpoint, NO_RESULTS, undefined), checkpoint, persist) : this.build(stored, checkpoint, this.results, persist);
    this.queries.set(stored.id, query);
    return query;
  }

  /** A query's run, not started: resuming from `checkpoint`, results to `results`, checkpoints and failures to `persist`. */
  private build(
    stored: StoredQuery,
    checkpoint: QueryCheckpoint | undefined,
    results: ResultOutlet,
    persist: { onCheckpoint: (cp: QueryCheckpoint) => Promise<CheckpointWritten>; onFailure: (error: string) => void; onFailureFromOutside?: (error: string) => void } | undefined,
  ): RunningQuery {
    return new RunningQuery({ id: stored.id, name: stored.name, sql: stored.sql }, stored.plan, { ...this.runOptions(checkpoint, results), ...persist });
  }

  /** How this manager runs a query, resuming from `checkpoint` and with its results to `results`. */
  private runOptions(checkpoint: QueryCheckpoint | undefined, results: ResultOutlet): RunningQueryOptions {
    const o = this.options;
    return {
      store: o.store,
      ...(o.sinkTarget === undefined ? {} : { sinkTarget: o.sinkTarget }),
      clock: this.clock,
      results,
      scheduler: this.scheduler,
      ...(o.heapWatch === undefined ? {} : { heapWatch: o.heapWatch }),
      ...(o.tables === undefined ? {} : { tables: o.tables }),
      ...(o.userFunctions === undefined ? {} : { userFunctions: o.userFunctions }),
      ...runSettings(o),
      ...(o.cpuClock === undefined ? {} : { cpuClock: o.cpuClock }),
      ...(checkpoint === undefined ? {} : { checkpoint }),
    };
  }

  private get(id: string): ManagedQuery {
    const q = this.queries.get(id);
    if (!q) throw new EddyError('ResourceNotFoundException', `query ${id} not found`);
    return q;
  }
}

/** Whether a query is one of a cluster's: run by whichever process holds its lease (or its parts' leases). */
/** The settings of a query's run the manager's options give, the same on the main thread and on a worker. */
function runSettings(o: QueryManagerOptions) {
  return {
    ...(o.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: o.idleTimeoutMs }),
    ...(o.batchSize === undefined ? {} : { batchSize: o.batchSize }),
    ...(o.checkpointIntervalMs === undefined ? {} : { checkpointIntervalMs: o.checkpointIntervalMs }),
    ...(o.idleCheckIntervalMs === undefined ? {} : { idleCheckIntervalMs: o.idleCheckIntervalMs }),
    ...(o.startPosition === undefined ? {} : { startPosition: o.startPosition }),
    ...(o.maxBatchMillis === undefined ? {} : { maxBatchMillis: o.maxBatchMillis }),
    ...(o.maxStateKeys === undefined ? {} : { maxStateKeys: o.maxStateKeys }),
  };
}

function isClustered(q: ManagedQuery | undefined): q is ClusteredQuery | SplitClusteredQuery {
  return q instanceof ClusteredQuery || q instanceof SplitClusteredQuery;
}

/** A stopped split query's checkpoints and exchange stream go. */
async function removeSplitQuery(options: QueryManagerOptions, q: SplitClusteredQuery): Promise<void> {
  for (const id of q.checkpointIds) await options.cluster?.checkpoints.remove(id);
  await options.store.deleteStream(exchangeStreamOf(q.info.id), { enforceConsumerDeletion: true }).catch(() => undefined);
}

/** A stored plan's result shape, found defensively: the plan may be one this version cannot read. */
function storedShape(plan: QueryPlan): ResultShape {
  try {
    return resultShape(plan);
  } catch {
    return { changelog: 'append', keys: [] };
  }
}
