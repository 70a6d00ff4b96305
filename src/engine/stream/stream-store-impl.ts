// The stream store: Kinesis Data Streams semantics over one ShardLog per shard, in memory or durable.
// This class owns the streams and answers the StreamStore contract; the put path, positions, resharding
// and retention live in their own modules.

import { randomInt } from 'node:crypto';
import { systemClock, type Clock } from '../clock.js';
import { EddyError } from '../errors.js';
import { KDA_STREAM_PREFIX, MAX_STREAM_NAME_LENGTH, STREAM_NAME_PATTERN } from '../plan/schema.js';
import { parseExplicitHashKey } from './hash-key.js';
import { MemoryShardLog } from './log/memory-shard-log.js';
import { ShardSealedError } from './log/shard-sealed-error.js';
import { writeRecord, writeRecords } from './record-writer.js';
import { OnDemandScaler } from './on-demand-scaler.js';
import { planUniformScaling, type ReshardPlan } from './reshard-plan.js';
import { applyReshard, mergeRequest, scalingRequest, splitRequest, type ReshardContext } from './resharding.js';
import { applyRetention } from './retention.js';
import { StreamShardCursor } from './shard-cursor.js';
import { formatShardId, resolveShardId } from './shard-id.js';
import { ShardIteratorCodec } from './shard-iterator-token.js';
import { startOffset } from './shard-position.js';
import { uniformRanges } from './shard-ranges.js';
import { readShard } from './shard-reader.js';
import { Shard, type ShardInit } from './shard.js';
import { consumerFor, parseConsumerArn, parseStreamArn, streamArn } from './stream-arns.js';
import {
  ITERATOR_LIFETIME_MS,
  asInternalFailure,
  consumerNotFound,
  couldNotFindShard,
  expiredIterator,
  invalidShardIterator,
  iteratorOfAnotherStream,
  provisionedOnly,
  shardNotFound,
  shardThroughputExceeded,
  streamAlreadyExists,
  streamNotActive,
  streamNotFound,
  type Account,
} from './stream-errors.js';
import {
  DEFAULT_RETENTION_HOURS,
  DEFAULT_SHARD_LIMIT,
  MAX_CONSUMERS_PER_STREAM,
  MAX_GET_RECORDS_BYTES,
  MAX_GET_RECORDS_LIMIT,
  MAX_SHARDS_PER_STREAM,
  MAX_TAGS_PER_STREAM,
  ON_DEMAND_INITIAL_SHARDS,
  ON_DEMAND_MAX_SHARDS,
  ON_DEMAND_RATE_WINDOW_SECONDS,
  ON_DEMAND_SCALE_DOWN_COOLDOWN_MS,
  ON_DEMAND_SCALING_CHECK_INTERVAL_MS,
  ON_DEMAND_STREAM_LIMIT,
  ON_DEMAND_TARGET_UTILISATION,
  RETENTION_CHECK_INTERVAL_MS,
  checkRetentionHours,
} from './stream-limits.js';
import type { ShardMetadata, StreamMetadata } from './stream-metadata.js';
import type { StoredStreamChange, StreamStorage } from './stream-storage.js';
import type {
  Consumer,
  GetRecordsResult,
  OnDemandScalingOptions,
  InternalPutOptions,
  PutRecordInput,
  PutRecordResult,
  PutRecordsEntry,
  ShardCursor,
  ShardDamage,
  ShardLimits,
  ShardPosition,
  StreamDescription,
  StreamEvent,
  StreamMetrics,
  StreamMode,
  StreamStore,
  StreamSummary,
} from './stream-store.js';
import { Stream } from './stream.js';
import { DEFAULT_SHARD_LIMITS, ReadLimiter, WriteLimiter } from './throughput-limiter.js';
import { Violations, checkIntegerAtLeast, checkLength, checkTagCharacters, validateStreamName, validateTags } from './validation.js';

export interface StreamStoreSettings {
  readonly clock?: Clock;
  readonly shardLimits?: ShardLimits | false | undefined;
  readonly region?: string;
  readonly accountId?: string;
  readonly shardLimit?: number;
  readonly onDemandScaling?: OnDemandScalingOptions | false;
  /** Runs once the store has closed every file (releases the data directory's lock). */
  readonly onClosed?: () => Promise<void>;
}

/** How often a put whose shard another process sealed is routed again (each time after a reload). */
const SEALED_RETRIES = 3;
const MAX_REPLICAS = 5;

export class StreamStoreImpl implements StreamStore {
  private readonly clock: Clock;
  private readonly account: Account;
  private readonly shardLimits: ShardLimits | false;
  private readonly shardLimit: number;
  private readonly streams = new Map<string, Stream>();
  private readonly listeners = new Set<(event: StreamEvent) => void>();
  private retentionTimer: NodeJS.Timeout | undefined;
  private retentionRun: Promise<void> | undefined;
  /** Absent when on-demand scaling is off. */
  private readonly scaler: OnDemandScaler | undefined;
  private readonly scalingCheckIntervalMs: number;
  private scalingTimer: NodeJS.Timeout | undefined;
  private scalingRun: Promise<void> | undefined;
  private closed = false;
  private readonly reshardContext: ReshardContext;
  private readonly onClosed: (() => Promise<void>) | undefined;
  /** Changes other processes made to a shared storage, applied one at a time in the order they came. */
  private storedChanges: Promise<void> = Promise.resolve();
  /**
   * Reads of a stream's metadata from a shared storage for a name this process did not know (knowStream),
   * one per name, shared by every request that asks meanwhile and removed when it settles: at most one
   * entry per distinct name in flight, which the servers' limits on connections and requests bound.
   * Nothing is kept after: a name found missing is asked again next time, so a later create elsewhere is seen.
   */
  private readonly lookups = new Map<string, Promise<void>>();

  constructor(
    private readonly storage: StreamStorage,
    private readonly iterators: ShardIteratorCodec,
    settings: StreamStoreSettings,
  ) {
    this.clock = settings.clock ?? systemClock;
    this.account = { region: settings.region ?? 'us-east-1', accountId: settings.accountId ?? '000000000000' };
    this.shardLimits = settings.shardLimits === undefined ? DEFAULT_SHARD_LIMITS : settings.shardLimits;
    this.shardLimit = settings.shardLimit ?? DEFAULT_SHARD_LIMIT;
    this.onClosed = settings.onClosed;
    const scaling = settings.onDemandScaling ?? {};
    this.scalingCheckIntervalMs = (scaling && scaling.checkIntervalMs) || ON_DEMAND_SCALING_CHECK_INTERVAL_MS;
    this.scaler =
      this.shardLimits === false || scaling === false
        ? undefined
        : new OnDemandScaler({
            perShard: { recordsPerSecond: this.shardLimits.writeRecordsPerSecond, bytesPerSecond: this.shardLimits.writeBytesPerSecond },
            targetUtilisation: ON_DEMAND_TARGET_UTILISATION,
            minShards: ON_DEMAND_INITIAL_SHARDS,
            maxShards: Math.min(scaling.maxShards ?? ON_DEMAND_MAX_SHARDS, MAX_SHARDS_PER_STREAM),
            windowSeconds: ON_DEMAND_RATE_WINDOW_SECONDS,
            scaleDownCooldownMs: ON_DEMAND_SCALE_DOWN_COOLDOWN_MS,
          });
    this.reshardContext = {
      clock: this.clock,
      storage: this.storage,
      newShard: (init) => this.newShard(init),
      persist: (stream) => this.persist(stream),
      emit: (event) => this.emit(event),
      logSettings: (stream) => this.logSettings(stream),
      // A shared storage's log of a new shard may be the one another process's resharding (which won
      // the race to record it) now writes to: this process lets go of it and leaves it be.
      discard: (log) => (this.storage.watch === undefined ? log.destroy() : log.close()),
    };
  }

  /** Rebuilds streams from storage; a closed shard whose final offset was never recorded takes its log's end. */
  async load(): Promise<void> {
    for (const { dir, metadata, revision } of await this.storage.loadStreams()) {
      const stream = this.newStream(metadata, dir, revision);
      const shards = await Promise.all(metadata.shards.map((m) => this.shardFromMetadata(stream, m)));
      stream.addShards(shards);
      const withFiles = shards.filter((s) => !(s.log instanceof MemoryShardLog));
      await this.storage.removeUnlistedShards(dir, new Set(withFiles.map((s) => s.shardId)));
      stream.status = 'ACTIVE';
      stream.refreshRouting();
      this.streams.set(stream.name, stream);
      if (await this.finishInterruptedClosings(stream)) await this.persist(stream).catch(() => undefined);
    }
    // A shared storage tells this store what other processes change from now on.
    await this.storage.watch?.((change) => {
      const next = this.storedChanges.then(() => this.applyStoredChange(change));
      this.storedChanges = next.catch(() => undefined);
    });
  }

  /**
   * A shard closed by a resharding that stopped before recording where the shard ends (a crash) ends
   * where its log does; true when any was found. A shared log is sealed first, so that no process's
   * late write lands past that end.
   */
  private async finishInterruptedClosings(stream: Stream): Promise<boolean> {
    let found = false;
    for (const shard of stream.allShards()) {
      if (shard.closedAt === undefined || shard.closeOffset !== undefined) continue;
      found = true;
      shard.finishClosing(shard.log.seal === undefined ? shard.log.committedOffset : await shard.log.seal());
    }
    return found;
  }

  /** A shard as its metadata describes it, with its log opened. */
  private async shardFromMetadata(stream: Stream, m: ShardMetadata): Promise<Shard> {
    const empty = m.closedAt !== undefined && m.closeOffset === 0;
    return this.newShard({
      index: m.index,
      range: { start: BigInt(m.startingHashKey), end: BigInt(m.endingHashKey) },
      parentIndex: m.parentIndex,
      adjacentParentIndex: m.adjacentParentIndex,
      createdAt: m.createdAt,
      closedAt: m.closedAt,
      closeOffset: m.closeOffset,
      // A shard that closed without ever holding a record needs no files (nor descriptors).
      log: empty ? new MemoryShardLog() : await this.storage.openShardLog(stream.dir, formatShardId(m.index), this.clock, this.logSettings(stream)),
    });
  }

  private logSettings(stream: Stream): { replicas?: number } {
    return stream.replicas === undefined ? {} : { replicas: stream.replicas };
  }

  /**
   * Applies what another process did to a shared storage: a stream created, changed (settings, tags,
   * consumers, resharding, retention) or deleted. Followers hear of it as of a change made here.
   */
  private async applyStoredChange(change: StoredStreamChange): Promise<void> {
    if (this.closed) return;
    const name = change.type === 'deleted' ? change.streamName : change.stream.metadata.name;
    let stream = this.streams.get(name);
    if (stream !== undefined && stream.localChanges > 0) {
      // Applied once this process's own change has settled (and its write has won or lost).
      stream.deferred.push(change);
      return;
    }
    const revision = change.type === 'deleted' ? change.revision : change.stream.revision;
    // What this process wrote itself, or has applied already.
    if (stream?.revision !== undefined && revision <= stream.revision) return;
    if (change.type === 'deleted') {
      if (stream !== undefined) await this.forget(stream);
      return;
    }
    const { dir, metadata } = change.stream;
    if (stream !== undefined && stream.incarnation !== metadata.incarnation) {
      await this.forget(stream);
      stream = undefined;
    }
    if (stream === undefined) {
      const created = this.newStream(metadata, dir, revision);
      created.addShards(await Promise.all(metadata.shards.map((m) => this.shardFromMetadata(created, m))));
      if (this.closed || this.streams.has(metadata.name)) {
        for (const shard of created.allShards()) await shard.log.close().catch(() => undefined);
        return;
      }
      created.status = 'ACTIVE';
      created.refreshRouting();
      this.streams.set(created.name, created);
      this.emit({ type: 'created', streamName: created.name });
      return;
    }
    await this.refreshFromMetadata(stream, metadata);
    stream.revision = revision;
  }

  /**
   * Runs one of this process's changes to a stream; changes from a shared storage that arrive meanwhile
   * wait until it has settled, and are applied then (a write that lost to one is undone first).
   */
  private async changing<T>(stream: Stream, change: () => Promise<T>): Promise<T> {
    stream.localChanges++;
    try {
      return await change();
    } finally {
      await this.changeSettled(stream);
    }
  }

  /** Ends one of this process's changes to `stream`; the last one applies the changes that waited for it. */
  private async changeSettled(stream: Stream): Promise<void> {
    if (--stream.localChanges > 0 || stream.deferred.length === 0) return;
    const waiting = stream.deferred.splice(0);
    const next = this.storedChanges.then(async () => {
      for (const c of waiting) await this.applyStoredChange(c);
    });
    this.storedChanges = next.catch(() => undefined);
    await this.storedChanges;
  }

  /** Brings a stream in step with metadata another process wrote. */
  private async refreshFromMetadata(stream: Stream, metadata: StreamMetadata): Promise<void> {
    stream.mode = metadata.mode;
    stream.retentionPeriodHours = metadata.retentionPeriodHours;
    restoreMap(stream.tags, new Map(Object.entries(metadata.tags)));
    restoreMap(stream.consumers, new Map(metadata.consumers.map((c) => [c.name, consumerFor(stream.arn, c.name, c.createdAt)])));
    stream.nextShardIndex = Math.max(stream.nextShardIndex, metadata.nextShardIndex);
    stream.scalings = [...metadata.scalings];
    let reshaped = false;
    const listed = new Set<number>();
    for (const m of metadata.shards) {
      listed.add(m.index);
      const shard = stream.shardByIndex(m.index);
      if (shard === undefined) {
        stream.addShards([await this.shardFromMetadata(stream, m)]);
        reshaped = true;
        continue;
      }
      if (m.closedAt !== undefined && shard.closedAt === undefined) {
        shard.closedAt = m.closedAt;
        reshaped = true;
      }
      if (m.closeOffset !== undefined && shard.closeOffset === undefined) {
        shard.finishClosing(m.closeOffset);
        reshaped = true;
      }
    }
    for (const shard of stream.allShards()) {
      if (listed.has(shard.index)) continue;
      // Expired by retention in another process, which also removes its log.
      stream.removeShard(shard);
      shard.dispose();
      await shard.log.close().catch(() => undefined);
      reshaped = true;
    }
    if (reshaped) {
      stream.refreshRouting();
      this.emit({ type: 'resharded', streamName: stream.name });
    }
  }

  /** Drops a stream another process deleted (or replaced): its logs close here; that process removed them. */
  private async forget(stream: Stream): Promise<void> {
    stream.status = 'DELETING';
    this.streams.delete(stream.name);
    const shards = stream.allShards();
    for (const shard of shards) shard.dispose();
    await Promise.all(shards.map((s) => s.log.close().catch(() => undefined)));
    this.emit({ type: 'deleted', streamName: stream.name });
  }

  startRetentionTimer(intervalMs = RETENTION_CHECK_INTERVAL_MS): void {
    this.retentionTimer = setInterval(() => {
      this.enforceRetention().catch(() => undefined);
    }, intervalMs);
    this.retentionTimer.unref();
  }

  /** Checks ON_DEMAND streams' traffic on a timer; a failed scaling is tried again at the next check. */
  startOnDemandScalingTimer(): void {
    if (this.scaler === undefined) return;
    this.scalingTimer = setInterval(() => {
      this.scaleOnDemandStreams().catch(() => undefined);
    }, this.scalingCheckIntervalMs);
    this.scalingTimer.unref();
  }

  // ---- lifecycle ----------------------------------------------------------------------------------------

  async createStream(
    streamName: string,
    options: { shardCount?: number; mode?: StreamMode; tags?: Record<string, string>; replicas?: number },
  ): Promise<void> {
    this.checkOpen();
    const v = new Violations();
    if (typeof streamName !== 'string' || streamName.length < 1 || streamName.length > MAX_STREAM_NAME_LENGTH || !STREAM_NAME_PATTERN.test(streamName)) {
      validateStreamName(streamName);
    }
    const mode: StreamMode = options.mode ?? (options.shardCount === undefined ? 'ON_DEMAND' : 'PROVISIONED');
    if (mode !== 'PROVISIONED' && mode !== 'ON_DEMAND') {
      v.add(mode, 'streamModeDetails.streamMode', 'Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]');
    }
    if (options.shardCount !== undefined) checkIntegerAtLeast(v, options.shardCount, 'shardCount', 1);
    if (options.replicas !== undefined && (!Number.isInteger(options.replicas) || options.replicas < 1 || options.replicas > MAX_REPLICAS)) {
      v.add(options.replicas, 'replicas', `Member must be a whole number from 1 to ${MAX_REPLICAS}`);
    }
    v.throwIfAny();
    if (mode === 'ON_DEMAND' && options.shardCount !== undefined) {
      throw new EddyError('ValidationException', `ShardCount ${options.shardCount} cannot be set for stream ${streamName} in ON_DEMAND mode.`);
    }
    const shardCount = mode === 'ON_DEMAND' ? ON_DEMAND_INITIAL_SHARDS : options.shardCount;
    if (shardCount === undefined) {
      throw new EddyError('InvalidArgumentException', `ShardCount is required to create stream ${streamName} in PROVISIONED mode.`);
    }
    if (shardCount > MAX_SHARDS_PER_STREAM) {
      throw new EddyError('LimitExceededException', `ShardCount ${shardCount} exceeds the maximum of ${MAX_SHARDS_PER_STREAM} shards per stream.`);
    }
    const tags = options.tags ?? {};
    validateTags(tags);
    checkTagCharacters([...Object.keys(tags), ...Object.values(tags)], `add tags to stream ${streamName} under account ${this.account.accountId}`);
    if (Object.keys(tags).length > MAX_TAGS_PER_STREAM) throw this.tooManyTags(streamName);
    if (this.streams.has(streamName)) throw streamAlreadyExists(this.account, streamName);
    this.checkShardQuota(shardCount);
    if (mode === 'ON_DEMAND') this.checkOnDemandQuota();

    const now = this.clock.now();
    const stream = new Stream({
      name: streamName,
      arn: streamArn(this.account, streamName),
      createdAt: now,
      incarnation: randomInt(0, 2 ** 48 - 1),
      mode,
      retentionPeriodHours: DEFAULT_RETENTION_HOURS,
      tags,
      consumers: [],
      nextShardIndex: shardCount,
      scalings: [],
      dir: undefined,
      replicas: options.replicas,
    });
    // Registered while CREATING so a concurrent create of the same name fails and the quota counts it.
    this.streams.set(streamName, stream);
    stream.localChanges++;
    let dir: string | undefined;
    const created: Shard[] = [];
    try {
      dir = await this.storage.createStreamDir(streamName, stream.incarnation);
      stream.dir = dir;
      const ranges = uniformRanges(shardCount);
      const logs = await Promise.all(ranges.map((_, i) => this.storage.openShardLog(dir, formatShardId(i), this.clock, this.logSettings(stream))));
      for (let i = 0; i < shardCount; i++) created.push(this.newShard({ index: i, range: ranges[i]!, createdAt: now, log: logs[i]! }));
      stream.addShards(created);
      await this.persist(stream);
    } catch (e) {
      this.streams.delete(streamName);
      for (const shard of created) {
        shard.dispose();
        await shard.log.close().catch(() => undefined);
      }
      await this.storage.removeStreamDir(dir).catch(() => undefined);
      // Another process created the name first (a shared storage's create refused this one).
      if (e instanceof EddyError && e.code === 'ResourceInUseException') {
        await this.storage.reload?.(streamName).catch(() => undefined);
        await this.changeSettled(stream);
        throw streamAlreadyExists(this.account, streamName);
      }
      await this.changeSettled(stream);
      throw asInternalFailure(e, `creating stream ${streamName}`);
    }
    stream.refreshRouting();
    stream.status = 'ACTIVE';
    this.emit({ type: 'created', streamName });
    await this.changeSettled(stream);
  }

  async deleteStream(streamName: string, options?: { enforceConsumerDeletion?: boolean }): Promise<void> {
    const stream = this.existingStream(streamName);
    if (stream.status !== 'ACTIVE') throw streamNotActive(this.account, streamName, stream.status);
    if (options?.enforceConsumerDeletion === false && stream.consumers.size > 0) {
      throw new EddyError(
        'ResourceInUseException',
        `Stream ${streamName} under account ${this.account.accountId} has ${stream.consumers.size} registered consumers; ` +
          'deregister them or set EnforceConsumerDeletion to delete it.',
      );
    }
    stream.status = 'DELETING';
    this.streams.delete(streamName);
    const shards = stream.allShards();
    for (const shard of shards) shard.dispose();
    await Promise.all(shards.map((s) => s.log.close()));
    await this.storage.removeStreamDir(stream.dir);
    this.emit({ type: 'deleted', streamName });
  }

  listStreams(): StreamSummary[] {
    return [...this.streams.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((s) => s.summary());
  }

  describeStream(streamName: string): StreamDescription {
    validateStreamName(streamName);
    // A stream being created is visible here as CREATING, as Kinesis's StreamExists waiter expects.
    const stream = this.streams.get(streamName);
    if (!stream) throw streamNotFound(this.account, streamName);
    return stream.describe();
  }

  knowStream(streamName: string): Promise<void> | undefined {
    const reload = this.storage.reload;
    if (reload === undefined || this.closed || this.streams.has(streamName) || !isStreamName(streamName)) return undefined;
    let lookup = this.lookups.get(streamName);
    if (lookup === undefined) {
      lookup = (async () => {
        try {
          // A key whose latest operation is a delete comes back as one, and leaves the name unknown.
          await reload.call(this.storage, streamName);
        } catch (e) {
          throw asInternalFailure(e, `looking up stream ${streamName} in the shared store`);
        }
        await this.storedChanges;
      })().finally(() => this.lookups.delete(streamName));
      this.lookups.set(streamName, lookup);
    }
    return lookup;
  }

  streamNameFromArn(streamARN: string): string {
    const { region, accountId, streamName } = parseStreamArn(streamARN);
    const stream = this.streams.get(streamName);
    if (region !== this.account.region || accountId !== this.account.accountId || !stream || stream.arn !== streamARN) {
      throw new EddyError('ResourceNotFoundException', `Stream ${streamName} under account ${accountId} not found.`);
    }
    return streamName;
  }

  // ---- writes ----------------------------------------------------------------------------------------

  async putRecord(
    streamName: string,
    record: PutRecordInput,
    options?: { sequenceNumberForOrdering?: string },
  ): Promise<PutRecordResult> {
    let stream = this.writableStream(streamName);
    const now = this.clock.now();
    let result: PutRecordResult | undefined;
    for (let attempt = 0; result === undefined; attempt++) {
      try {
        result = await writeRecord(stream, record, options, now, this.throttles(stream), this.account);
      } catch (e) {
        if (!(e instanceof ShardSealedError)) throw e;
        if (attempt === SEALED_RETRIES) throw asInternalFailure(e, `writing to stream ${streamName}`);
        stream = await this.reloaded(streamName);
      }
    }
    if (this.scaler !== undefined && stream.mode === 'ON_DEMAND') {
      this.scaler.recordWrites(stream, now, 1, record.data.byteLength + record.partitionKey.length);
    }
    return result;
  }

  async putRecords(streamName: string, records: readonly PutRecordInput[], internal?: InternalPutOptions): Promise<PutRecordsEntry[]> {
    const arrivals = internal?.arrivalTimestamps;
    if (arrivals !== undefined && (!streamName.startsWith(KDA_STREAM_PREFIX) || arrivals.length !== records.length)) {
      throw new EddyError('InternalFailure', `arrival times are given only for the records of an application's stream (not '${streamName}'), one per record`, 'internal');
    }
    let stream = this.writableStream(streamName);
    const now = this.clock.now();
    const written = await writeRecords(stream, records, now, this.throttles(stream), this.account, arrivals);
    const entries = written.entries;
    // Records whose shard another process closed meanwhile go to its children, as a later put would.
    let sealed = written.sealed;
    for (let attempt = 0; sealed.length > 0 && attempt < SEALED_RETRIES; attempt++) {
      stream = await this.reloaded(streamName);
      const again = await writeRecords(stream, sealed.map((i) => records[i]!), now, this.throttles(stream), this.account, arrivals && sealed.map((i) => arrivals[i]!));
      sealed.forEach((i, k) => (entries[i] = again.entries[k]!));
      sealed = again.sealed.map((k) => sealed[k]!);
    }
    if (this.scaler !== undefined && stream.mode === 'ON_DEMAND') {
      // Offered traffic, failed records included: on-demand capacity is sized to what producers send.
      let bytes = 0;
      for (const r of records) bytes += r.data.length + r.partitionKey.length;
      this.scaler.recordWrites(stream, now, records.length, bytes);
    }
    return entries;
  }

  // ---- reads -----------------------------------------------------------------------------------------

  async getShardIterator(streamName: string, shardId: string, position: ShardPosition | (() => ShardPosition)): Promise<string> {
    this.checkOpen();
    // Kinesis's order: the shard id's form, then the stream and the shard (both "does not exist"), then
    // the position, then the rate.
    const resolved = resolveShardId(shardId);
    if (resolved === undefined) throw couldNotFindShard(this.account, streamName, String(shardId));
    validateStreamName(streamName);
    const stream = this.streams.get(streamName);
    const shard = stream === undefined || stream.status === 'CREATING' ? undefined : stream.shardByIndex(resolved.index);
    if (stream === undefined || shard === undefined) throw shardNotFound(this.account, streamName, resolved.shardId);
    const now = this.clock.now();
    const where = typeof position === 'function' ? position() : position;
    // In a shared log, LATEST and sequence numbers other processes issued need its latest end.
    if (where?.type !== 'TRIM_HORIZON') await shard.log.refresh?.();
    const offset = await startOffset(stream, shard, where, 'GetShardIterator', now, this.account);
    if (this.throttles(stream) && !shard.readLimiter!.admitIteratorCall(now)) {
      throw shardThroughputExceeded(this.account, stream.name, shard.shardId);
    }
    return this.iterators.encode({
      streamName,
      streamIncarnation: stream.incarnation,
      shardIndex: shard.index,
      offset,
      issuedAt: now,
    });
  }

  streamOfShardIterator(shardIterator: string): string {
    return this.iterators.decode(shardIterator).streamName;
  }

  async getRecords(shardIterator: string, limit: number = MAX_GET_RECORDS_LIMIT, options?: { readonly streamName?: string }): Promise<GetRecordsResult> {
    if (!Number.isInteger(limit) || limit < 1) {
      new Violations().add(limit, 'limit', 'Member must have value greater than or equal to 1').throwIfAny();
    }
    if (limit > MAX_GET_RECORDS_LIMIT) {
      throw new EddyError('InvalidArgumentException', `Limit ${limit} exceeds the maximum of ${MAX_GET_RECORDS_LIMIT} records per GetRecords call.`);
    }
    const state = this.iterators.decode(shardIterator);
    if (options?.streamName !== undefined && options.streamName !== state.streamName) {
      throw iteratorOfAnotherStream(this.account, options.streamName);
    }
    const now = this.clock.now();
    if (now - state.issuedAt > ITERATOR_LIFETIME_MS) throw expiredIterator(state.issuedAt, now);
    // An iterator another process issued may name a stream this one has not heard of yet.
    if (!this.streams.has(state.streamName)) await this.knowStream(state.streamName);
    // A deleted stream's iterator finds no shard, as Kinesis words it; so does one of an earlier stream
    // of the same name whose shard the new stream lacks. An earlier stream's iterator for a shard the new
    // one has is refused as invalid.
    const stream = this.streams.get(state.streamName);
    const shard = stream === undefined || stream.status === 'CREATING' ? undefined : stream.shardByIndex(state.shardIndex);
    if (stream === undefined || shard === undefined) throw shardNotFound(this.account, state.streamName, formatShardId(state.shardIndex));
    if (stream.incarnation !== state.streamIncarnation) throw invalidShardIterator();
    const limiter = this.throttles(stream) ? shard.readLimiter : undefined;
    if (limiter && !limiter.admitCall(now)) {
      shard.metrics.readProvisionedThroughputExceeded++;
      throw shardThroughputExceeded(this.account, stream.name, shard.shardId);
    }
    const read = await readShard(stream, shard, state.offset, limit, MAX_GET_RECORDS_BYTES, now, this.account);
    limiter?.chargeBytes(read.bytes, now);
    const metrics = shard.metrics;
    metrics.outgoingRecords += read.records.length;
    metrics.outgoingBytes += read.bytes;
    metrics.millisBehindLatest = read.millisBehindLatest;
    if (read.endOfShard) {
      return {
        records: read.records,
        nextShardIterator: null,
        millisBehindLatest: read.millisBehindLatest,
        childShards: stream.childShardsOf(shard),
      };
    }
    return {
      records: read.records,
      nextShardIterator: this.iterators.encode({ ...state, offset: read.nextOffset, issuedAt: now }),
      millisBehindLatest: read.millisBehindLatest,
    };
  }

  async refreshShard(streamName: string, shardId: string): Promise<void> {
    const stream = this.readableStream(streamName);
    const resolved = resolveShardId(shardId);
    const shard = resolved === undefined ? undefined : stream.shardByIndex(resolved.index);
    if (shard === undefined) throw shardNotFound(this.account, stream.name, resolved?.shardId ?? String(shardId));
    await shard.log.refresh?.();
  }

  openCursor(streamName: string, shardId: string, position: ShardPosition): ShardCursor {
    const stream = this.readableStream(streamName);
    const resolved = resolveShardId(shardId);
    const shard = resolved === undefined ? undefined : stream.shardByIndex(resolved.index);
    if (shard === undefined) throw shardNotFound(this.account, stream.name, resolved?.shardId ?? String(shardId));
    const offset = startOffset(stream, shard, position, 'openCursor', this.clock.now(), this.account);
    return new StreamShardCursor(stream, shard, offset, this.clock, this.account);
  }

  // ---- resharding -----------------------------------------------------------------------------------

  async splitShard(streamName: string, shardToSplit: string, newStartingHashKey: string): Promise<void> {
    // Kinesis's order: the shard id's form, the stream, its state, the shard, the account's shard limit,
    // then the hash key.
    const resolved = this.resolveShard(streamName, shardToSplit);
    const stream = this.existingStream(streamName);
    const key = parseExplicitHashKey(newStartingHashKey, 'newStartingHashKey', { unbounded: true });
    if (stream.mode !== 'PROVISIONED') throw provisionedOnly(this.account, streamName, 'SplitShard');
    if (stream.status !== 'ACTIVE') throw streamNotActive(this.account, streamName, stream.status);
    const shard = this.shardOf(stream, resolved);
    this.checkShardQuota(1);
    const plan = splitRequest(stream, shard, newStartingHashKey, key, this.account);
    await this.reshard(stream, plan);
  }

  async mergeShards(streamName: string, shardToMerge: string, adjacentShardToMerge: string): Promise<void> {
    // As SplitShard: both ids' form, the stream, its state, then both shards.
    const first = this.resolveShard(streamName, shardToMerge);
    const second = this.resolveShard(streamName, adjacentShardToMerge);
    const stream = this.existingStream(streamName);
    if (stream.mode !== 'PROVISIONED') throw provisionedOnly(this.account, streamName, 'MergeShards');
    if (stream.status !== 'ACTIVE') throw streamNotActive(this.account, streamName, stream.status);
    const a = this.shardOf(stream, first);
    const b = this.shardOf(stream, second);
    await this.reshard(stream, mergeRequest(stream, a, b, this.account));
  }

  async updateShardCount(streamName: string, targetShardCount: number): Promise<{ currentShardCount: number; targetShardCount: number }> {
    const stream = this.existingStream(streamName);
    const v = new Violations();
    checkIntegerAtLeast(v, targetShardCount, 'targetShardCount', 1);
    v.throwIfAny();
    if (stream.mode !== 'PROVISIONED') throw provisionedOnly(this.account, streamName, 'UpdateShardCount');
    if (stream.status !== 'ACTIVE') throw streamNotActive(this.account, streamName, stream.status);
    const now = this.clock.now();
    const { plan, current, recentScalings } = scalingRequest(stream, targetShardCount, now, this.account);
    const result = { currentShardCount: current, targetShardCount };
    // Already uniform at the target: nothing to change, and no scaling spent.
    if (plan.close.length === 0 && plan.create.length === 0) return result;
    if (targetShardCount > current) this.checkShardQuota(targetShardCount - current);
    stream.scalings = [...recentScalings, now];
    await this.reshard(stream, plan);
    return result;
  }

  async updateStreamMode(streamName: string, mode: StreamMode): Promise<void> {
    const stream = this.existingStream(streamName);
    if (mode !== 'PROVISIONED' && mode !== 'ON_DEMAND') {
      new Violations().add(mode, 'streamModeDetails.streamMode', 'Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]').throwIfAny();
    }
    if (stream.status !== 'ACTIVE') throw streamNotActive(this.account, streamName, stream.status);
    if (stream.mode === mode) return;
    if (mode === 'ON_DEMAND') this.checkOnDemandQuota();
    const previous = stream.mode;
    await this.mutate(stream, () => (stream.mode = mode), () => (stream.mode = previous));
  }

  // ---- retention --------------------------------------------------------------------------------------

  async increaseRetentionPeriod(streamName: string, hours: number): Promise<void> {
    const stream = this.existingStream(streamName);
    checkRetentionHours(hours);
    if (hours < stream.retentionPeriodHours) {
      throw new EddyError(
        'InvalidArgumentException',
        `Requested retention period (${hours} hours) for stream ${streamName} can not be shorter than existing retention period (${stream.retentionPeriodHours} hours). Use DecreaseRetentionPeriod API.`,
      );
    }
    if (stream.status !== 'ACTIVE') throw streamNotActive(this.account, streamName, stream.status);
    const previous = stream.retentionPeriodHours;
    await this.mutate(stream, () => (stream.retentionPeriodHours = hours), () => (stream.retentionPeriodHours = previous));
  }

  async decreaseRetentionPeriod(streamName: string, hours: number): Promise<void> {
    const stream = this.existingStream(streamName);
    checkRetentionHours(hours);
    if (hours > stream.retentionPeriodHours) {
      throw new EddyError(
        'InvalidArgumentException',
        `Requested retention period (${hours} hours) for stream ${streamName} can not be longer than existing retention period (${stream.retentionPeriodHours} hours). Use IncreaseRetentionPeriod API.`,
      );
    }
    if (stream.status !== 'ACTIVE') throw streamNotActive(this.account, streamName, stream.status);
    const previous = stream.retentionPeriodHours;
    await this.mutate(stream, () => (stream.retentionPeriodHours = hours), () => (stream.retentionPeriodHours = previous));
    await applyRetention(stream, this.clock.now(), (x) => this.persist(x));
  }

  async enforceRetention(): Promise<void> {
    // One pass at a time: the timer and explicit calls share a run rather than trimming concurrently.
    if (this.retentionRun) return this.retentionRun;
    const run = (async () => {
      for (const stream of [...this.streams.values()]) {
        if (stream.status === 'ACTIVE' || stream.status === 'UPDATING') await applyRetention(stream, this.clock.now(), (x) => this.persist(x));
      }
    })();
    this.retentionRun = run;
    // Cleared once settled; a pass that never awaits settles only after this assignment, so it is cleared too.
    run.finally(() => {
      if (this.retentionRun === run) this.retentionRun = undefined;
    }).catch(() => undefined);
    return run;
  }

  // ---- on-demand capacity ------------------------------------------------------------------------------

  async scaleOnDemandStreams(): Promise<void> {
    const scaler = this.scaler;
    if (scaler === undefined || this.closed) return;
    // One pass at a time, as with retention: the timer and explicit calls share a run.
    if (this.scalingRun) return this.scalingRun;
    const run = (async () => {
      let failure: unknown;
      for (const stream of [...this.streams.values()]) {
        if (this.closed) break;
        if (stream.mode !== 'ON_DEMAND' || stream.status !== 'ACTIVE') continue;
        const target = scaler.decide(stream, this.clock.now(), this.shardLimit - this.openShardCount());
        if (target === undefined) continue;
        const plan = planUniformScaling(stream.openShards(), target, stream.nextShardIndex);
        if (plan.close.length === 0 && plan.create.length === 0) continue;
        // A stream that fails to scale (an I/O error) does not hold back the others.
        await this.reshard(stream, plan).catch((e: unknown) => (failure ??= e));
      }
      if (failure !== undefined) throw failure;
    })();
    this.scalingRun = run;
    run.finally(() => {
      if (this.scalingRun === run) this.scalingRun = undefined;
    }).catch(() => undefined);
    return run;
  }

  // ---- tags ---------------------------------------------------------------------------------------------

  async addTags(streamName: string, tags: Record<string, string>): Promise<void> {
    const stream = this.existingStream(streamName);
    validateTags(tags);
    checkTagCharacters([...Object.keys(tags), ...Object.values(tags)], `add tags to stream ${streamName} under account ${this.account.accountId}`);
    const merged = new Set([...stream.tags.keys(), ...Object.keys(tags)]);
    if (merged.size > MAX_TAGS_PER_STREAM) throw this.tooManyTags(streamName);
    const previous = new Map(stream.tags);
    await this.mutate(
      stream,
      () => Object.entries(tags).forEach(([k, val]) => stream.tags.set(k, val)),
      () => restoreMap(stream.tags, previous),
    );
  }

  async removeTags(streamName: string, tagKeys: readonly string[]): Promise<void> {
    const stream = this.existingStream(streamName);
    const v = new Violations();
    if (!Array.isArray(tagKeys) || tagKeys.length < 1) v.addUnquoted('tagKeys', 'Member must have length greater than or equal to 1');
    else if (tagKeys.length > 50) v.addUnquoted('tagKeys', 'Member must have length less than or equal to 50');
    else tagKeys.forEach((k, i) => checkLength(v, k, `tagKeys.${i + 1}.member`, 1, 128));
    v.throwIfAny();
    checkTagCharacters(tagKeys, `remove tags from stream ${streamName} under account ${this.account.accountId}`);
    const previous = new Map(stream.tags);
    await this.mutate(stream, () => tagKeys.forEach((k) => stream.tags.delete(k)), () => restoreMap(stream.tags, previous));
  }

  listTags(streamName: string): Record<string, string> {
    const stream = this.existingStream(streamName);
    return Object.fromEntries([...stream.tags.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  // ---- consumers ----------------------------------------------------------------------------------------

  async registerConsumer(streamName: string, consumerName: string): Promise<Consumer> {
    const stream = this.existingStream(streamName);
    validateStreamName(consumerName, 'consumerName');
    const existing = stream.consumers.get(consumerName);
    if (existing) {
      throw new EddyError(
        'ResourceInUseException',
        `Consumer ${existing.consumerARN} under account ${this.account.accountId} already exists.`,
      );
    }
    if (stream.consumers.size >= MAX_CONSUMERS_PER_STREAM) {
      throw new EddyError(
        'LimitExceededException',
        `Stream ${stream.arn} under account ${this.account.accountId} already has ${stream.consumers.size} registered consumers; the limit is ${MAX_CONSUMERS_PER_STREAM}.`,
      );
    }
    const consumer = consumerFor(stream.arn, consumerName, this.clock.now());
    await this.mutate(stream, () => stream.consumers.set(consumerName, consumer), () => stream.consumers.delete(consumerName));
    return consumer;
  }

  async deregisterConsumer(streamName: string, consumerName: string): Promise<void> {
    const stream = this.existingStream(streamName);
    const consumer = this.consumerOf(stream, consumerName);
    await this.mutate(stream, () => stream.consumers.delete(consumerName), () => stream.consumers.set(consumerName, consumer));
  }

  describeConsumer(streamName: string, consumerName: string): Consumer {
    return this.consumerOf(this.existingStream(streamName), consumerName);
  }

  consumerByArn(consumerARN: string): { streamName: string; consumer: Consumer } {
    const { streamARN, consumerName } = parseConsumerArn(consumerARN);
    for (const stream of this.streams.values()) {
      if (stream.arn !== streamARN) continue;
      const consumer = stream.consumers.get(consumerName);
      if (consumer && consumer.consumerARN === consumerARN) return { streamName: stream.name, consumer };
    }
    throw consumerNotFound(this.account, consumerARN);
  }

  listConsumers(streamName: string): Consumer[] {
    const stream = this.existingStream(streamName);
    return [...stream.consumers.values()].sort((a, b) => a.consumerCreationTimestamp - b.consumerCreationTimestamp);
  }

  // ---- account-wide ---------------------------------------------------------------------------------------

  limits(): { shardLimit: number; openShardCount: number; onDemandStreamCount: number; onDemandStreamCountLimit: number } {
    return {
      shardLimit: this.shardLimit,
      openShardCount: this.openShardCount(),
      onDemandStreamCount: [...this.streams.values()].filter((s) => s.mode === 'ON_DEMAND').length,
      onDemandStreamCountLimit: ON_DEMAND_STREAM_LIMIT,
    };
  }

  onStreamEvent(listener: (event: StreamEvent) => void): () => void {
    const entry = (event: StreamEvent) => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  damagedShards(): (ShardDamage & { readonly streamName: string })[] {
    return this.listStreams().flatMap((summary) => this.streams.get(summary.streamName)!.damagedShards().map((d) => ({ streamName: summary.streamName, ...d })));
  }

  metrics(): StreamMetrics[] {
    return this.listStreams().map((summary) => {
      const stream = this.streams.get(summary.streamName)!;
      return {
        streamName: summary.streamName,
        openShardCount: stream.openShards().length,
        shards: stream.allShards().map((s) => ({ ...s.metrics })),
      };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    if (this.scalingTimer) clearInterval(this.scalingTimer);
    await this.retentionRun?.catch(() => undefined);
    await this.scalingRun?.catch(() => undefined);
    await this.storage.close?.();
    await this.storedChanges;
    const shards = [...this.streams.values()].flatMap((s) => s.allShards());
    for (const shard of shards) shard.dispose();
    try {
      await Promise.all(shards.map((s) => s.log.close()));
    } finally {
      this.streams.clear();
      await this.onClosed?.();
    }
  }

  // ---- internals -------------------------------------------------------------------------------------------

  /** Applies a metadata change in memory and persists it; undoes it if persisting fails. */
  private async mutate(stream: Stream, apply: () => unknown, undo: () => unknown): Promise<void> {
    try {
      await this.changing(stream, async () => {
        apply();
        try {
          await this.persist(stream);
        } catch (e) {
          undo();
          await this.reloadAfterConflict(stream.name, e);
          throw e;
        }
      });
    } catch (e) {
      throw asInternalFailure(e, `updating stream ${stream.name}`);
    }
  }

  private persist(stream: Stream): Promise<void> {
    return stream.persist(async (metadata: StreamMetadata) => {
      const revision = await this.storage.writeMetadata(stream.dir, metadata, stream.revision);
      if (typeof revision === 'number') stream.revision = revision;
    });
  }

  /**
   * After a change was undone because another process changed the stream first (a shared storage's
   * compare-and-set refused it), fetches what that process wrote, to be applied once this change settles.
   */
  private async reloadAfterConflict(streamName: string, e: unknown): Promise<void> {
    if (!(e instanceof EddyError) || e.code !== 'ResourceInUseException' || this.storage.reload === undefined) return;
    await this.storage.reload(streamName).catch(() => undefined);
    await this.storedChanges;
  }

  /** Carries out a resharding plan; one refused because another process resharded first takes on that layout. */
  private async reshard(stream: Stream, plan: ReshardPlan): Promise<void> {
    await this.changing(stream, async () => {
      try {
        await applyReshard(stream, plan, this.reshardContext);
      } catch (e) {
        await this.reloadAfterConflict(stream.name, e);
        throw await this.lostToAnotherProcess(stream, e);
      }
    });
  }

  /**
   * A resharding that failed on a shared storage before its compare-and-set (a timeout while the cluster
   * was busy creating the other process's new shards) lost the race all the same when another process
   * changed the stream meanwhile: it is answered as the refused write would have been, not as a failure.
   */
  private async lostToAnotherProcess(stream: Stream, e: unknown): Promise<unknown> {
    if (this.storage.reload === undefined || (e instanceof EddyError && e.code === 'ResourceInUseException')) return e;
    await this.storage.reload(stream.name).catch(() => undefined);
    await this.storedChanges;
    const ours = stream.revision ?? 0;
    const changedElsewhere = stream.deferred.some((c) => (c.type === 'deleted' ? c.revision : c.stream.revision) > ours);
    if (!changedElsewhere) return e;
    const lost = new EddyError('ResourceInUseException', `Stream ${stream.name} was changed by another Eddy process meanwhile; this change was not made. Try again.`);
    (lost as { cause?: unknown }).cause = e;
    return lost;
  }

  /** The stream as a shared storage has it now (after a put found a shard sealed by resharding elsewhere). */
  private async reloaded(streamName: string): Promise<Stream> {
    await this.storage.reload?.(streamName);
    await this.storedChanges;
    return this.writableStream(streamName);
  }

  private newStream(metadata: StreamMetadata, dir: string, revision?: number): Stream {
    const arn = streamArn(this.account, metadata.name);
    return new Stream({
      name: metadata.name,
      arn,
      createdAt: metadata.createdAt,
      incarnation: metadata.incarnation,
      mode: metadata.mode,
      retentionPeriodHours: metadata.retentionPeriodHours,
      tags: metadata.tags,
      consumers: metadata.consumers.map((c) => consumerFor(arn, c.name, c.createdAt)),
      nextShardIndex: metadata.nextShardIndex,
      scalings: metadata.scalings,
      dir,
      replicas: metadata.replicas,
      revision,
    });
  }

  private newShard(init: Omit<ShardInit, 'writeLimiter' | 'readLimiter' | 'onDamage'>): Shard {
    const now = this.clock.now();
    const limits = this.shardLimits;
    return new Shard({
      ...init,
      onDamage: (shard) => this.shardDamaged(shard),
      ...(limits === false ? {} : { writeLimiter: new WriteLimiter(limits, now), readLimiter: new ReadLimiter(limits, now) }),
    });
  }

  /** PROVISIONED streams are throttled per shard (writes, GetRecords, GetShardIterator) unless limits are off. */
  private throttles(stream: Stream): boolean {
    return this.shardLimits !== false && stream.mode === 'PROVISIONED';
  }

  private existingStream(streamName: string): Stream {
    validateStreamName(streamName);
    const stream = this.streams.get(streamName);
    if (!stream || stream.status === 'CREATING') throw streamNotFound(this.account, streamName);
    return stream;
  }

  private readableStream(streamName: string): Stream {
    this.checkOpen();
    return this.existingStream(streamName);
  }

  /** Streams accept writes while ACTIVE or UPDATING (resharding). */
  private writableStream(streamName: string): Stream {
    this.checkOpen();
    const stream = this.streams.get(streamName);
    if (stream === undefined || stream.status === 'CREATING') {
      validateStreamName(streamName);
      throw streamNotFound(this.account, streamName);
    }
    return stream;
  }

  /** A shard id in any form Kinesis accepts; one that names no possible shard is not found. */
  private resolveShard(streamName: string, shardId: string): { readonly index: number; readonly shardId: string } {
    const resolved = resolveShardId(shardId);
    if (resolved === undefined) throw couldNotFindShard(this.account, streamName, String(shardId));
    return resolved;
  }

  /** The stream's shard `resolved` names (resharding's wording when there is none). */
  private shardOf(stream: Stream, resolved: { readonly index: number; readonly shardId: string }): Shard {
    const shard = stream.shardByIndex(resolved.index);
    if (!shard) throw couldNotFindShard(this.account, stream.name, resolved.shardId);
    return shard;
  }

  private consumerOf(stream: Stream, consumerName: string): Consumer {
    const consumer = stream.consumers.get(consumerName);
    if (!consumer) throw consumerNotFound(this.account, `${consumerName} of stream ${stream.arn}`);
    return consumer;
  }

  /** Open shards across streams; a stream being created counts the shards it is creating. */
  private openShardCount(): number {
    let count = 0;
    for (const stream of this.streams.values()) {
      count += stream.status === 'CREATING' ? stream.nextShardIndex : stream.openShards().length;
    }
    return count;
  }

  private checkShardQuota(additional: number): void {
    const current = this.openShardCount();
    if (current + additional > this.shardLimit) {
      throw new EddyError(
        'LimitExceededException',
        `This request would exceed the shard limit for the account ${this.account.accountId} in ${this.account.region}. ` +
          `Current shard count for the account: ${current}. Limit: ${this.shardLimit}. ` +
          `Number of additional shards that would have resulted from this request: ${additional}. ` +
          'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
          'for current limits and how to request higher limits.',
      );
    }
  }

  private checkOnDemandQuota(): void {
    const count = this.limits().onDemandStreamCount;
    if (count >= ON_DEMAND_STREAM_LIMIT) {
      throw new EddyError(
        'LimitExceededException',
        `This request would exceed the limit of ${ON_DEMAND_STREAM_LIMIT} ON_DEMAND streams for the account ${this.account.accountId} in ${this.account.region}.`,
      );
    }
  }

  /**
   * Kinesis's words for a 51st tag: recorded naming 10 tags, the limit before streams could hold 50, after
   * the limit became 50; AWS's text is kept, the limit checked is MAX_TAGS_PER_STREAM.
   */
  private tooManyTags(streamName: string): EddyError {
    return new EddyError(
      'InvalidArgumentException',
      `Failed to add tags to stream ${streamName} under account ${this.account.accountId} because a given stream cannot have more than 10 tags associated with it.`,
    );
  }

  private checkOpen(): void {
    if (this.closed) throw new EddyError('ServiceUnavailableException', 'The stream store is closed.', 'internal');
  }

  /** Tells followers about damage a read found (the shard's own figures are already up to date). */
  private shardDamaged(shard: Shard): void {
    for (const stream of this.streams.values()) {
      if (stream.shardByIndex(shard.index) === shard) this.emit({ type: 'damaged', streamName: stream.name, shardId: shard.shardId });
    }
  }

  private emit(event: StreamEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A failing listener must not undo or block the change it is told about.
      }
    }
  }
}

/** Whether a name could be a stream's (else its lookup answers ValidationException, with nothing to ask). */
function isStreamName(name: string): boolean {
  return typeof name === 'string' && name.length >= 1 && name.length <= MAX_STREAM_NAME_LENGTH && STREAM_NAME_PATTERN.test(name);
}

function restoreMap<K, V>(target: Map<K, V>, from: Map<K, V>): void {
  target.clear();
  for (const [k, v] of from) target.set(k, v);
}
