// Owns every delivery stream: their definitions (persisted in the data directory), DirectPut ingestion
// through an internal stream, one runner per delivery stream, and the metrics the server exposes.

import { join } from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import { EddyError, isEddyError } from '../errors.js';
import type { StreamStore } from '../stream/stream-store.js';
import { streamNameInArn } from '../stream/stream-arns.js';
import type { DeliveryEvent, DeliveryMetrics } from './delivery-metrics.js';
import { emptyDeliveryMetrics } from './delivery-metrics.js';
import { clearStaging } from '../atomic-file.js';
import { checkConfiguredDirectory } from '../configured-directory.js';
import { DeliveryRunner, STAGING_DIR, type DeliveryFailure, type RetryPolicy } from './delivery-runner.js';
import { refuseReservedDeliveryStreamName, validateDeliveryStreamName } from './delivery-stream-name.js';
import { FileDeliveryStateStore, MemoryDeliveryStateStore, type DeliveryStateStore } from './delivery-state-store.js';
import type { DeliveryStreamRecord, DeliveryStreamStatus, DeliveryStreamType, ExtendedS3Destination } from './delivery-stream-config.js';
import { deliverySettings, mergeDestination, normalizeDestination, type StreamSchemaResolver } from './destination-validation.js';
import type { LeaseKeeper } from '../cluster/lease-keeper.js';
import { keyToken } from '../cluster/shared-kv.js';
import type { DeliveryDefinitionChange, SharedDeliveryState } from './shared-delivery-state.js';

/**
 * Delivery streams on a cluster of Eddy processes: definitions and positions in a shared bucket, each
 * delivery stream delivered by whichever process holds its lease (the files root must then be one every
 * process writes to, a shared file system, for the objects to land in one place).
 */
export interface DeliveryCluster {
  readonly state: SharedDeliveryState;
  readonly leases: LeaseKeeper;
}

export interface DeliveryManagerOptions {
  readonly streams: StreamStore;
  /** Delivery stream definitions and checkpoints go under `<dataDir>/delivery`; omitted = memory only. */
  readonly dataDir?: string;
  /** Bucket directories live here (default `<dataDir>/files`). */
  readonly filesRoot?: string;
  readonly clock?: Clock;
  readonly region?: string;
  readonly accountId?: string;
  /** The SQL catalog's stream schemas, used for Parquet/Arrow conversion in place of Glue tables. */
  readonly resolveSchema?: StreamSchemaResolver;
  readonly retry?: RetryPolicy;
  readonly maxActivePartitions?: number;
  /** Most record bytes one delivery stream buffers across its partitions (default 256 MiB). */
  readonly maxBufferedBytes?: number;
  readonly cluster?: DeliveryCluster;
}

export interface CreateDeliveryStreamRequest {
  readonly DeliveryStreamName: string;
  readonly DeliveryStreamType?: string;
  readonly KinesisStreamSourceConfiguration?: { KinesisStreamARN: string; RoleARN: string };
  readonly DirectPutSourceConfiguration?: { ThroughputHintInMBs?: number };
  readonly ExtendedS3DestinationConfiguration?: ExtendedS3Destination;
  readonly S3DestinationConfiguration?: ExtendedS3Destination;
  readonly Tags?: readonly { Key: string; Value?: string }[];
  /** Any other destination (Redshift, OpenSearch, …) is refused by name. */
  readonly [other: string]: unknown;
}

export interface UpdateDestinationRequest {
  readonly DeliveryStreamName: string;
  readonly CurrentDeliveryStreamVersionId: string;
  readonly DestinationId: string;
  readonly ExtendedS3DestinationUpdate?: Partial<ExtendedS3Destination>;
  readonly S3DestinationUpdate?: Partial<ExtendedS3Destination>;
  readonly [other: string]: unknown;
}

export interface DeliveryStreamDescription {
  readonly record: DeliveryStreamRecord;
  readonly status: DeliveryStreamStatus;
  readonly failure?: DeliveryFailure;
}

export interface PutRecordBatchEntry {
  readonly recordId?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** Internal streams that make DirectPut records durable are named with this prefix. */
export const INTERNAL_STREAM_PREFIX = '__firehose_';
const DIRECT_PUT_PARTITION_KEY = 'firehose';
const MAX_RECORD = 1000 * 1024;
const MAX_BATCH_RECORDS = 500;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const MAX_TAGS = 50;

/** Every destination member of CreateDeliveryStream: exactly one must be given; Eddy delivers to the S3 ones. */
export const DESTINATION_CONFIGURATIONS = [
  'ExtendedS3DestinationConfiguration',
  'S3DestinationConfiguration',
  'RedshiftDestinationConfiguration',
  'ElasticsearchDestinationConfiguration',
  'AmazonopensearchserviceDestinationConfiguration',
  'AmazonOpenSearchServerlessDestinationConfiguration',
  'SplunkDestinationConfiguration',
  'HttpEndpointDestinationConfiguration',
  'SnowflakeDestinationConfiguration',
  'IcebergDestinationConfiguration',
] as const;

export class DeliveryManager {
  private readonly records = new Map<string, DeliveryStreamRecord>();
  private readonly runners = new Map<string, DeliveryRunner>();
  private readonly metricsByName = new Map<string, DeliveryMetrics>();
  private readonly listeners = new Set<(e: DeliveryEvent) => void>();
  private readonly failureListeners = new Set<(name: string, f: DeliveryFailure) => void>();
  /** Serialises control operations per delivery stream name. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly clock: Clock;
  private readonly region: string;
  private readonly accountId: string;
  private readonly filesRoot: string;
  private readonly retry: RetryPolicy;
  private closed = false;
  /** Delivery streams whose runner could not start (e.g. their schema is not in the catalog yet). */
  private readonly startFailures = new Map<string, DeliveryFailure>();
  /** On a cluster: delivery streams whose lease this process competes for. */
  private readonly wanted = new Set<string>();
  /** Where objects are staged: on a cluster, a folder of this process's own (others may share the files root). */
  private readonly stagingDir: string;

  private constructor(
    private readonly o: DeliveryManagerOptions,
    private readonly state: DeliveryStateStore,
  ) {
    this.clock = o.clock ?? systemClock;
    this.region = o.region ?? 'us-east-1';
    this.accountId = o.accountId ?? '000000000000';
    const root = o.filesRoot ?? (o.dataDir ? join(o.dataDir, 'files') : undefined);
    if (!root) throw new EddyError('InvalidArgumentException', 'Delivery needs a files root (or a data directory) to write objects to.');
    this.filesRoot = root;
    this.retry = o.retry ?? { initialDelayMs: 200, maxDelayMs: 30_000 };
    this.stagingDir = o.cluster ? join(root, STAGING_DIR, keyToken(o.cluster.leases.holder)) : join(root, STAGING_DIR);
  }

  /** Loads persisted delivery streams and resumes each from its checkpoint. */
  static async open(o: DeliveryManagerOptions): Promise<DeliveryManager> {
    const state = o.cluster ? o.cluster.state : o.dataDir ? new FileDeliveryStateStore(join(o.dataDir, 'delivery')) : new MemoryDeliveryStateStore();
    const m = new DeliveryManager(o, state);
    await checkConfiguredDirectory(m.filesRoot, 'Files root');
    await clearStaging(m.stagingDir);
    for (const r of await state.list()) {
      m.records.set(r.name, r);
      m.metricsByName.set(r.name, emptyDeliveryMetrics(r.name));
      await m.run(r);
    }
    await o.cluster?.state.watch((change) => void m.definitionChanged(change));
    return m;
  }

  /** Runs a delivery stream here, or on a cluster, competes for its lease and runs it once that is held. */
  private async run(r: DeliveryStreamRecord, startAtLatest = false): Promise<void> {
    const cluster = this.o.cluster;
    if (!cluster) return this.startRunner(r, startAtLatest);
    const key = leaseKeyOf(r.name);
    if (cluster.leases.holds(key)) return this.startRunner(r, startAtLatest);
    if (this.wanted.has(r.name)) return;
    this.wanted.add(r.name);
    await cluster.leases.want(key, {
      acquired: () =>
        void this.locked(r.name, async () => {
          const current = this.records.get(r.name);
          if (current && !this.runners.has(r.name) && !this.closed) this.startRunner(current, startAtLatest && current.versionId === r.versionId);
        }),
      // Another process delivers it now, from the last checkpoint: what is buffered here is not written.
      lost: () =>
        void this.locked(r.name, async () => {
          const runner = this.runners.get(r.name);
          this.runners.delete(r.name);
          await runner?.stop(false);
        }),
    });
  }

  /** A definition created, changed or deleted through another process (or this one, echoed by the bucket). */
  private async definitionChanged({ name, record }: DeliveryDefinitionChange): Promise<void> {
    await this.locked(name, async () => {
      if (this.closed) return;
      const current = this.records.get(name);
      if (record === undefined) {
        if (!current) return;
        this.records.delete(name);
        const runner = this.runners.get(name);
        this.runners.delete(name);
        await runner?.stop(false);
        this.wanted.delete(name);
        await this.o.cluster?.leases.release(leaseKeyOf(name));
        this.metricsByName.delete(name);
        this.startFailures.delete(name);
        return;
      }
      this.records.set(name, record);
      if (!this.metricsByName.has(name)) this.metricsByName.set(name, emptyDeliveryMetrics(name));
      const runner = this.runners.get(name);
      // A new destination: the runner here (if this process delivers it) starts again with it.
      if (runner && current && current.versionId !== record.versionId) {
        this.runners.delete(name);
        await runner.stop(true);
        this.startRunner(record);
        return;
      }
      if (!current) await this.run(record);
    });
  }

  get root(): string {
    return this.filesRoot;
  }

  private arn(name: string): string {
    return `arn:aws:firehose:${this.region}:${this.accountId}:deliverystream/${name}`;
  }

  private notFound(name: string): EddyError {
    return new EddyError('ResourceNotFoundException', `Firehose ${name} under account ${this.accountId} not found.`);
  }

  private get(name: string): DeliveryStreamRecord {
    refuseReservedDeliveryStreamName(name);
    const r = this.records.get(name);
    if (!r) throw this.notFound(name);
    return r;
  }

  private async locked<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(name) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.locks.set(name, next.catch(() => undefined));
    return next;
  }

  private startRunner(r: DeliveryStreamRecord, startAtLatest = false): void {
    let settings;
    try {
      settings = deliverySettings(r.destination, { resolveSchema: this.o.resolveSchema, sourceStream: r.source?.streamName });
    } catch (e) {
      // A persisted stream that cannot run yet (its schema's stream is gone) is reported, not fatal; poke() retries.
      this.startFailures.set(r.name, { code: isEddyError(e) ? e.code : 'InternalFailure', message: `Delivery cannot start: ${(e as Error).message}`, at: this.clock.now() });
      return;
    }
    this.startFailures.delete(r.name);
    const runner = new DeliveryRunner({
      record: r,
      settings,
      streams: this.o.streams,
      state: this.state,
      filesRoot: this.filesRoot,
      stagingDir: this.stagingDir,
      clock: this.clock,
      retry: this.retry,
      metrics: this.metricsByName.get(r.name)!,
      emit: (e) => {
        for (const l of this.listeners) l(e);
      },
      startAtLatest,
      reportFailure: (f) => {
        for (const l of this.failureListeners) l(r.name, f);
      },
      ...(this.o.maxActivePartitions ? { maxActivePartitions: this.o.maxActivePartitions } : {}),
      ...(this.o.maxBufferedBytes ? { maxBufferedBytes: this.o.maxBufferedBytes } : {}),
    });
    this.runners.set(r.name, runner);
    runner.start();
  }

  async createDeliveryStream(req: CreateDeliveryStreamRequest): Promise<{ deliveryStreamARN: string }> {
    const name = req.DeliveryStreamName;
    validateDeliveryStreamName(name);
    return this.locked(name, async () => {
      if (this.closed) throw new EddyError('ServiceUnavailableException', 'Eddy is shutting down.');
      if (this.records.has(name)) throw new EddyError('ResourceInUseException', `Firehose ${name} under accountId ${this.accountId} already exists.`);
      const type = (req.DeliveryStreamType ?? 'DirectPut') as DeliveryStreamType;
      if (type !== 'DirectPut' && type !== 'KinesisStreamAsSource') {
        throw new EddyError('InvalidArgumentException', `DeliveryStreamType '${String(type)}' is not supported; use DirectPut or KinesisStreamAsSource.`);
      }
      const given = DESTINATION_CONFIGURATIONS.filter((d) => req[d] !== undefined);
      if (given.length !== 1) throw new EddyError('InvalidArgumentException', `Exactly one destination configuration is required (got ${given.length === 0 ? 'none' : given.join(', ')}).`);
      if (given[0] !== 'ExtendedS3DestinationConfiguration' && given[0] !== 'S3DestinationConfiguration') {
        throw new EddyError('InvalidArgumentException', `${given[0]} is not supported by Eddy; use ExtendedS3DestinationConfiguration.`);
      }
      const tags = tagsFrom(req.Tags);
      let source: DeliveryStreamRecord['source'];
      if (type === 'KinesisStreamAsSource') {
        const ks = req.KinesisStreamSourceConfiguration;
        if (!ks?.KinesisStreamARN) throw new EddyError('InvalidArgumentException', 'KinesisStreamSourceConfiguration.KinesisStreamARN is required for KinesisStreamAsSource.');
        let streamName: string;
        try {
          // A stream created through another process sharing the store a moment ago is read from it first.
          const named = streamNameInArn(ks.KinesisStreamARN);
          if (named !== undefined) await this.o.streams.knowStream(named);
          streamName = this.o.streams.streamNameFromArn(ks.KinesisStreamARN);
          this.o.streams.describeStream(streamName);
        } catch (e) {
          throw new EddyError('InvalidArgumentException', `KinesisStreamARN '${ks.KinesisStreamARN}' does not name an existing stream: ${(e as Error).message}`);
        }
        source = { KinesisStreamARN: ks.KinesisStreamARN, RoleARN: ks.RoleARN, streamName, startedAt: this.clock.now() };
      } else if (req.KinesisStreamSourceConfiguration) {
        throw new EddyError('InvalidArgumentException', 'KinesisStreamSourceConfiguration is only allowed with DeliveryStreamType KinesisStreamAsSource.');
      }
      const destinationInput = (req.ExtendedS3DestinationConfiguration ?? req.S3DestinationConfiguration)!;
      const destination = normalizeDestination(destinationInput, { resolveSchema: this.o.resolveSchema, sourceStream: source?.streamName });
      deliverySettings(destination, { resolveSchema: this.o.resolveSchema, sourceStream: source?.streamName });
      const record: DeliveryStreamRecord = {
        name,
        arn: this.arn(name),
        type,
        ...(source ? { source } : { internalStream: INTERNAL_STREAM_PREFIX + name }),
        versionId: 1,
        createTimestamp: this.clock.now(),
        destinationId: 'destinationId-000000000001',
        destination,
        tags,
      };
      if (record.internalStream) {
        // A leftover internal stream (from a delivery stream deleted while Eddy was down) is reused.
        await this.o.streams.knowStream(record.internalStream);
        const exists = this.o.streams.listStreams().some((s) => s.streamName === record.internalStream);
        if (!exists) await this.o.streams.createStream(record.internalStream, { mode: 'ON_DEMAND' });
      }
      this.records.set(name, record);
      this.metricsByName.set(name, emptyDeliveryMetrics(name));
      // On a cluster the lease comes first, so the process a delivery stream was created through delivers it.
      if (this.o.cluster) await this.run(record, true);
      try {
        await this.state.save(record);
      } catch (e) {
        this.records.delete(name);
        await this.o.cluster?.leases.remove(leaseKeyOf(name));
        this.wanted.delete(name);
        throw e;
      }
      if (!this.o.cluster) this.startRunner(record, true);
      return { deliveryStreamARN: record.arn };
    });
  }

  describeDeliveryStream(name: string): DeliveryStreamDescription {
    const record = this.get(name);
    const failure = this.runners.get(name)?.failure ?? this.startFailures.get(name);
    return { record, status: 'ACTIVE', ...(failure ? { failure } : {}) };
  }

  listDeliveryStreams(opts: { limit?: number; type?: string; exclusiveStartName?: string } = {}): { names: string[]; hasMore: boolean } {
    const limit = opts.limit ?? 10;
    const all = [...this.records.values()]
      .filter((r) => !opts.type || r.type === opts.type)
      .map((r) => r.name)
      .sort()
      .filter((n) => opts.exclusiveStartName === undefined || n > opts.exclusiveStartName);
    return { names: all.slice(0, limit), hasMore: all.length > limit };
  }

  async deleteDeliveryStream(name: string): Promise<void> {
    await this.locked(name, async () => {
      const record = this.get(name);
      this.records.delete(name);
      const runner = this.runners.get(name);
      this.runners.delete(name);
      // Buffered records are dropped with the stream, as Firehose drops undelivered data on deletion.
      await runner?.stop(false);
      this.wanted.delete(name);
      await this.o.cluster?.leases.remove(leaseKeyOf(name));
      await this.state.remove(name);
      if (record.internalStream) await this.o.streams.deleteStream(record.internalStream).catch(() => undefined);
      this.metricsByName.delete(name);
      this.startFailures.delete(name);
    });
  }

  async updateDestination(req: UpdateDestinationRequest): Promise<void> {
    await this.locked(req.DeliveryStreamName, async () => {
      const current = this.get(req.DeliveryStreamName);
      if (String(current.versionId) !== String(req.CurrentDeliveryStreamVersionId)) {
        throw new EddyError('ConcurrentModificationException', `Cannot update firehose: ${current.name} since the current version id: ${current.versionId} and the specified version id: ${req.CurrentDeliveryStreamVersionId} do not match`);
      }
      if (req.DestinationId !== current.destinationId) throw new EddyError('InvalidArgumentException', `Destination Id ${req.DestinationId} not found.`);
      const others = Object.keys(req).filter((k) => k.endsWith('DestinationUpdate') && k !== 'ExtendedS3DestinationUpdate' && k !== 'S3DestinationUpdate' && req[k] !== undefined);
      if (others.length > 0) throw new EddyError('InvalidArgumentException', `${others.join(', ')} is not supported by Eddy; use ExtendedS3DestinationUpdate.`);
      const update = req.ExtendedS3DestinationUpdate ?? req.S3DestinationUpdate ?? {};
      const ctx = { resolveSchema: this.o.resolveSchema, sourceStream: current.source?.streamName, previous: current.destination };
      const destination = normalizeDestination(mergeDestination(current.destination, update), ctx);
      deliverySettings(destination, ctx);
      const next: DeliveryStreamRecord = { ...current, destination, versionId: current.versionId + 1, lastUpdateTimestamp: this.clock.now() };
      // Objects buffered under the old configuration are written with it before the new one takes over.
      const runner = this.runners.get(current.name);
      this.runners.delete(current.name);
      await runner?.stop(true);
      await this.state.save(next);
      this.records.set(next.name, next);
      // On a cluster only the process holding the lease delivers; the others take the new destination up when they take the lease.
      if (!this.o.cluster || this.o.cluster.leases.holds(leaseKeyOf(next.name))) this.startRunner(next);
    });
  }

  private directPut(name: string): DeliveryStreamRecord {
    const r = this.get(name);
    if (!r.internalStream) throw new EddyError('InvalidArgumentException', `This operation is not permitted on KinesisStreamAsSource firehose ${r.arn}`);
    return r;
  }

  async putRecord(name: string, data: Uint8Array): Promise<{ recordId: string }> {
    const [entry] = await this.putRecordBatch(name, [data]);
    if (entry!.errorCode) throw new EddyError('ServiceUnavailableException', entry!.errorMessage ?? 'Slow down.', 'external');
    return { recordId: entry!.recordId! };
  }

  /** Stores records in the internal stream first: once this resolves, an accepted record is durable. */
  async putRecordBatch(name: string, records: readonly Uint8Array[]): Promise<PutRecordBatchEntry[]> {
    const r = this.directPut(name);
    if (records.length === 0 || records.length > MAX_BATCH_RECORDS) {
      throw new EddyError('ValidationException', `1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length less than or equal to ${MAX_BATCH_RECORDS} and greater than or equal to 1`);
    }
    let total = 0;
    records.forEach((d, i) => {
      if (d.length > MAX_RECORD) throw new EddyError('ValidationException', `1 validation error detected: Value at 'records.${i + 1}.member.data' failed to satisfy constraint: Member must have length less than or equal to ${MAX_RECORD}`);
      total += d.length;
    });
    if (total > MAX_BATCH_BYTES) throw new EddyError('InvalidArgumentException', `Records size ${total} bytes exceeds the limit of ${MAX_BATCH_BYTES} bytes per PutRecordBatch call.`);
    let entries;
    try {
      // Through a process that has heard of the delivery stream before its internal stream: that is read first.
      const lookup = this.o.streams.knowStream(r.internalStream!);
      if (lookup !== undefined) await lookup;
      entries = await this.o.streams.putRecords(
        r.internalStream!,
        // One partition key keeps a delivery stream's records in put order (one shard of the internal stream).
        records.map((data) => ({ partitionKey: DIRECT_PUT_PARTITION_KEY, data })),
      );
    } catch (e) {
      // The internal stream is an implementation detail: callers hear about their delivery stream.
      if (isEddyError(e) && e.code === 'ResourceNotFoundException') throw this.notFound(name);
      if (isEddyError(e) && e.fault === 'user') throw new EddyError('ServiceUnavailableException', `Delivery stream ${name} cannot take records now: ${e.message}`, 'external');
      throw e;
    }
    const m = this.metricsByName.get(name);
    return entries.map((e, i) => {
      if ('errorCode' in e) return { errorCode: 'ServiceUnavailableException', errorMessage: `Slow down. ${e.errorMessage}` };
      if (m) {
        m.incomingRecords++;
        m.incomingBytes += records[i]!.length;
      }
      return { recordId: recordIdFor(e.shardId, e.sequenceNumber) };
    });
  }

  async tagDeliveryStream(name: string, tags: readonly { Key: string; Value?: string }[]): Promise<void> {
    await this.locked(name, async () => {
      const r = this.get(name);
      const merged = { ...r.tags, ...tagsFrom(tags) };
      if (Object.keys(merged).length > MAX_TAGS) throw new EddyError('LimitExceededException', `A delivery stream can have at most ${MAX_TAGS} tags.`);
      const next = { ...r, tags: merged };
      await this.state.save(next);
      this.records.set(name, next);
    });
  }

  async untagDeliveryStream(name: string, keys: readonly string[]): Promise<void> {
    await this.locked(name, async () => {
      const r = this.get(name);
      const tags = { ...r.tags };
      for (const k of keys) delete tags[k];
      const next = { ...r, tags };
      await this.state.save(next);
      this.records.set(name, next);
    });
  }

  listTags(name: string, opts: { exclusiveStartTagKey?: string; limit?: number } = {}): { tags: { Key: string; Value: string }[]; hasMore: boolean } {
    const r = this.get(name);
    const all = Object.keys(r.tags)
      .sort()
      .filter((k) => opts.exclusiveStartTagKey === undefined || k > opts.exclusiveStartTagKey)
      .map((k) => ({ Key: k, Value: r.tags[k]! }));
    const limit = opts.limit ?? 50;
    return { tags: all.slice(0, limit), hasMore: all.length > limit };
  }

  /** Whether a stream is one of the internal streams behind DirectPut delivery streams. */
  isInternalStream(streamName: string): boolean {
    return streamName.startsWith(INTERNAL_STREAM_PREFIX);
  }

  metrics(): DeliveryMetrics[] {
    for (const [name, runner] of this.runners) {
      const m = this.metricsByName.get(name);
      if (m) m.dataFreshnessMs = runner.freshness();
    }
    return [...this.metricsByName.values()].map((m) => ({ ...m }));
  }

  /** Subscribes to objects becoming durable; returns a function that unsubscribes. */
  onDelivery(listener: (e: DeliveryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Subscribes to failed delivery attempts (each is retried with backoff) and to source reads stopped by damaged records; returns an unsubscribe function. */
  onDeliveryFailure(listener: (deliveryStreamName: string, failure: DeliveryFailure) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** Makes runners re-check their buffer deadlines now (after an injected clock moved). */
  poke(): void {
    for (const r of this.runners.values()) r.poke();
    for (const name of [...this.startFailures.keys()]) {
      const r = this.records.get(name);
      if (r && !this.runners.has(name) && (!this.o.cluster || this.o.cluster.leases.holds(leaseKeyOf(name)))) this.startRunner(r);
    }
  }

  /** Clean shutdown: every buffer is written and checkpointed. */
  async close(): Promise<void> {
    this.closed = true;
    const runners = [...this.runners.values()];
    this.runners.clear();
    await Promise.all(runners.map((r) => r.stop(true)));
    await this.o.cluster?.state.close();
    // Delivered and checkpointed: the others may take these delivery streams at once.
    for (const name of this.wanted) await this.o.cluster?.leases.release(leaseKeyOf(name));
  }
}

function leaseKeyOf(name: string): string {
  return `delivery.${keyToken(name)}`;
}

function tagsFrom(tags: readonly { Key: string; Value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) {
    if (typeof t.Key !== 'string' || t.Key.length < 1 || t.Key.length > 128) throw new EddyError('InvalidArgumentException', `Tag key '${String(t.Key)}' must be 1 to 128 characters.`);
    if (t.Key.startsWith('aws:')) throw new EddyError('InvalidArgumentException', `Tag key '${t.Key}' uses the reserved prefix 'aws:'.`);
    out[t.Key] = t.Value ?? '';
  }
  if (Object.keys(out).length > MAX_TAGS) throw new EddyError('LimitExceededException', `A delivery stream can have at most ${MAX_TAGS} tags.`);
  return out;
}

/** Firehose record ids are opaque; Eddy's name the internal stream position the record was stored at. */
function recordIdFor(shardId: string, sequenceNumber: string): string {
  return `${sequenceNumber}${shardId.replace(/^shardId-/, '')}`;
}
