// Where a reader starts in a shard: the offset a ShardPosition (an iterator type) resolves to, with
// Kinesis's errors for sequence numbers of another shard, ones never issued, and times in the future.

import { EddyError } from '../errors.js';
import { parseSequenceNumber } from './sequence-number.js';
import { formatShardId } from './shard-id.js';
import type { Shard } from './shard.js';
import type { Account } from './stream-errors.js';
import type { ShardPosition } from './stream-store.js';
import type { Stream } from './stream.js';
import { Violations } from './validation.js';

/**
 * The offset a reader at `position` reads next; records before the retention cutoff are skipped on read.
 * A promise only where the log must look a time up over the network (AT_TIMESTAMP in a shared log).
 */
export function startOffset(
  stream: Stream,
  shard: Shard,
  position: ShardPosition,
  operation: string,
  now: number,
  account: Account,
): number | Promise<number> {
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
            `under account ${account.accountId} is invalid${why}.`,
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
