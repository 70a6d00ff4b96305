// The engine's public surface: the only door into the engine for sql/ and server/.
export { EddyError, isEddyError } from './errors.js';
export type { ErrorCode, Fault } from './errors.js';
export { ManualClock, systemClock } from './clock.js';
export type { Clock } from './clock.js';
export type {
  ChildShard,
  Consumer,
  GetRecordsResult,
  HashKeyRange,
  PutRecordInput,
  PutRecordResult,
  PutRecordsEntry,
  SequenceNumberRange,
  ShardCursor,
  ShardDescription,
  ShardIteratorType,
  ShardLimits,
  ShardMetrics,
  ShardPosition,
  ShardReadResult,
  StreamDescription,
  StreamEvent,
  StreamMetrics,
  StreamMode,
  StreamRecord,
  StreamStatus,
  StreamStore,
  StreamStoreOptions,
  StreamSummary,
} from './stream/stream-store.js';
export type { FsyncPolicy, ShardLogOptions } from './stream/log/shard-log.js';
export { openStreamStore } from './stream/open-stream-store.js';
export { DEFAULT_SHARD_LIMITS } from './stream/throughput-limiter.js';
export {
  DeliveryManager,
  INTERNAL_STREAM_PREFIX,
  unsnappyFramed,
  unhadoopSnappy,
} from './delivery/index.js';
export type {
  CreateDeliveryStreamRequest,
  DeliveryEvent,
  DeliveryFailure,
  DeliveryManagerOptions,
  DeliveryMetrics,
  DeliveryStreamDescription,
  DeliveryStreamRecord,
  ExtendedS3Destination,
  PutRecordBatchEntry,
  RetryPolicy,
  StreamSchemaResolver,
  UpdateDestinationRequest,
} from './delivery/index.js';
