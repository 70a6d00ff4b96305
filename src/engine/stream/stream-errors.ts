// The Kinesis error messages clients see, built in one place so every operation words them alike.

import { EddyError } from '../errors.js';
import type { DamagedRange } from './log/damaged-range.js';
import type { Shard } from './shard.js';

/** Region and account, which Kinesis names in most messages and in every ARN. */
export interface Account {
  readonly region: string;
  readonly accountId: string;
}

export function streamNotFound(account: Account, streamName: string): EddyError {
  return new EddyError('ResourceNotFoundException', `Stream ${streamName} under account ${account.accountId} not found.`);
}

export function streamAlreadyExists(account: Account, streamName: string): EddyError {
  return new EddyError('ResourceInUseException', `Stream ${streamName} under account ${account.accountId} already exists.`);
}

export function streamNotActive(account: Account, streamName: string, status: string): EddyError {
  return new EddyError(
    'ResourceInUseException',
    `Stream ${streamName} under account ${account.accountId} not ACTIVE, instead in state ${status}`,
  );
}

/** A shard id that names no shard Kinesis could have: not digits after its prefix, or above 2147483647. */
export function couldNotFindShard(account: Account, streamName: string, shardId: string): EddyError {
  return new EddyError('ResourceNotFoundException', `Could not find shard ${shardId} in stream ${streamName} under account ${account.accountId}.`);
}

export function shardNotFound(account: Account, streamName: string, shardId: string): EddyError {
  return new EddyError(
    'ResourceNotFoundException',
    `Shard ${shardId} in stream ${streamName} under account ${account.accountId} does not exist`,
  );
}

export function shardThroughputExceeded(account: Account, streamName: string, shardId: string): EddyError {
  return new EddyError('ProvisionedThroughputExceededException', shardRateMessage(account, streamName, shardId));
}

export function shardRateMessage(account: Account, streamName: string, shardId: string): string {
  return `Rate exceeded for shard ${shardId} in stream ${streamName} under account ${account.accountId}.`;
}

export function provisionedOnly(account: Account, streamName: string, operation: string): EddyError {
  return new EddyError(
    'ValidationException',
    `${operation} is not supported for stream ${streamName} under account ${account.accountId} in ON_DEMAND mode; ` +
      'it is only available for PROVISIONED streams.',
  );
}

/**
 * A read that reached damaged records. ResourceInUseException: the type Kinesis uses for a resource that
 * is there but not available for the operation, which SubscribeToShard may also send as an event; it is
 * not one that clients retry on their own (unlike InternalFailure, whose message they never see), nor
 * one they take as "start again elsewhere" (ExpiredIterator) or "gone" (ResourceNotFound), either of
 * which would skip the records silently. The message says which records, why, and what to do.
 */
export function damagedRecordsError(account: Account, streamName: string, shard: Shard, range: DamagedRange): EddyError {
  const shardId = shard.shardId;
  const first = shard.numberOf(range.fromOffset);
  const last = shard.numberOf(range.toOffset - 1);
  return new EddyError(
    'ResourceInUseException',
    `Records of shard ${shardId} in stream ${streamName} under account ${account.accountId} from sequence number ${first} ` +
      `to ${last} are damaged on disk (${range.reason}); they cannot be read until an operator runs eddy repair, which ` +
      `quarantines them. Records after sequence number ${last} can still be read.`,
    'external',
  );
}

export function invalidShardIterator(): EddyError {
  return new EddyError('InvalidArgumentException', 'Invalid ShardIterator.');
}

/** A GetRecords whose StreamARN names another stream than the one its iterator was issued for. */
export function iteratorOfAnotherStream(account: Account, streamName: string): EddyError {
  return new EddyError('InvalidArgumentException', `Invalid ShardIterator: it was not issued for stream ${streamName} under account ${account.accountId}.`);
}

export function consumerNotFound(account: Account, what: string): EddyError {
  return new EddyError('ResourceNotFoundException', `Consumer ${what} under account ${account.accountId} not found.`);
}

export const ITERATOR_LIFETIME_MS = 300_000;

export function expiredIterator(issuedAt: number, now: number): EddyError {
  return new EddyError(
    'ExpiredIteratorException',
    `Iterator expired. The iterator was created at time ${javaDate(issuedAt)} while right now it is ${javaDate(now)} ` +
      `which is further in the future than the tolerated delay of ${ITERATOR_LIFETIME_MS} milliseconds.`,
  );
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Java's Date.toString() in UTC, the format Kinesis's expiry message uses: `Wed Nov 25 17:00:00 UTC 2026`. */
function javaDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`
  );
}

/** Passes coded errors through; anything else (an I/O failure) becomes an InternalFailure, keeping the cause. */
export function asInternalFailure(e: unknown, doing: string): EddyError {
  if (e instanceof EddyError) return e;
  const error = new EddyError('InternalFailure', `Internal failure while ${doing}.`);
  (error as { cause?: unknown }).cause = e;
  return error;
}
