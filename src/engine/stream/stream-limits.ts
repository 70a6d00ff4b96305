// Kinesis's quotas and limits, as this store enforces them.

import { EddyError } from '../errors.js';
import { Violations } from './validation.js';

export const DEFAULT_RETENTION_HOURS = 24;
export const MAX_RETENTION_HOURS = 8760;
export const ON_DEMAND_INITIAL_SHARDS = 4;
/** The most open shards on-demand scaling grows a stream to: 200 MiB/s of writes, Kinesis's default on-demand maximum. */
export const ON_DEMAND_MAX_SHARDS = 200;
/** On-demand scaling keeps write traffic at or under this share of what the open shards admit. */
export const ON_DEMAND_TARGET_UTILISATION = 0.5;
/** On-demand scaling averages write traffic over this many seconds. */
export const ON_DEMAND_RATE_WINDOW_SECONDS = 60;
/** On-demand scaling shrinks a stream only after this long without a change to its open shards. */
export const ON_DEMAND_SCALE_DOWN_COOLDOWN_MS = 24 * 3_600_000;
/** How often on-demand scaling checks the streams. */
export const ON_DEMAND_SCALING_CHECK_INTERVAL_MS = 10_000;
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
