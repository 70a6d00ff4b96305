// The 128-bit hash key space records are routed by: MD5 of the partition key, or an explicit hash key.

import { hash } from 'node:crypto';
import { EddyError } from '../errors.js';

/** The largest hash key, 2^128 − 1. */
export const MAX_HASH_KEY = (1n << 128n) - 1n;

const EXPLICIT_HASH_KEY_PATTERN = /^(0|[1-9]\d{0,38})$/;

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
  if (!EXPLICIT_HASH_KEY_PATTERN.test(value)) {
    throw new EddyError(
      'ValidationException',
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ` +
        'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})',
    );
  }
  const key = BigInt(value);
  if (key > MAX_HASH_KEY && options.unbounded !== true) {
    throw new EddyError(
      'InvalidArgumentException',
      `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${value}`,
    );
  }
  return key;
}

/** True when `value` matches the explicit hash key wire pattern and lies in [0, 2^128 − 1]. */
export function isValidHashKey(value: string): boolean {
  return EXPLICIT_HASH_KEY_PATTERN.test(value) && BigInt(value) <= MAX_HASH_KEY;
}
