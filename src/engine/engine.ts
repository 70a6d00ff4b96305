// The composition root: one options object opens the stream store, the catalog, delivery and the query
// manager, starts them in dependency order, resumes what was persisted, and closes them in reverse.

import { Catalog } from './catalog/catalog.js';
import { ConnectorManager } from './connectors/connector-manager.js';
import { systemClock, type Clock } from './clock.js';
import { DeliveryManager, INTERNAL_STREAM_PREFIX, type RetryPolicy } from './delivery/index.js';
import { FunctionManager, type FunctionManagerOptions } from './functions/index.js';
import type { LeaseTable } from './leases/lease-table.js';
import { FileLeaseTable } from './leases/file-lease-table.js';
import { SharedLeaseTable } from './leases/shared-lease-table.js';
import { QueryManager } from './query/query-manager.js';
import { ResultHub } from './query/result-hub.js';
import { ResultRelay } from './query/result-relay.js';
import type { QueryCluster } from './query/clustered-query.js';
import { ClusterMembers } from './cluster/cluster-members.js';
import { DEFAULT_LEASE_TIMING, LeaseKeeper } from './cluster/lease-keeper.js';
import { ClusterCheckpoints } from './cluster/cluster-checkpoints.js';
import { SharedDeliveryState } from './delivery/shared-delivery-state.js';
import { SharedMappingState } from './functions/shared-mapping-state.js';
import type { QueryStatus } from './query/running-query.js';
import type { FsyncPolicy, ShardLogOptions } from './stream/log/shard-log.js';
import { openStreamStore } from './stream/open-stream-store.js';
import { ReferenceTables } from './tables/reference-tables.js';
import { join } from 'node:path';

/** The folder of table files under the data directory, unless the server is told another. */
export const TABLES_DIR = 'tables';
import type { NatsStoreOptions } from './stream/nats/nats-store-connection.js';
import type { OnDemandScalingOptions, ShardLimits, StreamStore } from './stream/stream-store.js';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { UserFunctions } from './udf/user-functions.js';
import { EddyError } from './errors.js';

export interface EngineOptions {
  /** Where streams, the catalog and delivery state live; omitted means everything is in memory. */
  readonly dataDir?: string;
  /**
   * Keeps streams in a NATS JetStream cluster that several Eddy processes share (the data directory,
   * if any, then holds only the rest).
   */
  readonly nats?: NatsStoreOptions;
  /** When records count as durable (default `always`); ignored in memory. */
  readonly fsync?: FsyncPolicy;
  /** Finer shard-log settings; `fsync` above wins over `log.fsync`. */
  readonly log?: Partial<ShardLogOptions>;
  readonly clock?: Clock;
  /** Per-shard throughput limits of PROVISIONED streams; `false` switches throttling off. */
  readonly shardLimits?: ShardLimits | false;
  /** ON_DEMAND streams' shard counts follow their writes while shard limits are on; `false` keeps them fixed. */
  readonly onDemandScaling?: OnDemandScalingOptions | false;
  readonly region?: string;
  readonly accountId?: string;
  /** Open shards the account may have across its streams (default 500, AWS's quota in its largest regions). */
  readonly shardLimit?: number;
  /**
   * Root of the delivery buckets (default `<dataDir>/files`). Without a data directory and without a
   * files root there is nowhere to deliver to, and the engine has no delivery manager.
   */
  readonly filesRoot?: string;
  readonly deliveryRetry?: RetryPolicy;
  /** How long a connector that has read everything waits before asking its source again (default 1 s). */
  readonly connectorPollMs?: number;
  /** Functions on streams: the operator's handler directory and the limits of each invocation. */
  readonly functions?: Pick<FunctionManagerOptions, 'functionsDir' | 'memoryMb' | 'timeoutMs' | 'concurrency' | 'retry'>;
  /**
   * The directory user functions (CREATE FUNCTION … AS 'module.js') are loaded from, and only from;
   * without it, CREATE FUNCTION is refused.
   */
  readonly udfDir?: string;
  /**
   * With `nats`: how the processes sharing the cluster share queries. Each catalogued query runs on the
   * process holding its lease, which it renews every `leaseRenewMs` (default 2,000) and another process
   * takes over once it has gone `leaseTimeoutMs` (default 10,000) without renewal. Queries are balanced
   * over the live processes (see LeaseKeeper) unless `balanceQueries` is false.
   */
  readonly cluster?: {
    /** This process's name in the cluster (default `host:pid`); unique among the processes. */
    readonly process?: string;
    readonly leaseTimeoutMs?: number;
    readonly leaseRenewMs?: number;
    /** Whether a process running two or more queries than another hands one over (default true). */
    readonly balanceQueries?: boolean;
    /** Bytes one query's checkpoint may take in the cluster (default 256 MiB). */
    readonly maxCheckpointBytes?: number;
  };
  readonly queries?: {
    /** A shard without records for this long stops holding the watermark back. */
    readonly idleTimeoutMs?: number;
    readonly checkpointIntervalMs?: number;
    readonly idleCheckIntervalMs?: number;
    readonly batchSize?: number;
    /**
     * How long a query may spend on one batch (or one watermark step) before it is failed, in ms of
     * main-thread time (default 5,000). The failure is recorded, so the query stays failed after a restart.
     */
    readonly maxBatchMillis?: number;
    /** What maxBatchMillis is measured with (default: a monotonic clock); tests pass their own. */
    readonly cpuClock?: Clock;
    /** Running queries accepted at once (default 1,000); more are refused with a LimitExceededException. */
    readonly maxQueries?: number;
    /** State keys one query may hold (default 1,000,000); a query that needs more fails, naming the limit. */
    readonly maxStateKeys?: number;
    /**
     * Worker threads that run queries (default 0: all on the main thread, in slices between I/O). Refused
     * on a cluster. Queries there keep the engine's clock (mirrored) but not a `cpuClock` of the caller's.
     */
    readonly threads?: number;
    /** The query worker's module, where it is not beside the built engine (tests bundle one from the sources). */
    readonly threadModule?: URL;
  };
  /** Reference tables (CREATE TABLE … WITH (path = …)): where their files are, and how many rows one may hold. */
  readonly tables?: {
    /** Default `<dataDir>/tables`; without it and without a data directory, no file table can be created. */
    readonly dir?: string;
    /** Rows one table may hold (default 1,000,000). */
    readonly maxRows?: number;
  };
}

export interface Engine {
  readonly store: StreamStore;
  readonly catalog: Catalog;
  readonly queries: QueryManager;
  /** Absent when the engine has neither a data directory nor a files root. */
  readonly delivery: DeliveryManager | undefined;
  /** Event source mappings and the handler workers they run. */
  readonly functions: FunctionManager;
  /** Consumer-group leases and checkpoints (the KCL's lease table, kept by Eddy; on a cluster, shared by its processes). */
  readonly leases: LeaseTable;
  /** The rows of the reference tables, as lookup joins read them. */
  readonly tables: ReferenceTables;
  /** Streams whose records come from, and go to, a system outside Eddy (a Kinesis stream elsewhere). */
  readonly connectors: ConnectorManager;
  /** The directory of user functions; absent unless the engine was given one. */
  readonly userFunctions: UserFunctions | undefined;
  readonly clock: Clock;
  /** Where the engine's state lives (absent in memory): others keep theirs beside it. */
  readonly dataDir: string | undefined;
  /** The region and account ARNs name. */
  readonly region: string;
  readonly accountId: string;
  /** The queries resumed from the catalog at start-up (failed ones too, with their error). */
  readonly resumedQueries: readonly QueryStatus[];
  /** Stops queries (with a final checkpoint), flushes deliveries, then closes the catalog and the store. */
  close(): Promise<void>;
}

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const clock = options.clock ?? systemClock;
  const log: ShardLogOptions = { ...options.log, fsync: options.fsync ?? options.log?.fsync ?? 'always' };
  const store = await openStreamStore({
    clock,
    log,
    ...(options.nats !== undefined ? { nats: options.nats } : options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.shardLimits === undefined ? {} : { shardLimits: options.shardLimits }),
    ...(options.onDemandScaling === undefined ? {} : { onDemandScaling: options.onDemandScaling }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.accountId === undefined ? {} : { accountId: options.accountId }),
    ...(options.shardLimit === undefined ? {} : { shardLimit: options.shardLimit }),
  });
  const closers: (() => Promise<void>)[] = [() => store.close()];
  const closeOpened = async (): Promise<void> => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    // Loaded only for a cluster: the local store needs none of the NATS client.
    const cluster = options.nats === undefined ? undefined : await (await import('./cluster/connect-cluster.js')).connectCluster({ ...options.nats, ...(options.cluster?.process === undefined ? {} : { process: options.cluster.process }) });
    if (cluster) closers.push(() => cluster.close());
    const catalog = cluster ? await Catalog.openShared(cluster.catalog) : await Catalog.open(options.dataDir);
    closers.push(() => catalog.close());
    await dropOrphanSchemas(catalog, store);
    // A stream deleted through the Kinesis API takes its SQL schema with it.
    const unwatch = store.onStreamEvent((e) => {
      // A failed write here is retried by the catalog's next write, which saves the whole catalog.
      if (e.type === 'deleted' && catalog.stream(e.streamName)) catalog.dropStream(e.streamName).catch(() => undefined);
    });
    closers.push(async () => unwatch());

    const results = new ResultHub();
    let queryCluster: QueryCluster | undefined;
    if (cluster) {
      const c = options.cluster ?? {};
      const timing = { renewMs: c.leaseRenewMs ?? DEFAULT_LEASE_TIMING.renewMs, timeoutMs: c.leaseTimeoutMs ?? DEFAULT_LEASE_TIMING.timeoutMs };
      const leases = new LeaseKeeper(cluster.leases, {
        holder: cluster.process,
        clock,
        timing,
        ...(c.balanceQueries === false ? {} : { members: new ClusterMembers(cluster.leases, { holder: cluster.process, clock, timeoutMs: timing.timeoutMs }) }),
      });
      const relay = new ResultRelay(cluster.bus, results, { process: cluster.process, clock });
      closers.push(async () => {
        relay.close();
        await leases.close();
      });
      queryCluster = { leases, relay, checkpoints: new ClusterCheckpoints(cluster.checkpoints, { holder: cluster.process, ...(c.maxCheckpointBytes === undefined ? {} : { maxBytes: c.maxCheckpointBytes }) }) };
    }

    let delivery: DeliveryManager | undefined;
    if (options.dataDir !== undefined || options.filesRoot !== undefined) {
      const opened = await DeliveryManager.open({
        ...(cluster && queryCluster ? { cluster: { state: new SharedDeliveryState(cluster.delivery), leases: queryCluster.leases } } : {}),
        streams: store,
        clock,
        // The SQL catalog stands in for Glue: Parquet and Arrow output take a stream's declared schema.
        resolveSchema: (table) => catalog.stream(table),
        ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
        ...(options.filesRoot === undefined ? {} : { filesRoot: options.filesRoot }),
        ...(options.region === undefined ? {} : { region: options.region }),
        ...(options.accountId === undefined ? {} : { accountId: options.accountId }),
        ...(options.deliveryRetry === undefined ? {} : { retry: options.deliveryRetry }),
      });
      delivery = opened;
      closers.push(() => opened.close());
    }

    // On a cluster the consumer groups' leases are the cluster's, so workers may use any process's endpoint.
    const leases: LeaseTable = cluster ? await SharedLeaseTable.open(cluster.consumerGroups) : await FileLeaseTable.open(options.dataDir);
    closers.push(() => leases.flush());

    const functions = await FunctionManager.open({
      streams: store,
      clock,
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.accountId === undefined ? {} : { accountId: options.accountId }),
      ...options.functions,
      ...(cluster && queryCluster ? { cluster: { state: new SharedMappingState(cluster.functions), leases: queryCluster.leases } } : {}),
    });
    closers.push(() => functions.close());

    const tablesDir = options.tables?.dir ?? (options.dataDir === undefined ? undefined : join(options.dataDir, TABLES_DIR));
    const tables = new ReferenceTables({ clock, ...(tablesDir === undefined ? {} : { dir: tablesDir }), ...(options.tables?.maxRows === undefined ? {} : { maxRows: options.tables.maxRows }) });
    // A table whose file does not load now keeps its error (in its status) until it is refreshed.
    for (const table of catalog.listTables()) if (table.source.kind === 'file') await tables.load(table).catch(() => undefined);
    if (cluster) {
      // A table created (or refreshed) through another process is read here too, from this process's tables directory.
      const unwatchTables = catalog.onTableChange((name, table) => {
        if (table === undefined) tables.drop(name);
        else if (table.source.kind === 'file') void tables.load(table).catch(() => undefined);
      });
      closers.push(async () => void unwatchTables());
    }
    const connectors = new ConnectorManager({
      store,
      catalog,
      clock,
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(options.connectorPollMs === undefined ? {} : { pollMs: options.connectorPollMs }),
      ...(queryCluster === undefined ? {} : { leases: queryCluster.leases }),
    });
    closers.push(() => connectors.close());
    await connectors.sync();
    if (cluster) {
      // A stream declared with a connector through another process is competed for here too.
      const unwatchStreams = catalog.onStreamChange(() => void connectors.sync().catch(() => undefined));
      closers.push(async () => void unwatchStreams());
    }

    const userFunctions = options.udfDir === undefined ? undefined : await openUserFunctions(options.udfDir);
    const q = options.queries ?? {};
    const queries = new QueryManager({
      results,
      ...(queryCluster === undefined ? {} : { cluster: queryCluster }),
      tables,
      store,
      catalog,
      clock,
      sinkTarget: (stream) => connectors.sinkFor(stream),
      ...(userFunctions === undefined ? {} : { userFunctions }),
      ...(q.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: q.idleTimeoutMs }),
      ...(q.checkpointIntervalMs === undefined ? {} : { checkpointIntervalMs: q.checkpointIntervalMs }),
      ...(q.idleCheckIntervalMs === undefined ? {} : { idleCheckIntervalMs: q.idleCheckIntervalMs }),
      ...(q.batchSize === undefined ? {} : { batchSize: q.batchSize }),
      ...(q.maxBatchMillis === undefined ? {} : { maxBatchMillis: q.maxBatchMillis }),
      ...(q.cpuClock === undefined ? {} : { cpuClock: q.cpuClock }),
      ...(q.maxQueries === undefined ? {} : { maxQueries: q.maxQueries }),
      ...(q.maxStateKeys === undefined ? {} : { maxStateKeys: q.maxStateKeys }),
      ...(q.threads === undefined ? {} : { queryThreads: q.threads }),
      ...(q.threadModule === undefined ? {} : { queryThreadModule: q.threadModule }),
    });
    closers.push(() => queries.close());
    const resumedQueries = await queries.resumeQueries();

    let closing: Promise<void> | undefined;
    return {
      store,
      catalog,
      queries,
      delivery,
      functions,
      leases,
      tables,
      connectors,
      userFunctions,
      clock,
      dataDir: options.dataDir,
      region: options.region ?? 'us-east-1',
      accountId: options.accountId ?? '000000000000',
      resumedQueries,
      close: () => (closing ??= closeInOrder(closers)),
    };
  } catch (e) {
    await closeOpened();
    throw e;
  }
}

/** Closes in reverse order of opening; every part is closed even if an earlier one fails. */
async function closeInOrder(closers: (() => Promise<void>)[]): Promise<void> {
  let first: unknown;
  for (const close of [...closers].reverse()) {
    try {
      await close();
    } catch (e) {
      first ??= e;
    }
  }
  if (first !== undefined) throw first;
}

/**
 * A schema whose stream is gone (deleted while the catalog could not be written) would make CREATE
 * STREAM refuse the name forever; the store is the truth about which streams exist.
 */
async function dropOrphanSchemas(catalog: Catalog, store: StreamStore): Promise<void> {
  const existing = new Set(store.listStreams().map((s) => s.streamName));
  for (const name of catalog.streamNames()) {
    if (!existing.has(name) && !name.startsWith(INTERNAL_STREAM_PREFIX)) await catalog.dropStream(name);
  }
}

/** The directory of user functions, which must exist; TypeScript modules work when `typescript` is installed. */
async function openUserFunctions(dir: string): Promise<UserFunctions> {
  const found = await stat(dir).catch(() => undefined);
  if (!found?.isDirectory()) throw new EddyError('InvalidArgumentException', `User function directory ${dir} is not a directory.`);
  let typescript: string | undefined;
  try {
    typescript = createRequire(import.meta.url).resolve('typescript/package.json');
  } catch {
    typescript = undefined;
  }
  return new UserFunctions({ dir, ...(typescript === undefined ? {} : { typescript }) });
}
