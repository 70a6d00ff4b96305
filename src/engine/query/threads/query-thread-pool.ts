// Continuous queries on worker threads (`eddy serve --query-threads N`): a pool of N workers, each running
// whole queries (plan compiled there, operators, their state and checkpoints taken there), while the main
// thread keeps the HTTP and Kinesis APIs, the store, the catalog and the subscribers. Off by default.
//
// Why the records travel the way they do: a worker reads through the main thread's store. The main thread
// reads a shard as it would for a query of its own and moves the records to the worker in one transferred
// buffer per batch (record-transfer.ts); decoding, expressions, windows and joins run on the worker. Reading
// the shard files from the worker itself would save the main thread that read and copy, but the file logs'
// tail caches, retention, damage checks and resharding live in the main thread's store objects; through
// the store, every store works the same way (a JetStream store too), with the cost measured in BENCHMARKS.md.
//
// What comes back: result rows for the subscribers (the hub stays on the main thread; rows a worker's
// queries have in flight are bounded by MAX_ROWS_IN_FLIGHT, past which they wait), INSERT INTO writes
// (awaited, as on the main thread, so a slow put holds the query back), checkpoints (written by the main
// thread's catalog before the worker goes on), failures and a status snapshot every 100 ms.
//
// What stays on the main thread: queries with lookup joins (their reference tables are the main thread's),
// and every query when the pool is off. A worker that dies (an exception outside any query, out of memory,
// terminated) fails its queries with a message that says so; the failure is not recorded in the catalog,
// so a restart resumes them from their last checkpoint. The next query assigned starts a new worker.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { systemClock, type Clock } from '../../clock.js';
import { EddyError } from '../../errors.js';
import type { QueryCheckpoint } from '../../plan/checkpoint.js';
import { planTables, type QueryPlan } from '../../plan/plan.js';
import type { ShardCursor, StreamStore } from '../../stream/stream-store.js';
import type { UserFunctions } from '../../udf/user-functions.js';
import type { ResultHub } from '../result-hub.js';
import type { ResultOutlet } from '../result-relay.js';
import type { QueryInfo, QueryStatus, RunningQuery } from '../running-query.js';
import type { PutTarget } from '../stream-sink.js';
import { packRecords } from './record-transfer.js';
import { serializeError, type FromWorker, type StoreCall, type ThreadQuerySettings, type ThreadWorkerData, type ToWorker } from './thread-protocol.js';
import { deserializeError } from './thread-store.js';

export interface QueryThreadPoolOptions {
  /** Worker threads (at least 1). */
  readonly threads: number;
  readonly store: StreamStore;
  readonly sinkTarget?: (stream: string) => PutTarget | undefined;
  readonly clock: Clock;
  readonly results: ResultHub;
  readonly settings: ThreadQuerySettings;
  readonly userFunctions?: UserFunctions;
  /** The worker's module (default: query-thread-main.js beside this file, as built). */
  readonly workerModule?: URL;
}

/** How the catalog keeps a query's checkpoints and failures (as the query manager gives a RunningQuery). */
export interface ThreadQueryPersistence {
  readonly onCheckpoint: (checkpoint: QueryCheckpoint) => Promise<void>;
  readonly onFailure: (error: string) => void;
}

export const MAX_QUERY_THREADS = 64;

/** Where the copy of a query built on the main thread only to check it sends its (no) results. */
export const NO_RESULTS: ResultOutlet = { publish: () => undefined, warn: () => undefined, fail: () => undefined, end: () => undefined, subscriberCount: () => 0 };

export class QueryThreadPool {
  private readonly threads: (QueryThread | undefined)[];
  private readonly workerModule: URL;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly options: QueryThreadPoolOptions) {
    const n = options.threads;
    if (!(Number.isSafeInteger(n) && n >= 1 && n <= MAX_QUERY_THREADS)) throw new EddyError('ValidationException', `query threads must be a whole number from 1 to ${MAX_QUERY_THREADS}, got ${n}`);
    this.workerModule = options.workerModule ?? new URL('./query-thread-main.js', import.meta.url);
    if (this.workerModule.protocol === 'file:' && !existsSync(fileURLToPath(this.workerModule))) {
      throw new EddyError('InternalFailure', `the query worker's module ${fileURLToPath(this.workerModule)} is missing: query threads run the built server (npm run build)`);
    }
    this.threads = Array.from({ length: n }, () => undefined);
    // Resharding and deletion reach the queries on workers as they reach those here.
    this.unsubscribe = options.store.onStreamEvent((event) => {
      for (const t of this.threads) t?.post({ type: 'streamEvent', event });
    });
  }

  /** Whether a query of this plan runs on a worker: not one reading reference tables, which live here. */
  accepts(plan: QueryPlan): boolean {
    return !this.closed && planTables(plan).length === 0;
  }

  /**
   * A query to run on the least loaded worker, from `built`: the same query built here, which checked
   * the plan (every operator built, the checkpoint restored) and gives its status until the worker's first.
   */
  assign(built: RunningQuery, checkpoint: QueryCheckpoint | undefined, persist: ThreadQueryPersistence | undefined): ThreadQuery {
    let best = 0;
    for (let i = 0; i < this.threads.length; i++) {
      const t = this.threads[i];
      if (t === undefined || t.dead) {
        best = i;
        break;
      }
      if (t.load < this.threads[best]!.load) best = i;
    }
    let thread = this.threads[best];
    if (thread === undefined || thread.dead) this.threads[best] = thread = new QueryThread(this.options, this.workerModule, best);
    return new ThreadQuery(thread, built, checkpoint, persist);
  }

  /** The workers running now, for tests and /metrics: each with the ids of its queries. */
  workers(): { readonly index: number; readonly queries: readonly string[]; terminate(): Promise<number> }[] {
    return this.threads
      .filter((t): t is QueryThread => t !== undefined && !t.dead)
      .map((t) => ({ index: t.index, queries: [...t.queries.keys()], terminate: () => t.worker.terminate() }));
  }

  /** Ends every worker; their queries were stopped first (QueryManager.close). */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    await Promise.all(this.threads.map((t) => t?.close()));
  }
}

/** One worker and what the main thread holds for it: its queries, the cursors it reads, its waits. */
class QueryThread {
  readonly worker: Worker;
  readonly queries = new Map<string, ThreadQuery>();
  private readonly cursors = new Map<number, ShardCursor>();
  private readonly waits = new Map<number, AbortController>();
  private readonly syncPort: MessagePort;
  private readonly flag: Int32Array;
  private readonly time: Float64Array | undefined;
  private readonly ticker: NodeJS.Timeout | undefined;
  dead = false;

  constructor(
    readonly options: QueryThreadPoolOptions,
    module: URL,
    readonly index: number,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.syncPort = port1;
    const callFlag = new SharedArrayBuffer(4);
    this.flag = new Int32Array(callFlag);
    // A clock other than the system's (a test's) is mirrored into shared memory: before every message
    // to the worker, and every few milliseconds.
    const clock = options.clock === systemClock ? undefined : new SharedArrayBuffer(8);
    this.time = clock === undefined ? undefined : new Float64Array(clock);
    if (this.time) {
      this.tick();
      this.ticker = setInterval(() => this.tick(), 5);
      this.ticker.unref();
    }
    const data: ThreadWorkerData & { syncPort: MessagePort } = {
      callFlag,
      settings: options.settings,
      syncPort: port2,
      ...(clock === undefined ? {} : { clock }),
      ...(options.userFunctions === undefined ? {} : { userFunctions: options.userFunctions.options }),
    };
    this.worker = new Worker(module, { workerData: data, transferList: [port2], name: `eddy-queries-${index}` });
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => this.received(m));
    this.worker.on('error', (e) => this.died(`the worker thread running this query failed: ${e.message}`));
    this.worker.on('exit', (code) => this.died(`the worker thread running this query exited (code ${code})`));
  }

  get load(): number {
    return this.queries.size;
  }

  post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (this.dead) return;
    this.tick();
    this.worker.postMessage(message, transfer);
  }

  private tick(): void {
    if (this.time) this.time[0] = this.options.clock.now();
  }

  async close(): Promise<void> {
    this.dead = true;
    clearInterval(this.ticker);
    this.closeCursors();
    this.syncPort.close();
    await this.worker.terminate();
  }

  private died(message: string): void {
    if (this.dead) return;
    this.dead = true;
    clearInterval(this.ticker);
    this.closeCursors();
    this.syncPort.close();
    for (const q of [...this.queries.values()]) q.threadDied(message);
    this.queries.clear();
  }

  private closeCursors(): void {
    for (const w of this.waits.values()) w.abort();
    this.waits.clear();
    for (const c of this.cursors.values()) c.close();
    this.cursors.clear();
  }

  private received(m: FromWorker): void {
    switch (m.type) {
      case 'call':
        return m.sync ? this.answerNow(m.call, m.request) : void this.answer(m.call, m.request);
      case 'cancel':
        return this.waits.get(m.call)?.abort();
      case 'status':
        return this.queries.get(m.status.id)?.statusFromWorker(m.status);
      case 'publish': {
        const results = this.options.results;
        results.publish(m.query, m.rows);
        return this.post({ type: 'published', query: m.query, rows: m.rows.length, subscribers: results.subscriberCount(m.query) });
      }
      case 'warn':
        return this.options.results.warn(m.query, m.warning);
      case 'fail':
        return this.queries.get(m.query)?.failed(m.message);
      case 'end':
        return this.options.results.end(m.query);
      case 'failure':
        return this.queries.get(m.query)?.persist?.onFailure(m.error);
      case 'startFailed':
        return this.queries.get(m.query)?.failed(deserializeError(m.error).message);
      case 'stopped':
        return this.queries.get(m.query)?.stopped(m.status, m.error === undefined ? undefined : deserializeError(m.error));
      default: {
        const unknown: never = m;
        throw new Error(`unknown message ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** A call the worker is blocked on: answered on the sync port, then the flag wakes it. */
  private answerNow(call: number, request: StoreCall): void {
    let reply: ToWorker;
    try {
      reply = { type: 'reply', call, result: this.syncResult(request) };
    } catch (e) {
      reply = { type: 'reply', call, error: serializeError(e) };
    }
    this.tick();
    this.syncPort.postMessage(reply);
    Atomics.store(this.flag, 0, 1);
    Atomics.notify(this.flag, 0);
  }

  private syncResult(request: StoreCall): unknown {
    const store = this.options.store;
    switch (request.op) {
      case 'describeStream':
        return store.describeStream(request.stream);
      case 'listStreams':
        return store.listStreams();
      case 'openCursor':
        this.cursors.set(request.cursor, store.openCursor(request.stream, request.shardId, request.position));
        return undefined;
      default:
        throw new EddyError('InternalFailure', `${request.op} is not a synchronous call`);
    }
  }

  private async answer(call: number, request: StoreCall): Promise<void> {
    try {
      switch (request.op) {
        case 'read': {
          const result = await this.cursor(request.cursor).read({ ...(request.maxRecords === undefined ? {} : { maxRecords: request.maxRecords }), ...(request.maxBytes === undefined ? {} : { maxBytes: request.maxBytes }) });
          const records = packRecords(result.records);
          const { records: _, ...rest } = result;
          return this.post({ type: 'reply', call, result: rest, records }, [records.buffer]);
        }
        case 'wait': {
          const abort = new AbortController();
          this.waits.set(call, abort);
          try {
            await this.cursor(request.cursor).waitForRecords(abort.signal);
          } finally {
            this.waits.delete(call);
          }
          return this.post({ type: 'reply', call });
        }
        case 'closeCursor':
          this.cursors.get(request.cursor)?.close();
          this.cursors.delete(request.cursor);
          return this.post({ type: 'reply', call });
        case 'put': {
          const target = request.sink ? (this.options.sinkTarget?.(request.stream) ?? this.options.store) : this.options.store;
          return this.post({ type: 'reply', call, result: await target.putRecords(request.stream, request.records, request.internal) });
        }
        case 'checkpoint': {
          const save = this.queries.get(request.query)?.persist?.onCheckpoint;
          if (save) await save(request.checkpoint);
          return this.post({ type: 'reply', call });
        }
        default:
          throw new EddyError('InternalFailure', `${request.op} is a synchronous call`);
      }
    } catch (e) {
      this.post({ type: 'reply', call, error: serializeError(e) });
    }
  }

  private cursor(id: number): ShardCursor {
    const c = this.cursors.get(id);
    if (!c) throw new EddyError('InternalFailure', `no cursor ${id} on this worker`);
    return c;
  }
}

/** A query running on a worker, as the query manager sees it (the same status, stop and poke as a RunningQuery). */
export class ThreadQuery {
  readonly info: QueryInfo;
  private readonly plan: QueryPlan;
  private last: QueryStatus;
  private stopping: { promise: Promise<void>; resolve(): void; reject(e: unknown): void } | undefined;
  private started = false;

  constructor(
    private readonly thread: QueryThread,
    built: RunningQuery,
    private readonly checkpoint: QueryCheckpoint | undefined,
    readonly persist: ThreadQueryPersistence | undefined,
  ) {
    this.info = built.info;
    this.last = built.status();
    this.plan = built.plan;
    void built.stop();
    thread.queries.set(this.info.id, this);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    // Subscribers may be there already: the server holds a new query's first rows for its client.
    const subscribers = this.thread.options.results.subscriberCount(this.info.id);
    this.thread.post({ type: 'start', info: this.info, plan: this.plan, persist: this.persist !== undefined, subscribers, ...(this.checkpoint === undefined ? {} : { checkpoint: this.checkpoint }) });
  }

  status(): QueryStatus {
    return this.last;
  }

  get running(): boolean {
    return this.last.status === 'running';
  }

  poke(): void {
    this.thread.post({ type: 'poke', query: this.info.id });
  }

  /** Someone subscribed to its rows here: the worker publishes them only while it knows of subscribers. */
  subscribed(count: number): void {
    this.thread.post({ type: 'subscribers', query: this.info.id, count });
  }

  /** Stops it on its worker, with a final checkpoint written as on the main thread. */
  async stop(): Promise<void> {
    if (this.stopping) return this.stopping.promise;
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.stopping = { promise, resolve, reject };
    if (!this.started || this.thread.dead) {
      this.forget();
      if (this.last.status === 'running') this.last = { ...this.last, status: 'stopped' };
      this.thread.options.results.end(this.info.id);
      resolve();
    } else this.thread.post({ type: 'stop', query: this.info.id });
    return promise;
  }

  statusFromWorker(status: QueryStatus): void {
    // A failure here (its worker died) stands; the worker's status would not know of it.
    if (this.last.status === 'running') this.last = status;
  }

  failed(message: string): void {
    if (this.last.status === 'running') this.last = { ...this.last, status: 'failed', error: message };
    this.thread.options.results.fail(this.info.id, message);
  }

  stopped(status: QueryStatus | undefined, error: Error | undefined): void {
    if (this.last.status === 'running' && status !== undefined) this.last = status;
    this.forget();
    if (error) this.stopping?.reject(error);
    else this.stopping?.resolve();
  }

  threadDied(message: string): void {
    this.failed(message);
    this.stopping?.resolve();
  }

  private forget(): void {
    this.thread.queries.delete(this.info.id);
  }
}
