// Sequence numbers: "49", the shard index (8 digits) and the record's log offset (20 digits). The fixed
// width makes string order equal numeric order, and the number decodes back to a position in one step.

const PREFIX = '49';
export const SEQUENCE_NUMBER_LENGTH = 2 + 8 + 20;
const MAX_SHARD_INDEX = 99_999_999;
const ZEROS = '00000000000000000000';
const SEQUENCE_NUMBER_PATTERN = /^49(\d{8})(\d{20})$/;

export interface SequencePosition {
  readonly shardIndex: number;
  readonly offset: number;
}

/** The first ten digits, shared by every sequence number of a shard; callers cache it per shard. */
export function sequenceNumberPrefix(shardIndex: number): string {
  if (!Number.isInteger(shardIndex) || shardIndex < 0 || shardIndex > MAX_SHARD_INDEX) {
    throw new RangeError(`shard index ${shardIndex} does not fit a sequence number`);
  }
  return PREFIX + String(shardIndex).padStart(8, '0');
}

/** Appends the 20-digit offset to a shard's prefix. */
export function sequenceNumberAt(prefix: string, offset: number): string {
  const digits = String(offset);
  return prefix + ZEROS.slice(digits.length) + digits;
}

export function formatSequenceNumber(shardIndex: number, offset: number): string {
  return sequenceNumberAt(sequenceNumberPrefix(shardIndex), offset);
}

/** Decodes a sequence number this store issued; undefined for anything else. */
export function parseSequenceNumber(value: string): SequencePosition | undefined {
  const match = SEQUENCE_NUMBER_PATTERN.exec(value);
  if (!match) return undefined;
  const offset = Number(match[2]);
  if (!Number.isSafeInteger(offset)) return undefined;
  return { shardIndex: Number(match[1]), offset };
}

const LOW_DIGITS = 4;
const LOW_SPAN = 10 ** LOW_DIGITS;
let lowDigits: string[] | undefined;

/**
 * Formats a shard's sequence numbers with one string concatenation each: the leading 26 digits change only
 * every 10,000 offsets and are kept, the last 4 come from a table. Reads and puts format a number per
 * record, and this keeps them from allocating four strings for each. Use one per sequential reader or
 * writer, so the kept prefix stays valid for long runs.
 */
export class SequenceNumberFormatter {
  private high = -1;
  private highPrefix = '';

  constructor(private readonly shardPrefix: string) {
    lowDigits ??= Array.from({ length: LOW_SPAN }, (_, i) => String(i).padStart(LOW_DIGITS, '0'));
  }

  at(offset: number): string {
    const high = Math.floor(offset / LOW_SPAN);
    if (high !== this.high) {
      this.high = high;
      this.highPrefix = this.shardPrefix + String(high).padStart(20 - LOW_DIGITS, '0');
    }
    return this.highPrefix + lowDigits![offset - high * LOW_SPAN]!;
  }
}
