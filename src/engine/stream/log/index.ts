// The shard log: one append-only, offset-addressed log per shard, in memory or on disk.
export type { AppendRecord, FsyncPolicy, LogRecord, ReadLimits, RecordInput, ShardLog, ShardLogOptions } from './shard-log.js';
export { MemoryShardLog } from './memory-shard-log.js';
export { DamagedRecordsError, damagedBytes, damagedRecords, type DamagedRange } from './damaged-range.js';
export {
  DEFAULT_FSYNC_INTERVAL_MS,
  DEFAULT_SEGMENT_BYTES,
  DEFAULT_SEGMENT_MAX_AGE_MS,
  openFileShardLog,
  type CorruptionReport,
  type FileShardLogOptions,
} from './file-shard-log.js';
export { DEFAULT_TAIL_CACHE_BYTES } from './tail-cache.js';
export { DEFAULT_TAIL_CACHE_TOTAL_BYTES, TailCacheBudget } from './tail-cache-budget.js';
