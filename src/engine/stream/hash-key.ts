// The 128-bit hash key space records are routed by: MD5 of the partition key, or an explicit hash key.

import { hash } from 'node:crypto';
import { EddyError } from '../errors.js';

/** The largest hash key, 2^128 − 1. */
export const MAX_HASH_KEY = (1n << 128n) - 1n;

const EXPLICIT_HASH_KEY_PATTERN = /^(0|[1-9]\d{0,38})$/;

/** The constraint an ExplicitHashKey off its wire pattern breaks, worded as Kinesis words it. */
export const EXPLICIT_HASH_KEY_CONSTRAINT = 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})';

/** Whether a value has the ExplicitHashKey wire pattern (whatever its size). */
export function matchesHashKeyPattern(value: string): boolean {
  return EXPLICIT_HASH_KEY_PATTERN.test(value);
}

/** An ExplicitHashKey of the wire pattern as a number; past 2^128 − 1 an InvalidArgumentException, as Kinesis answers. */
export function hashKeyInRange(value: string): bigint {
  const key = BigInt(value);
  if (key > MAX_HASH_KEY) {
    throw new EddyError(
      'InvalidArgumentException',
      `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${value}`,
    );
  }
  return key;
}

/** MD5 of the partition key's UTF-8 bytes, read as an unsigned big-endian 128-bit integer. */
export function partitionKeyHash(partitionKey: string): bigint {
  return BigInt('0x' + hash('md5', partitionKey, 'hex'));
}

/**
 * Parses an ExplicitHashKey as Kinesis does: the wire pattern is a ValidationException, a value past
 * 2^128 − 1 an InvalidArgumentException (unless `unbounded`: SplitShard words a key past its shard's end
 * itself). `field` names the member in the message (e.g. `explicitHashKey`).
 */
export function parseExplicitHashKey(value: string, field = 'explicitHashKey', options: { unbounded?: boolean } = {}): bigint {
  if (!matchesHashKeyPattern(value)) {
    throw new EddyError('ValidationException', `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${EXPLICIT_HASH_KEY_CONSTRAINT}`);
  }
  return options.unbounded === true ? BigInt(value) : hashKeyInRange(value);
}
