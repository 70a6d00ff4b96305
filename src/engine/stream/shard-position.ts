// Where a reader starts in a shard: the offset a ShardPosition (an iterator type) resolves to, with
// Kinesis's errors, in its order, for sequence numbers that are malformed, of another shard or stream, or
// never issued, and for times in the future.

import { EddyError } from '../errors.js';
import { decodeSequenceNumber } from './sequence-number.js';
import { formatShardId } from './shard-id.js';
import type { Shard } from './shard.js';
import type { Account } from './stream-errors.js';
import type { ShardPosition } from './stream-store.js';
import type { Stream } from './stream.js';
import { Violations } from './validation.js';

/** The offset a reader at `position` reads next; records before the retention cutoff are skipped on read. */
export function startOffset(
  stream: Stream,
  shard: Shard,
  position: ShardPosition,
  operation: string,
  now: number,
  account: Account,
): number {
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
      const invalid = (why = '') =>
        new EddyError(
          'InvalidArgumentException',
          `StartingSequenceNumber ${value} used in ${operation} on shard ${shard.shardId} in stream ${stream.name} ` +
            `under account ${account.accountId} is invalid${why}.`,
        );
      const decoded = decodeSequenceNumber(value);
      if (decoded.kind === 'invalid') throw invalid();
      if (decoded.shardIndex !== shard.index) {
        throw new EddyError(
          'InvalidArgumentException',
          `Invalid StartingSequenceNumber. It encodes ${formatShardId(decoded.shardIndex)}, while it was used in a call to a shard with ${shard.shardId}`,
        );
      }
      let offset: number;
      if (decoded.kind === 'legacy') {
        // A number of the 30-digit format of earlier versions: its offset is the record's own.
        offset = decoded.offset;
      } else {
        if (decoded.version === 0) {
          // Kinesis answers numbers of its oldest layout (`0`, or any number below 2^124) with a bare
          // InternalFailure (HTTP 500); so does Eddy, without logging it as a failure of its own.
          throw new EddyError('InternalFailure', '', 'user');
        }
        if (decoded.version !== 2 || decoded.shardCreatedSeconds !== shard.sequenceNumbers.createdSeconds) {
          throw invalid(' because it did not come from this stream');
        }
        const closed = shard.closeOffset;
        if (decoded.sequenceIndex === 0x7fffffffffffffffn && closed !== undefined) return closed;
        offset = Number(decoded.sequenceIndex) - 1;
        if (offset < 0) return log.firstOffset;
      }
      if (offset >= log.committedOffset) throw invalid(' because no record with it has been written to this shard');
      return position.type === 'AT_SEQUENCE_NUMBER' ? offset : offset + 1;
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
          'Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]',
        )
        .throwIfAny() as never;
  }
}
