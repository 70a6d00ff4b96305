// Kinesis's quotas and limits, as this store enforces them.

import { EddyError } from '../errors.js';
import { Violations } from './validation.js';

export const DEFAULT_RETENTION_HOURS = 24;
export const MAX_RETENTION_HOURS = 8760;
export const ON_DEMAND_INITIAL_SHARDS = 4;
/** DescribeLimits' ShardLimit: open shards across all streams. */
export const DEFAULT_SHARD_LIMIT = 500;
export const ON_DEMAND_STREAM_LIMIT = 50;
export const MAX_CONSUMERS_PER_STREAM = 20;
export const MAX_TAGS_PER_STREAM = 50;
export const MAX_SHARDS_PER_STREAM = 10_000;
/** UpdateShardCount calls per stream in a rolling 24 hours. */
export const MAX_SCALINGS_PER_DAY = 10;
export const MAX_GET_RECORDS_LIMIT = 10_000;
export const MAX_GET_RECORDS_BYTES = 10 * 1024 * 1024;
/** How often the retention timer trims logs. */
export const RETENTION_CHECK_INTERVAL_MS = 60_000;

/** Retention periods are whole hours in 24 … 8760, with Kinesis's messages outside that. */
export function checkRetentionHours(hours: number): void {
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
