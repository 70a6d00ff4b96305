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

/** Appends the 20-digit offset to a shard's prefix; the put path calls this once per record. */
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
