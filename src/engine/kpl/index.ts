// KPL aggregated records: the shared home of splitting and packing them (no dependency on the rest of
// the engine, so the consumer library can use it in applications).
export { deaggregate, hasKplMagic, type UserRecord } from './deaggregate.js';
export { aggregate, RecordAggregator, DEFAULT_AGGREGATE_MAX_BYTES, KINESIS_MAX_RECORD_BYTES, type AggregatedKinesisRecord } from './aggregate.js';
export { expandAggregates, type ExpandedRecords } from './expand-aggregates.js';
