// The shard log: one append-only, offset-addressed log per shard, in memory or on disk.
export type { AppendRecord, FsyncPolicy, LogRecord, ReadLimits, ShardLog, ShardLogOptions } from './shard-log.js';
export { MemoryShardLog } from './memory-shard-log.js';
export { openFileShardLog, type CorruptionReport, type FileShardLogOptions } from './file-shard-log.js';
