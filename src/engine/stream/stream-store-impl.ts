// The stream store: Kinesis Data Streams semantics over one ShardLog per shard, in memory or durable.

import { randomInt } from 'node:crypto';
import { systemClock, type Clock } from '../clock.js';
import { EddyError } from '../errors.js';
import type { AppendRecord } from './log/shard-log.js';
import { MemoryShardLog } from './log/memory-shard-log.js';
import { parseExplicitHashKey } from './hash-key.js';
import { validatePutRecord, validatePutRecords } from './put-validation.js';
import { areAdjacent, planMerge, planSplit, planUniformScaling, type ReshardPlan } from './reshard-plan.js';
import { parseSequenceNumber } from './sequence-number.js';
import { formatShardId } from './shard-id.js';
import { StreamShardCursor } from './shard-cursor.js';
import { ShardIteratorCodec } from './shard-iterator-token.js';
import { uniformRanges } from './shard-ranges.js';
import { readShard } from './shard-reader.js';
import { Shard } from './shard.js';
import {
  ITERATOR_LIFETIME_MS,
  consumerNotFound,
  expiredIterator,
  invalidShardIterator,
  provisionedOnly,
  shardNotFound,
  shardRateMessage,
  shardThroughputExceeded,
  streamAlreadyExists,
  streamNotActive,
  streamNotFound,
  type Account,
} from './stream-errors.js';
import type { StreamMetadata } from './stream-metadata.js';
import type { StreamStorage } from './stream-storage.js';
import type {
  Consumer,
  GetRecordsResult,
  PutRecordInput,
  PutRecordResult,
  PutRecordsEntry,
  ShardCursor,
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
import { Violations, checkIntegerAtLeast, checkLength, validateSequenceNumberForOrdering, validateStreamName } from './validation.js';

export const DEFAULT_RETENTION_HOURS = 24;
export const MAX_RETENTION_HOURS = 8760;
export const ON_DEMAND_INITIAL_SHARDS = 4;
export const DEFAULT_SHARD_LIMIT = 500;
export const ON_DEMAND_STREAM_LIMIT = 50;
export const MAX_CONSUMERS_PER_STREAM = 20;
export const MAX_TAGS_PER_STREAM = 50;
export const MAX_SHARDS_PER_STREAM = 10_000;
export const MAX_SCALINGS_PER_DAY = 10;
export const MAX_GET_RECORDS_LIMIT = 10_000;
export const MAX_GET_RECORDS_BYTES = 10 * 1024 * 1024;
/** How often the retention timer trims logs. */
export const RETENTION_CHECK_INTERVAL_MS = 60_000;
const DAY_MS = 86_400_000;
const STREAM_ARN_PATTERN = /^arn:aws[^:]*:kinesis:([^:]*):(\d{12}):stream\/([a-zA-Z0-9_.-]{1,128})$/;
const CONSUMER_ARN_PATTERN = /^(arn:aws[^:]*:kinesis:[^:]*:\d{12}:stream\/[a-zA-Z0-9_.-]{1,128})\/consumer\/([a-zA-Z0-9_.-]{1,128}):(\d+)$/;

export interface StreamStoreSettings {
  readonly clock?: Clock;
  readonly shardLimits?: ShardLimits | false;
  readonly region?: string;
  readonly accountId?: string;
  readonly shardLimit?: number;
}

export class StreamStoreImpl implements StreamStore {
  private readonly clock: Clock;
  private readonly account: Account;
  private readonly shardLimits: ShardLimits | false;
  private readonly shardLimit: number;
  private readonly streams = new Map<string, Stream>();
  private readonly listeners = new Set<(event: StreamEvent) => void>();
  private retentionTimer: NodeJS.Timeout | undefined;
  private retentionRun: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly storage: StreamStorage,
    private readonly iterators: ShardIteratorCodec,
    settings: StreamStoreSettings,
  ) {
    this.clock = settings.clock ?? systemClock;
    this.account = { region: settings.region ?? 'us-east-1', accountId: settings.accountId ?? '000000000000' };
    this.shardLimits = settings.shardLimits === undefined ? DEFAULT_SHARD_LIMITS : settings.shardLimits;
    this.shardLimit = settings.shardLimit ?? DEFAULT_SHARD_LIMIT;
  }

  /** Rebuilds streams from storage; a closed shard whose final offset was never recorded takes its log's end. */
  async load(): Promise<void> {
    for (const { dir, metadata } of await this.storage.loadStreams()) {
      const stream = this.newStream(metadata, dir);
      const shards = await Promise.all(
        metadata.shards.map(async (m) => {
          const shardId = formatShardId(m.index);
          const empty = m.closedAt !== undefined && m.closeOffset === 0;
          const shard = this.newShard({
            index: m.index,
            range: { start: BigInt(m.startingHashKey), end: BigInt(m.endingHashKey) },
            parentIndex: m.parentIndex,
            adjacentParentIndex: m.adjacentParentIndex,
            createdAt: m.createdAt,
            closedAt: m.closedAt,
            closeOffset: m.closeOffset,
            // A shard that closed without ever holding a record needs no files (nor descriptors).
            log: empty ? new MemoryShardLog() : await this.storage.openShardLog(dir, shardId, this.clock),
          });
          if (shard.closedAt !== undefined && shard.closeOffset === undefined) shard.closeOffset = shard.log.committedOffset;
          return shard;
        }),
      );
      stream.addShards(shards);
      const withFiles = shards.filter((s) => !(s.log instanceof MemoryShardLog));
      await this.storage.removeUnlistedShards(dir, new Set(withFiles.map((s) => s.shardId)));
      stream.status = 'ACTIVE';
      stream.refreshRouting();
      this.streams.set(stream.name, stream);
      if (metadata.shards.some((m) => m.closedAt !== undefined && m.closeOffset === undefined)) await this.persist(stream);
    }
  }

  startRetentionTimer(intervalMs = RETENTION_CHECK_INTERVAL_MS): void {
    this.retentionTimer = setInterval(() => {
      this.enforceRetention().catch(() => undefined);
    }, intervalMs);
    this.retentionTimer.unref();
  }

  // ---- lifecycle ----------------------------------------------------------------------------------------

  async createStream(
    streamName: string,
    options: { shardCount?: number; mode?: StreamMode; tags?: Record<string, string> },
  ): Promise<void> {
    this.checkOpen();
    const v = new Violations();
    if (typeof streamName !== 'string' || streamName.length < 1 || streamName.length > 128 || !/^[a-zA-Z0-9_.-]+$/.test(streamName)) {
      validateStreamName(streamName);
    }
    const mode: StreamMode = options.mode ?? (options.shardCount === undefined ? 'ON_DEMAND' : 'PROVISIONED');
    if (mode !== 'PROVISIONED' && mode !== 'ON_DEMAND') {
      v.add(mode, 'streamModeDetails.streamMode', 'Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]');
    }
    if (options.shardCount !== undefined) checkIntegerAtLeast(v, options.shardCount, 'shardCount', 1);
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
    if (Object.keys(tags).length > MAX_TAGS_PER_STREAM) throw this.tooManyTags(streamName);
    if (this.streams.has(streamName)) throw streamAlreadyExists(this.account, streamName);
    this.checkShardQuota(shardCount);
    if (mode === 'ON_DEMAND') this.checkOnDemandQuota();

    const now = this.clock.now();
    const stream = new Stream({
      name: streamName,
      arn: this.streamArn(streamName),
      createdAt: now,
      incarnation: randomInt(0, 2 ** 48 - 1),
      mode,
      retentionPeriodHours: DEFAULT_RETENTION_HOURS,
      tags,
      consumers: [],
      nextShardIndex: shardCount,
      scalings: [],
      dir: undefined,
    });
    // Registered while CREATING so a concurrent create of the same name fails and the quota counts it.
    this.streams.set(streamName, stream);
    let dir: string | undefined;
    const created: Shard[] = [];
    try {
      dir = await this.storage.createStreamDir(streamName);
      stream.dir = dir;
      const ranges = uniformRanges(shardCount);
      for (let i = 0; i < shardCount; i++) {
        const log = await this.storage.openShardLog(dir, formatShardId(i), this.clock);
        created.push(this.newShard({ index: i, range: ranges[i]!, createdAt: now, log }));
      }
      stream.addShards(created);
      await this.persist(stream);
    } catch (e) {
      this.streams.delete(streamName);
      for (const shard of created) {
        shard.dispose();
        await shard.log.close().catch(() => undefined);
      }
      await this.storage.removeStreamDir(dir).catch(() => undefined);
      throw internal(e, `creating stream ${streamName}`);
    }
    stream.refreshRouting();
    stream.status = 'ACTIVE';
    this.emit({ type: 'created', streamName });
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

  streamNameFromArn(streamARN: string): string {
    const match = typeof streamARN === 'string' ? STREAM_ARN_PATTERN.exec(streamARN) : null;
    if (!match) {
      new Violations()
        .add(streamARN, 'streamARN', 'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+')
        .throwIfAny();
    }
    const [, region, accountId, name] = match!;
    const stream = this.streams.get(name!);
    if (region !== this.account.region || accountId !== this.account.accountId || !stream || stream.arn !== streamARN) {
      throw new EddyError('ResourceNotFoundException', `Stream ${name} under account ${accountId} not found.`);
    }
    return name!;
  }

  // ---- writes ----------------------------------------------------------------------------------------

  async putRecord(
    streamName: string,
    record: PutRecordInput,
    options?: { sequenceNumberForOrdering?: string },
  ): Promise<PutRecordResult> {
    const stream = this.writableStream(streamName);
    const explicit = validatePutRecord(record);
    if (options?.sequenceNumberForOrdering !== undefined) validateSequenceNumberForOrdering(options.sequenceNumberForOrdering);
    const shard = explicit === undefined ? stream.router.route(record.partitionKey) : stream.router.routeHashKey(explicit);
    const now = this.clock.now();
    const size = record.data.byteLength + record.partitionKey.length;
    if (this.throttlesWrites(stream, shard) && !shard.writeLimiter!.admit(size, now)) {
      shard.metrics.writeProvisionedThroughputExceeded++;
      throw shardThroughputExceeded(this.account, streamName, shard.shardId);
    }
    const appended: AppendRecord = { partitionKey: record.partitionKey, data: record.data, arrivalTimestamp: shard.arrivalTime(now) };
    let offset: number;
    try {
      offset = await shard.append([appended]);
    } catch (e) {
      throw internal(e, `writing to ${shard.shardId} of stream ${streamName}`);
    }
    shard.metrics.incomingRecords++;
    shard.metrics.incomingBytes += size;
    return { shardId: shard.shardId, sequenceNumber: shard.putSequenceNumbers.at(offset) };
  }

  async putRecords(streamName: string, records: readonly PutRecordInput[]): Promise<PutRecordsEntry[]> {
    const stream = this.writableStream(streamName);
    const explicit = validatePutRecords(records);
    const now = this.clock.now();
    const n = records.length;
    const entries: PutRecordsEntry[] = new Array(n);
    const router = stream.router;
    const throttling = this.shardLimits !== false && stream.mode === 'PROVISIONED';
    // Records grouped per shard in request order; each group becomes one append. `slotGroups` maps a
    // shard's routing slot to its group during this synchronous pass and is reset before returning.
    const slotGroups = stream.slotGroups();
    const groups: ShardGroup[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const record = records[i]!;
        const hash = explicit?.[i];
        const shard = hash === undefined ? router.route(record.partitionKey) : router.routeHashKey(hash);
        const size = record.data.byteLength + record.partitionKey.length;
        if (throttling && !shard.writeLimiter!.admit(size, now)) {
          shard.metrics.writeProvisionedThroughputExceeded++;
          entries[i] = {
            errorCode: 'ProvisionedThroughputExceededException',
            errorMessage: shardRateMessage(this.account, streamName, shard.shardId),
          };
          continue;
        }
        let g = slotGroups[shard.routeSlot]!;
        if (g < 0) {
          g = slotGroups[shard.routeSlot] = groups.length;
          groups.push({ shard, batch: [], positions: [], bytes: 0, arrival: shard.arrivalTime(now) });
        }
        const group = groups[g]!;
        group.batch.push({ partitionKey: record.partitionKey, data: record.data, arrivalTimestamp: group.arrival });
        group.positions.push(i);
        group.bytes += size;
      }
    } finally {
      for (const group of groups) slotGroups[group.shard.routeSlot] = -1;
    }
    const appends = groups.map(({ shard, batch, positions, bytes }) =>
      shard.append(batch).then(
        (first) => {
          const sequenceNumbers = shard.putSequenceNumbers;
          const shardId = shard.shardId;
          for (let k = 0; k < positions.length; k++) {
            entries[positions[k]!] = { shardId, sequenceNumber: sequenceNumbers.at(first + k) };
          }
          shard.metrics.incomingRecords += positions.length;
          shard.metrics.incomingBytes += bytes;
        },
        () => {
          for (const i of positions) entries[i] = { errorCode: 'InternalFailure', errorMessage: 'Internal service failure.' };
        },
      ),
    );
    await Promise.all(appends);
    return entries;
  }

  // ---- reads -----------------------------------------------------------------------------------------

  getShardIterator(streamName: string, shardId: string, position: ShardPosition): string {
    const stream = this.readableStream(streamName);
    const shard = this.shardOf(stream, shardId);
    const offset = this.resolvePosition(stream, shard, position, 'GetShardIterator');
    return this.iterators.encode({
      streamName,
      streamIncarnation: stream.incarnation,
      shardIndex: shard.index,
      offset,
      issuedAt: this.clock.now(),
    });
  }

  async getRecords(shardIterator: string, limit: number = MAX_GET_RECORDS_LIMIT): Promise<GetRecordsResult> {
    if (!Number.isInteger(limit) || limit < 1) {
      new Violations().add(limit, 'limit', 'Member must have value greater than or equal to 1').throwIfAny();
    }
    if (limit > MAX_GET_RECORDS_LIMIT) {
      throw new EddyError('InvalidArgumentException', `Limit ${limit} exceeds the maximum of ${MAX_GET_RECORDS_LIMIT} records per GetRecords call.`);
    }
    const state = this.iterators.decode(shardIterator);
    const now = this.clock.now();
    if (now - state.issuedAt > ITERATOR_LIFETIME_MS) throw expiredIterator(state.issuedAt, now);
    const stream = this.streams.get(state.streamName);
    if (!stream || stream.status === 'CREATING') throw streamNotFound(this.account, state.streamName);
    if (stream.incarnation !== state.streamIncarnation) throw invalidShardIterator();
    const shard = stream.shardByIndex(state.shardIndex);
    if (!shard) throw shardNotFound(this.account, stream.name, formatShardId(state.shardIndex));
    const limiter = this.shardLimits !== false && stream.mode === 'PROVISIONED' ? shard.readLimiter : undefined;
    if (limiter && !limiter.admitCall(now)) {
      shard.metrics.readProvisionedThroughputExceeded++;
      throw shardThroughputExceeded(this.account, stream.name, shard.shardId);
    }
    const read = readShard(shard, state.offset, limit, MAX_GET_RECORDS_BYTES, now, stream.retentionCutoff(now));
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

  openCursor(streamName: string, shardId: string, position: ShardPosition): ShardCursor {
    const stream = this.readableStream(streamName);
    const shard = this.shardOf(stream, shardId);
    const offset = this.resolvePosition(stream, shard, position, 'openCursor');
    return new StreamShardCursor(stream, shard, offset, this.clock, this.account);
  }

  // ---- resharding -----------------------------------------------------------------------------------

  async splitShard(streamName: string, shardToSplit: string, newStartingHashKey: string): Promise<void> {
    const stream = this.existingStream(streamName);
    const key = parseExplicitHashKey(newStartingHashKey, 'newStartingHashKey');
    if (stream.mode !== 'PROVISIONED') throw provisionedOnly(this.account, streamName, 'SplitShard');
    const shard = this.shardOf(stream, shardToSplit);
    if (stream.status !== 'ACTIVE') throw streamNotActive(this.account, streamName, stream.status);
    if (!shard.isOpen) {
      throw new EddyError(
        'InvalidArgumentException',
        `Shard ${shard.shardId} in stream ${streamName} under account ${this.account.accountId} has already been merged or split, and thus is not eligible for splitting.`,
      );
    }
    if (key <= shard.range.start + 1n || key >= shard.range.end) {
      throw new EddyError(
        'InvalidArgumentException',
        `NewStartingHashKey ${newStartingHashKey} used in SplitShard() on shard ${shard.shardId} in stream ${streamName} ` +
          `under account ${this.account.accountId} is not both greater than one plus the shard's StartingHashKey ` +
          `${shard.range.start} and less than the shard's EndingHashKey ${shard.range.end}.`,
      );
    }
    this.checkShardQuota(1);
    await this.reshard(stream, planSplit(shard, key, stream.nextShardIndex));
  }

  async mergeShards(streamName: string, shardToMerge: string, adjacentShardToMerge: string): Promise<void> {
    const stream = this.existingStream(streamName);
    if (stream.mode !== 'PROVISIONED') throw provisionedOnly(this.account, streamName, 'MergeShards');
    const a = this.shardOf(stream, shardToMerge);
    const b = this.shardOf(stream, adjacentShardToMerge);
    if (stream.status !== 'ACTIVE') throw streamNotActive(this.account, streamName, stream.status);
    for (const s of [a, b]) {
      if (!s.isOpen) {
        throw new EddyError(
          'InvalidArgumentException',
          `Shard ${s.shardId} in stream ${streamName} under account ${this.account.accountId} has already been merged or split, and thus is not eligible for merging.`,
        );
      }
    }
    if (a === b || !areAdjacent(a.range, b.range)) {
      throw new EddyError(
        'InvalidArgumentException',
        `Shards ${a.shardId} and ${b.shardId} in stream ${streamName} under account ${this.account.accountId} are not an adjacent pair of shards eligible for merging`,
      );
    }
    await this.reshard(stream, planMerge(a, b, stream.nextShardIndex));
  }

  async updateShardCount(streamName: string, targetShardCount: number): Promise<{ currentShardCount: number; targetShardCount: number }> {
    const stream = this.existingStream(streamName);
    const v = new Violations();
    checkIntegerAtLeast(v, targetShardCount, 'targetShardCount', 1);
    v.throwIfAny();
    if (stream.mode !== 'PROVISIONED') throw provisionedOnly(this.account, streamName, 'UpdateShardCount');
    if (stream.status !== 'ACTIVE') throw streamNotActive(this.account, streamName, stream.status);
    const open = stream.openShards();
    const current = open.length;
    const target = targetShardCount;
    const rule = (text: string) =>
      new EddyError('LimitExceededException', `${text} Current open shard count: ${current} Target shard count: ${target}`);
    if (target > current * 2) throw rule('UpdateShardCount cannot scale up over double your current open shard count.');
    if (target * 2 < current) throw rule('UpdateShardCount cannot scale down below half your current open shard count.');
    if (target > MAX_SHARDS_PER_STREAM) throw rule(`UpdateShardCount cannot scale a stream above ${MAX_SHARDS_PER_STREAM} shards.`);
    const now = this.clock.now();
    const recent = stream.scalings.filter((t) => t > now - DAY_MS);
    if (recent.length >= MAX_SCALINGS_PER_DAY) {
      throw new EddyError(
        'LimitExceededException',
        `Stream ${streamName} under account ${this.account.accountId} has already been scaled ${recent.length} times in the last 24 hours; the limit is ${MAX_SCALINGS_PER_DAY}.`,
      );
    }
    if (target > current) this.checkShardQuota(target - current);
    const plan = planUniformScaling(open, target, stream.nextShardIndex);
    // Already uniform at the target: nothing to change, and no scaling spent.
    if (plan.close.length === 0 && plan.create.length === 0) return { currentShardCount: current, targetShardCount: target };
    stream.scalings = [...recent, now];
    await this.reshard(stream, plan);
    return { currentShardCount: current, targetShardCount: target };
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
    await this.applyRetention(stream);
  }

  async enforceRetention(): Promise<void> {
    // One pass at a time: the timer and explicit calls share a run rather than trimming concurrently.
    if (this.retentionRun) return this.retentionRun;
    this.retentionRun = (async () => {
      try {
        for (const stream of [...this.streams.values()]) {
          if (stream.status === 'ACTIVE' || stream.status === 'UPDATING') await this.applyRetention(stream);
        }
      } finally {
        this.retentionRun = undefined;
      }
    })();
    return this.retentionRun;
  }

  // ---- tags ---------------------------------------------------------------------------------------------

  async addTags(streamName: string, tags: Record<string, string>): Promise<void> {
    const stream = this.existingStream(streamName);
    validateTags(tags);
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
    const consumer = this.consumerFor(stream.arn, consumerName, this.clock.now());
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
    const match = typeof consumerARN === 'string' ? CONSUMER_ARN_PATTERN.exec(consumerARN) : null;
    if (!match) {
      new Violations()
        .add(consumerARN, 'consumerARN', 'Member must satisfy regular expression pattern: ^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+')
        .throwIfAny();
    }
    const [, streamArn, consumerName] = match!;
    for (const stream of this.streams.values()) {
      if (stream.arn !== streamArn) continue;
      const consumer = stream.consumers.get(consumerName!);
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

  metrics(): StreamMetrics[] {
    return this.listStreams().map((summary) => ({
      streamName: summary.streamName,
      shards: this.streams.get(summary.streamName)!.allShards().map((s) => ({ ...s.metrics })),
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.retentionRun?.catch(() => undefined);
    const shards = [...this.streams.values()].flatMap((s) => s.allShards());
    for (const shard of shards) shard.dispose();
    await Promise.all(shards.map((s) => s.log.close()));
    this.streams.clear();
  }

  // ---- internals -------------------------------------------------------------------------------------------

  /**
   * Applies a resharding plan so that a crash at any point leaves a consistent stream:
   * 1. create the new shards' logs (unlisted until step 2, so recovery deletes them);
   * 2. persist parents as closed and the new shards as listed (writes still reach the parents);
   * 3. route new writes to the new shards;
   * 4. once the parents' in-flight appends settle, record where each parent ends and persist that too.
   * A crash after step 2 recovers each parent's end from its log, which is exactly the acknowledged writes.
   */
  private async reshard(stream: Stream, plan: ReshardPlan): Promise<void> {
    stream.status = 'UPDATING';
    const now = this.clock.now();
    const parents = plan.close.map((i) => stream.shardByIndex(i)!);
    const created: Shard[] = [];
    try {
      try {
        for (const p of plan.create) {
          // Intermediate shards are born closed and empty: they need no files.
          const log = p.open ? await this.storage.openShardLog(stream.dir, formatShardId(p.index), this.clock) : new MemoryShardLog();
          created.push(
            this.newShard({
              index: p.index,
              range: p.range,
              parentIndex: p.parentIndex,
              adjacentParentIndex: p.adjacentParentIndex,
              createdAt: now,
              ...(p.open ? {} : { closedAt: now, closeOffset: 0 }),
              log,
            }),
          );
        }
        const previousNext = stream.nextShardIndex;
        stream.nextShardIndex = Math.max(previousNext, ...plan.create.map((p) => p.index + 1));
        for (const parent of parents) parent.closedAt = now;
        stream.addShards(created);
        try {
          await this.persist(stream);
        } catch (e) {
          for (const parent of parents) parent.closedAt = undefined;
          for (const shard of created) stream.removeShard(shard);
          stream.nextShardIndex = previousNext;
          throw e;
        }
      } catch (e) {
        for (const shard of created) {
          shard.dispose();
          await shard.log.destroy().catch(() => undefined);
        }
        throw internal(e, `resharding stream ${stream.name}`);
      }
      stream.refreshRouting();
      // From here the new layout is in force (and durable), so followers hear of it even if the last step fails.
      try {
        await Promise.all(parents.map((p) => p.drain()));
        for (const parent of parents) parent.finishClosing(parent.log.committedOffset);
        await this.persist(stream);
      } finally {
        if (stream.status === 'UPDATING') stream.status = 'ACTIVE';
        this.emit({ type: 'resharded', streamName: stream.name });
      }
    } finally {
      if (stream.status === 'UPDATING') stream.status = 'ACTIVE';
    }
  }

  private async applyRetention(stream: Stream): Promise<void> {
    const now = this.clock.now();
    const cutoff = stream.retentionCutoff(now);
    const expired: Shard[] = [];
    for (const shard of stream.allShards()) {
      if (shard.disposed) continue;
      await shard.log.trimBefore(cutoff);
      // A closed shard whose every record arrived before the cutoff has nothing left to serve.
      if (shard.closeOffset !== undefined && shard.closedAt !== undefined && shard.closedAt < cutoff) expired.push(shard);
    }
    if (expired.length === 0 || stream.status === 'DELETING') return;
    for (const shard of expired) stream.removeShard(shard);
    await this.persist(stream);
    for (const shard of expired) {
      shard.dispose();
      await shard.log.destroy();
    }
  }

  /** Applies a metadata change in memory and persists it; undoes it if persisting fails. */
  private async mutate(stream: Stream, apply: () => unknown, undo: () => unknown): Promise<void> {
    apply();
    try {
      await this.persist(stream);
    } catch (e) {
      undo();
      throw internal(e, `updating stream ${stream.name}`);
    }
  }

  private persist(stream: Stream): Promise<void> {
    return stream.persist((metadata: StreamMetadata) => this.storage.writeMetadata(stream.dir, metadata));
  }

  private newStream(metadata: StreamMetadata, dir: string): Stream {
    const arn = this.streamArn(metadata.name);
    return new Stream({
      name: metadata.name,
      arn,
      createdAt: metadata.createdAt,
      incarnation: metadata.incarnation,
      mode: metadata.mode,
      retentionPeriodHours: metadata.retentionPeriodHours,
      tags: metadata.tags,
      consumers: metadata.consumers.map((c) => this.consumerFor(arn, c.name, c.createdAt)),
      nextShardIndex: metadata.nextShardIndex,
      scalings: metadata.scalings,
      dir,
    });
  }

  private newShard(
    init: Omit<ConstructorParameters<typeof Shard>[0], 'writeLimiter' | 'readLimiter'>,
  ): Shard {
    const now = this.clock.now();
    const limits = this.shardLimits;
    return new Shard({
      ...init,
      ...(limits === false ? {} : { writeLimiter: new WriteLimiter(limits, now), readLimiter: new ReadLimiter(limits, now) }),
    });
  }

  private resolvePosition(stream: Stream, shard: Shard, position: ShardPosition, operation: string): number {
    const log = shard.log;
    switch (position?.type) {
      case 'TRIM_HORIZON':
        return log.firstOffset;
      case 'LATEST':
        return shard.closeOffset ?? log.committedOffset;
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        const value = position.sequenceNumber;
        if (typeof value !== 'string' || !/^(0|[1-9]\d{0,128})$/.test(value)) {
          new Violations()
            .add(value, 'startingSequenceNumber', 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})')
            .throwIfAny();
        }
        const parsed = parseSequenceNumber(value);
        const invalid = (why: string) =>
          new EddyError(
            'InvalidArgumentException',
            `StartingSequenceNumber ${value} used in ${operation} on shard ${shard.shardId} in stream ${stream.name} ` +
              `under account ${this.account.accountId} is invalid${why}.`,
          );
        if (!parsed) throw invalid(' because it did not come from this stream');
        if (parsed.shardIndex !== shard.index) {
          throw new EddyError(
            'InvalidArgumentException',
            `Invalid StartingSequenceNumber. It encodes ${formatShardId(parsed.shardIndex)}, while it was used in a call to a shard with ${shard.shardId}`,
          );
        }
        if (parsed.offset >= log.committedOffset) throw invalid(' because no record with it has been written to this shard');
        return position.type === 'AT_SEQUENCE_NUMBER' ? parsed.offset : parsed.offset + 1;
      }
      case 'AT_TIMESTAMP': {
        const ts = position.timestamp;
        const now = this.clock.now();
        if (typeof ts !== 'number' || !Number.isFinite(ts)) {
          throw new EddyError('InvalidArgumentException', `Timestamp ${String(ts)} is not a valid time for AT_TIMESTAMP.`);
        }
        if (ts > now) {
          throw new EddyError(
            'InvalidArgumentException',
            `The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: ${ts}, currentTimestampInMillis: ${now}`,
          );
        }
        return log.offsetAtTimestamp(Math.max(ts, stream.retentionCutoff(now)));
      }
      default:
        throw new Violations()
          .add(
            (position as { type?: unknown } | undefined)?.type,
            'shardIteratorType',
            'Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]',
          )
          .throwIfAny() as never;
    }
  }

  private throttlesWrites(stream: Stream, shard: Shard): boolean {
    return this.shardLimits !== false && stream.mode === 'PROVISIONED' && shard.writeLimiter !== undefined;
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

  private shardOf(stream: Stream, shardId: string): Shard {
    const shard = typeof shardId === 'string' ? stream.shardById(shardId) : undefined;
    if (!shard) throw shardNotFound(this.account, stream.name, String(shardId));
    return shard;
  }

  private consumerOf(stream: Stream, consumerName: string): Consumer {
    const consumer = stream.consumers.get(consumerName);
    if (!consumer) throw consumerNotFound(this.account, `${consumerName} of stream ${stream.arn}`);
    return consumer;
  }

  private consumerFor(streamARN: string, name: string, createdAt: number): Consumer {
    return {
      consumerName: name,
      consumerARN: `${streamARN}/consumer/${name}:${Math.floor(createdAt / 1000)}`,
      consumerStatus: 'ACTIVE',
      consumerCreationTimestamp: createdAt,
      streamARN,
    };
  }

  private streamArn(streamName: string): string {
    return `arn:aws:kinesis:${this.account.region}:${this.account.accountId}:stream/${streamName}`;
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
          `Number of additional shards that would have resulted from this request: ${additional}.`,
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

  private tooManyTags(streamName: string): EddyError {
    return new EddyError(
      'InvalidArgumentException',
      `Failed to add tags to stream ${streamName} under account ${this.account.accountId} because a given stream cannot have more than ${MAX_TAGS_PER_STREAM} tags associated with it.`,
    );
  }

  private checkOpen(): void {
    if (this.closed) throw new EddyError('ServiceUnavailableException', 'The stream store is closed.', 'internal');
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

/** The records of one PutRecords call that go to one shard. */
interface ShardGroup {
  readonly shard: Shard;
  readonly batch: AppendRecord[];
  readonly positions: number[];
  bytes: number;
  readonly arrival: number;
}

function checkRetentionHours(hours: number): void {
  if (!Number.isInteger(hours)) {
    new Violations().add(hours, 'retentionPeriodHours', 'Member must be an integer').throwIfAny();
  }
  if (hours < DEFAULT_RETENTION_HOURS) {
    throw new EddyError(
      'InvalidArgumentException',
      `Minimum allowed retention period is ${DEFAULT_RETENTION_HOURS} hours. Requested retention period (${hours} hours) is too short.`,
    );
  }
  if (hours > MAX_RETENTION_HOURS) {
    throw new EddyError(
      'InvalidArgumentException',
      `Maximum allowed retention period is ${MAX_RETENTION_HOURS} hours. Requested retention period (${hours} hours) is too long.`,
    );
  }
}

function validateTags(tags: Record<string, string>): void {
  const v = new Violations();
  if (tags === null || typeof tags !== 'object') {
    v.add(tags, 'tags', 'Member must be a map of strings').throwIfAny();
  }
  for (const [key, value] of Object.entries(tags)) {
    checkLength(v, key, 'tags.key', 1, 128);
    if (typeof value !== 'string') v.add(value, `tags.${key}`, 'Member must be a string');
    else if (value.length > 256) v.add(value, `tags.${key}`, 'Member must have length less than or equal to 256');
  }
  v.throwIfAny();
}

function restoreMap<K, V>(target: Map<K, V>, from: Map<K, V>): void {
  target.clear();
  for (const [k, v] of from) target.set(k, v);
}

function internal(e: unknown, doing: string): Error {
  if (e instanceof EddyError) return e;
  const error = new EddyError('InternalFailure', `Internal failure while ${doing}.`);
  (error as { cause?: unknown }).cause = e;
  return error;
}
