// Input checks for PutRecord and PutRecords. A request that breaks a constraint fails whole, before any
// record is stored; only throttling and write failures are reported per record.

import { EddyError } from '../errors.js';
import { EXPLICIT_HASH_KEY_CONSTRAINT, hashKeyInRange, matchesHashKeyPattern } from './hash-key.js';
import type { PutRecordInput } from './stream-store.js';
import { Violations, checkLength } from './validation.js';

export const MAX_RECORD_BYTES = 1024 * 1024;
export const MAX_BATCH_RECORDS = 500;
export const MAX_BATCH_BYTES = 5 * 1024 * 1024;

/**
 * Checks one record; returns its explicit hash key parsed (or undefined) and its size for throttling.
 * `field` prefixes member names: '' for PutRecord, 'records.3.member.' inside PutRecords.
 */
function checkRecord(v: Violations, record: PutRecordInput, field: string): bigint | undefined {
  const key = record.partitionKey;
  if (typeof key !== 'string') v.add(undefined, `${field}partitionKey`, 'Member must not be null');
  else if (key.length < 1 || key.length > 256) checkLength(v, key, `${field}partitionKey`, 1, 256);
  const data = record.data;
  if (!(data instanceof Uint8Array)) {
    v.add(undefined, `${field}data`, 'Member must not be null');
  } else if (data.byteLength > MAX_RECORD_BYTES) {
    v.addUnquoted(`${field}data`, `Member must have length less than or equal to ${MAX_RECORD_BYTES}`);
  }
  const explicit = record.explicitHashKey;
  if (explicit === undefined || explicit === null) return undefined;
  if (typeof explicit !== 'string' || !matchesHashKeyPattern(explicit)) {
    v.add(explicit, `${field}explicitHashKey`, EXPLICIT_HASH_KEY_CONSTRAINT);
    return undefined;
  }
  return hashKeyInRange(explicit);
}

/** Data plus the partition key's UTF-8 bytes. */
function recordBytes(record: PutRecordInput): number {
  return record.data.byteLength + Buffer.byteLength(record.partitionKey, 'utf8');
}

function checkRecordSize(record: PutRecordInput, where: string): number {
  const size = recordBytes(record);
  if (size > MAX_RECORD_BYTES) {
    throw new EddyError(
      'InvalidArgumentException',
      `Record size ${size} bytes${where} (data plus partition key) exceeds the limit of ${MAX_RECORD_BYTES} bytes.`,
    );
  }
  return size;
}

export function validatePutRecord(record: PutRecordInput): bigint | undefined {
  const v = new Violations();
  const hash = checkRecord(v, record, '');
  v.throwIfAny();
  if (record.data.length + record.partitionKey.length * 3 > MAX_RECORD_BYTES) checkRecordSize(record, '');
  return hash;
}

/** Returns the explicit hash keys by record index, or undefined when no record has one (the usual case). */
export function validatePutRecords(records: readonly PutRecordInput[]): (bigint | undefined)[] | undefined {
  const v = new Violations();
  if (!Array.isArray(records) || records.length < 1) {
    v.addUnquoted('records', 'Member must have length greater than or equal to 1').throwIfAny();
  }
  if (records.length > MAX_BATCH_RECORDS) {
    v.addUnquoted('records', `Member must have length less than or equal to ${MAX_BATCH_RECORDS}`).throwIfAny();
  }
  let hashes: (bigint | undefined)[] | undefined;
  // An upper bound of the request size (a UTF-16 unit is at most 3 UTF-8 bytes); exact only if it matters.
  // Per record, `length` rather than `byteLength` (the same for a Uint8Array, checked first): V8 compiles
  // `length` to a field load but calls out for `byteLength`, which made this loop four times slower.
  let bound = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const key = record.partitionKey;
    const data = record.data;
    if (
      typeof key === 'string' &&
      key.length >= 1 &&
      key.length <= 256 &&
      data instanceof Uint8Array &&
      data.length <= MAX_RECORD_BYTES &&
      (record.explicitHashKey === undefined || record.explicitHashKey === null)
    ) {
      const upper = data.length + key.length * 3;
      bound += upper;
      if (upper > MAX_RECORD_BYTES && v.count === 0) checkRecordSize(record, ` in records.${i + 1}`);
      continue;
    }
    const hash = checkRecord(v, record, `records.${i + 1}.member.`);
    if (hash !== undefined) (hashes ??= new Array(records.length))[i] = hash;
    if (v.count === 0) bound += checkRecordSize(record, ` in records.${i + 1}`);
  }
  v.throwIfAny();
  if (bound > MAX_BATCH_BYTES) {
    let total = 0;
    for (const record of records) total += recordBytes(record);
    if (total > MAX_BATCH_BYTES) {
      throw new EddyError(
        'InvalidArgumentException',
        `Records size ${total} bytes exceeds the PutRecords limit of ${MAX_BATCH_BYTES} bytes (5 MiB) per request.`,
      );
    }
  }
  return hashes;
}
