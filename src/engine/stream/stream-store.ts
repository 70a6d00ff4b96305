// The stream store contract: Kinesis Data Streams semantics, narrow enough that a distributed log can back
// it. The server's Kinesis API, the SQL runtime and delivery all talk to streams through it. Two stores
// answer it: one on this machine's disk (the default) and one on a NATS JetStream cluster that several
// Eddy processes share (engine/stream/nats/).

import type { ShardLogOptions } from './log/shard-log.js';
import type { Clock } from '../clock.js';
import type { NatsStoreOptions } from './nats/nats-store-connection.js';

export type StreamMode = 'PROVISIONED' | 'ON_DEMAND';
export type StreamStatus = 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING';
export type ShardIteratorType =
  | 'TRIM_HORIZON'
  | 'LATEST'
  | 'AT_SEQUENCE_NUMBER'
  | 'AFTER_SEQUENCE_NUMBER'
  | 'AT_TIMESTAMP';

/** Hash keys and sequence numbers are decimal strings, as on the Kinesis wire. */
export interface HashKeyRange {
  readonly startingHashKey: string;
  readonly endingHashKey: string;
}

export interface SequenceNumberRange {
  readonly startingSequenceNumber: string;
  /** Set once the shard is closed by resharding. */
  readonly endingSequenceNumber?: string;
}

export interface ShardDescription {
  readonly shardId: string;
  readonly parentShardId?: string;
  readonly adjacentParentShardId?: string;
  readonly hashKeyRange: HashKeyRange;
  readonly sequenceNumberRange: SequenceNumberRange;
  /** When the shard opened (stream creation or the resharding that made it), epoch ms. */
  readonly createdAt?: number;
  /** When resharding closed it (writes went to its children from then on), epoch ms; absent while open. */
  readonly closedAt?: number;
}

/**
 * Records of a shard that its files hold damaged (or have lost), refused to readers until an operator
 * runs `eddy repair`, which quarantines them.
 */
export interface DamagedRecordRange {
  readonly startingSequenceNumber: string;
  /** The last sequence number refused, as far as known (where nothing intact follows, a bound). */
  readonly endingSequenceNumber: string;
  readonly records: number;
  /** Damaged bytes in the shard's files (0 when the records are missing rather than damaged). */
  readonly bytes: number;
  readonly reason: string;
  /** When it was found, epoch ms. */
  readonly foundAt: number;
}

export interface ShardDamage {
  readonly shardId: string;
  readonly records: number;
  readonly bytes: number;
  readonly ranges: readonly DamagedRecordRange[];
}

export interface ChildShard {
  readonly shardId: string;
  readonly parentShards: readonly string[];
  readonly hashKeyRange: HashKeyRange;
}

export interface StreamSummary {
  readonly streamName: string;
  readonly streamARN: string;
  readonly status: StreamStatus;
  readonly mode: StreamMode;
  /** Epoch ms. */
  readonly creationTimestamp: number;
}

export interface StreamDescription extends StreamSummary {
  readonly retentionPeriodHours: number;
  /** Every shard still holding retained data, open or closed, in shard-id order. */
  readonly shards: readonly ShardDescription[];
  readonly openShardCount: number;
  readonly consumerCount: number;
  /** Shards holding damaged records, in shard-id order; absent when there are none. */
  readonly damagedShards?: readonly ShardDamage[];
}

export interface PutRecordInput {
  readonly partitionKey: string;
  readonly data: Uint8Array;
  readonly explicitHashKey?: string;
}

/**
 * What only the engine's own writers may ask of PutRecords (the Kinesis API never passes it).
 * `arrivalTimestamps`: each record's ApproximateArrivalTimestamp (epoch ms), one per record, in place of
 * the clock's time: a Kinesis Data Analytics application's pump writes its rows with their ROWTIME, which
 * KDA carries from the input through every in-application stream. Within a shard a time is never earlier
 * than the one before it (it is raised to it), so arrival times still never go backwards. Refused for a
 * stream that is not an application's (KDA_STREAM_PREFIX).
 */
export interface InternalPutOptions {
  readonly arrivalTimestamps?: readonly number[];
}

export interface PutRecordResult {
  readonly shardId: string;
  readonly sequenceNumber: string;
}

/** One entry of a PutRecords answer: stored, or refused on its own (the others are still stored). */
export type PutRecordsEntry =
  | PutRecordResult
  | { readonly errorCode: 'ProvisionedThroughputExceededException' | 'InternalFailure'; readonly errorMessage: string };

export interface StreamRecord {
  readonly sequenceNumber: string;
  /** ApproximateArrivalTimestamp, epoch ms. */
  readonly arrivalTimestamp: number;
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

export interface GetRecordsResult {
  readonly records: readonly StreamRecord[];
  /** Null once a closed shard has been read to its end. */
  readonly nextShardIterator: string | null;
  readonly millisBehindLatest: number;
  /** Present when the read reached the end of a closed shard. */
  readonly childShards?: readonly ChildShard[];
}

/** Where an in-process reader starts in a shard. */
export type ShardPosition =
  | { readonly type: 'TRIM_HORIZON' | 'LATEST' }
  | { readonly type: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string }
  | { readonly type: 'AT_TIMESTAMP'; readonly timestamp: number };

export interface ShardReadResult {
  readonly records: readonly StreamRecord[];
  /** True when the shard is closed and every record of it has been read. */
  readonly endOfShard: boolean;
  readonly childShards?: readonly ChildShard[];
  readonly millisBehindLatest: number;
  /**
   * True when the store could not be read in time (a NATS node down, a leader being elected): records may
   * be stored past the cursor, none was passed over, and the next read starts from the same place.
   */
  readonly stalled: boolean;
}

/**
 * An in-process reader that follows one shard (used by the SQL runtime and delivery). Reads are not
 * throttled and need no iterator token; `waitForRecords` wakes the reader as soon as records commit.
 */
export interface ShardCursor {
  readonly streamName: string;
  readonly shardId: string;
  /** Sequence number of the last record returned, if any: the position to checkpoint. */
  readonly lastSequenceNumber: string | undefined;
  /**
   * A sequence number to resume from with AFTER_SEQUENCE_NUMBER so that the next record read is the one
   * this cursor reads next, even before it has returned any (SubscribeToShard's ContinuationSequenceNumber);
   * undefined while the cursor is still before the shard's first record.
   */
  readonly continuationSequenceNumber: string | undefined;
  /** As continuationSequenceNumber, exact where the log keeps arrival times elsewhere (a network lookup). */
  exactContinuationSequenceNumber(): Promise<string | undefined>;
  /** Reads what is readable now (possibly nothing); over the network where the store is shared. */
  read(limits?: { maxRecords?: number; maxBytes?: number }): Promise<ShardReadResult>;
  /** Resolves once records past the cursor are readable, the shard closes, or the signal aborts. */
  waitForRecords(signal?: AbortSignal): Promise<void>;
  close(): void;
}

export interface Consumer {
  readonly consumerName: string;
  readonly consumerARN: string;
  readonly consumerStatus: 'CREATING' | 'ACTIVE' | 'DELETING';
  /** Epoch ms. */
  readonly consumerCreationTimestamp: number;
  readonly streamARN: string;
}

export interface ShardLimits {
  /** Write admission per shard in PROVISIONED mode. */
  readonly writeBytesPerSecond: number;
  readonly writeRecordsPerSecond: number;
  /** GetRecords admission per shard in PROVISIONED mode. */
  readonly readBytesPerSecond: number;
  readonly readCallsPerSecond: number;
  /** GetShardIterator admission per shard in PROVISIONED mode (default 5). */
  readonly getShardIteratorCallsPerSecond?: number;
}

export interface StreamStoreOptions {
  /** Data directory; omitted means in-memory. */
  readonly dataDir?: string;
  /** Keeps streams in a NATS JetStream cluster instead (the data directory is then not used for streams). */
  readonly nats?: NatsStoreOptions;
  readonly log?: ShardLogOptions;
  readonly clock?: Clock;
  /** Per-shard throughput limits for PROVISIONED streams; `false` switches throttling off. */
  readonly shardLimits?: ShardLimits | false | undefined;
  /** Used to build ARNs. */
  readonly region?: string;
  readonly accountId?: string;
  /** Maximum number of open shards across all streams (DescribeLimits' ShardLimit). */
  readonly shardLimit?: number;
  /**
   * Shard counts of ON_DEMAND streams that follow their write traffic; on by default while shard limits
   * are on (it measures traffic against them), off with `false` or with `shardLimits: false`.
   */
  readonly onDemandScaling?: OnDemandScalingOptions | false;
}

export interface OnDemandScalingOptions {
  /** The most open shards a stream grows to (default 200). */
  readonly maxShards?: number;
  /** How often streams are checked, in ms (default 10,000). */
  readonly checkIntervalMs?: number;
}

/** Change notifications for in-process followers (new shards after resharding, stream deletion). */
export type StreamEvent =
  | { readonly type: 'created'; readonly streamName: string }
  | { readonly type: 'deleted'; readonly streamName: string }
  | { readonly type: 'resharded'; readonly streamName: string }
  /** Damage was found in a shard's files while reading (damage found at start-up is in `damagedShards()`). */
  | { readonly type: 'damaged'; readonly streamName: string; readonly shardId: string };

export interface StreamStore {
  /** `replicas`: copies a shared store keeps of each shard (JetStream's replication factor; 1 to 5). */
  createStream(
    streamName: string,
    options: { shardCount?: number; mode?: StreamMode; tags?: Record<string, string>; replicas?: number },
  ): Promise<void>;
  /**
   * Deletes a stream. With `enforceConsumerDeletion: false` (Kinesis's default on the wire) a stream with
   * registered consumers is refused with ResourceInUseException; omitted options delete the consumers too.
   */
  deleteStream(streamName: string, options?: { enforceConsumerDeletion?: boolean }): Promise<void>;
  listStreams(): StreamSummary[];
  describeStream(streamName: string): StreamDescription;
  /**
   * Makes sure this process knows `streamName` if it exists anywhere: on a storage other processes share,
   * a stream one of them created that this process has not heard of yet (its watch delivers changes a
   * moment later) is read from the storage, and the promise resolves once it is known here, or known not
   * to exist. Undefined when there is nothing to wait for: the stream is known, the name is not a valid
   * stream name (the lookup that follows answers ValidationException), or the store is this process's
   * alone, where a miss is final. Entry points that name a stream call it before answering that it does
   * not exist; it rejects only when the shared storage cannot be read.
   */
  knowStream(streamName: string): Promise<void> | undefined;
  /** Resolves a StreamARN to its stream name (ResourceNotFoundException if unknown). */
  streamNameFromArn(streamARN: string): string;

  putRecord(
    streamName: string,
    record: PutRecordInput,
    options?: { sequenceNumberForOrdering?: string },
  ): Promise<PutRecordResult>;
  putRecords(streamName: string, records: readonly PutRecordInput[], internal?: InternalPutOptions): Promise<PutRecordsEntry[]>;

  /**
   * An iterator at `position` in the shard. A function is called once the stream and shard are found, so
   * that a caller checking the request's arguments there reports problems in Kinesis's order (the shard's
   * absence first).
   */
  getShardIterator(streamName: string, shardId: string, position: ShardPosition | (() => ShardPosition)): Promise<string>;
  /**
   * Reads from where the iterator points. With `streamName` (a GetRecords that names its stream by
   * StreamARN), an iterator issued for another stream is refused with InvalidArgumentException.
   */
  getRecords(shardIterator: string, limit?: number, options?: { readonly streamName?: string }): Promise<GetRecordsResult>;
  /** The stream a shard iterator reads, for permission checks; an iterator this store did not issue is InvalidArgumentException. */
  streamOfShardIterator(shardIterator: string): string;
  openCursor(streamName: string, shardId: string, position: ShardPosition): ShardCursor;
  /**
   * Brings this process's view of a shard's end up to date: in a log shared with other processes, the
   * records they have put (a no-op on the local store). Call it before openCursor at LATEST or at a
   * sequence number another process may have issued, as GetShardIterator does itself.
   */
  refreshShard(streamName: string, shardId: string): Promise<void>;

  splitShard(streamName: string, shardToSplit: string, newStartingHashKey: string): Promise<void>;
  mergeShards(streamName: string, shardToMerge: string, adjacentShardToMerge: string): Promise<void>;
  updateShardCount(streamName: string, targetShardCount: number): Promise<{ currentShardCount: number; targetShardCount: number }>;
  updateStreamMode(streamName: string, mode: StreamMode): Promise<void>;
  increaseRetentionPeriod(streamName: string, hours: number): Promise<void>;
  decreaseRetentionPeriod(streamName: string, hours: number): Promise<void>;

  addTags(streamName: string, tags: Record<string, string>): Promise<void>;
  removeTags(streamName: string, tagKeys: readonly string[]): Promise<void>;
  listTags(streamName: string): Record<string, string>;

  registerConsumer(streamName: string, consumerName: string): Promise<Consumer>;
  deregisterConsumer(streamName: string, consumerName: string): Promise<void>;
  describeConsumer(streamName: string, consumerName: string): Consumer;
  /** Finds a consumer by its ARN (ResourceNotFoundException if unknown). */
  consumerByArn(consumerARN: string): { streamName: string; consumer: Consumer };
  listConsumers(streamName: string): Consumer[];

  limits(): { shardLimit: number; openShardCount: number; onDemandStreamCount: number; onDemandStreamCountLimit: number };

  /** Subscribes to stream lifecycle changes; returns a function that unsubscribes. */
  onStreamEvent(listener: (event: StreamEvent) => void): () => void;

  /** Per-stream, per-shard counters for /metrics (CloudWatch's stream metrics). */
  metrics(): StreamMetrics[];

  /** Every shard holding damaged records, by stream; empty for a healthy store. */
  damagedShards(): (ShardDamage & { readonly streamName: string })[];

  /** Applies retention now (also runs on a timer). */
  enforceRetention(): Promise<void>;

  /** Resizes ON_DEMAND streams to their recent write traffic now (also runs on a timer). */
  scaleOnDemandStreams(): Promise<void>;

  /** Finishes in-flight writes and closes every file. */
  close(): Promise<void>;
}

export interface ShardMetrics {
  readonly shardId: string;
  incomingRecords: number;
  incomingBytes: number;
  outgoingRecords: number;
  outgoingBytes: number;
  writeProvisionedThroughputExceeded: number;
  readProvisionedThroughputExceeded: number;
  /** From the latest GetRecords on this shard. */
  millisBehindLatest: number;
  /** Damaged ranges in the shard's files, the records they refuse and their bytes (see ShardDamage). */
  damagedRanges: number;
  damagedRecords: number;
  damagedBytes: number;
}

export interface StreamMetrics {
  readonly streamName: string;
  /** Shards taking writes now; on-demand scaling and resharding change it. */
  readonly openShardCount: number;
  readonly shards: readonly ShardMetrics[];
}
