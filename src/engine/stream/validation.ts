// Constraint checks worded like Kinesis's ValidationException: "N validation errors detected: Value 'v' at
// 'field' failed to satisfy constraint: Member must …", every violation of a request listed together.

import { EddyError } from '../errors.js';
import { MAX_STREAM_NAME_LENGTH, STREAM_NAME_PATTERN } from '../plan/schema.js';
import { decodeSequenceNumber } from './sequence-number.js';

const SEQUENCE_NUMBER_FOR_ORDERING_PATTERN = /^(0|[1-9]\d{0,128})$/;

/** Collects violations and throws them as one ValidationException. */
export class Violations {
  private readonly found: string[] = [];

  add(value: unknown, field: string, constraint: string): this {
    this.found.push(
      value === undefined
        ? `Value null at '${field}' failed to satisfy constraint: ${constraint}`
        : `Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`,
    );
    return this;
  }

  /** A violation whose value is too large to quote (record data). */
  addUnquoted(field: string, constraint: string): this {
    this.found.push(`Value at '${field}' failed to satisfy constraint: ${constraint}`);
    return this;
  }

  get count(): number {
    return this.found.length;
  }

  throwIfAny(): void {
    if (this.found.length === 0) return;
    const n = this.found.length;
    throw new EddyError(
      'ValidationException',
      `${n} validation error${n === 1 ? '' : 's'} detected: ${this.found.join('; ')}`,
    );
  }
}

export function checkLength(v: Violations, value: string | undefined, field: string, min: number, max: number): void {
  if (value === undefined || value.length < min) {
    v.add(value, field, `Member must have length greater than or equal to ${min}`);
  } else if (value.length > max) {
    v.add(value, field, `Member must have length less than or equal to ${max}`);
  }
}

export function checkStreamName(v: Violations, name: string, field = 'streamName'): void {
  if (typeof name !== 'string' || name.length < 1) {
    v.add(name, field, 'Member must have length greater than or equal to 1');
    return;
  }
  if (name.length > MAX_STREAM_NAME_LENGTH) v.add(name, field, `Member must have length less than or equal to ${MAX_STREAM_NAME_LENGTH}`);
  if (!STREAM_NAME_PATTERN.test(name)) {
    v.add(name, field, 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+');
  }
}

export function checkIntegerAtLeast(v: Violations, value: number, field: string, min: number): void {
  if (!Number.isInteger(value)) v.add(value, field, 'Member must be an integer');
  else if (value < min) v.add(value, field, `Member must have value greater than or equal to ${min}`);
}

export function validateStreamName(name: string, field = 'streamName'): void {
  const v = new Violations();
  checkStreamName(v, name, field);
  v.throwIfAny();
}

export function validateSequenceNumberForOrdering(value: string): void {
  if (!SEQUENCE_NUMBER_FOR_ORDERING_PATTERN.test(value)) {
    new Violations()
      .add(value, 'sequenceNumberForOrdering', 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})')
      .throwIfAny();
  }
}

/**
 * Kinesis takes any number of its layouts (or Eddy's earlier one) as SequenceNumberForOrdering, except
 * malformed ones and those whose time is in the future. Writes to one shard are in order already, so
 * the number orders nothing further here.
 */
export function checkSequenceNumberForOrdering(value: string, streamName: string, accountId: string, now: number): void {
  const decoded = decodeSequenceNumber(value);
  if (decoded.kind === 'invalid' || (decoded.kind === 'aws' && decoded.seconds * 1000 > now)) {
    throw new EddyError(
      'InvalidArgumentException',
      `ExclusiveMinimumSequenceNumber ${value} used in PutRecord on stream ${streamName} under account ${accountId} is invalid.`,
    );
  }
}

/**
 * Tag keys and values may hold letters, digits, spaces and `_ . / = + - @ :` (and `%`, which Kinesis refuses
 * with its own message). Kinesis takes `:` (as in `team:owner`), though its messages, recorded before it
 * did, still leave it out of the list.
 */
const TAG_CHARACTERS = /^[\p{L}\p{N} _./=+\-@:%]*$/u;
const TAG_ALLOWED = /^[\p{L}\p{N} _./=+\-@:]*$/u;

/**
 * Kinesis's two tag-character errors: one for characters outside its set, and, worded by the operation
 * (`add tags to stream s under account a`), one for `%`, which its first check lets through.
 */
export function checkTagCharacters(texts: readonly string[], doing: string): void {
  if (texts.some((t) => !TAG_CHARACTERS.test(t))) {
    throw new EddyError(
      'InvalidArgumentException',
      'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.',
    );
  }
  if (texts.some((t) => !TAG_ALLOWED.test(t))) {
    throw new EddyError(
      'InvalidArgumentException',
      `Failed to ${doing} because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.`,
    );
  }
}

/** Tag keys 1–128 characters, values at most 256. */
export function validateTags(tags: Record<string, string>): void {
  const v = new Violations();
  if (tags === null || typeof tags !== 'object') {
    v.add(tags, 'tags', 'Member must be a map of strings').throwIfAny();
  }
  for (const [key, value] of Object.entries(tags)) {
    checkLength(v, key, 'tags.key', 1, 128);
    if (typeof value !== 'string') v.add(value, `tags.${key}`, 'Member must be a string');
    else if (value.length > 256) v.add(value, `tags.${key}`, 'Member must have length less than or equal to 256');
  }
  v.throwIfAny();
}
