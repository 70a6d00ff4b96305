// A stretch of a shard log that cannot be served: which records, which bytes, and why.
//
// Damage is never skipped over in silence. A read that starts inside a damaged range fails with a
// DamagedRecordsError; a read that reaches one stops short of it, so the next read fails; reads before
// and after it work. The range stays (persisted in the log's damage file) until `eddy repair` moves its
// bytes to quarantine, or retention deletes the segment holding it.

import { EddyError } from '../../errors.js';

export interface DamagedRange {
  /** The segment file the damaged bytes are in (for missing records: the one they should have been in). */
  readonly segment: string;
  /** The first offset not served. */
  readonly fromOffset: number;
  /**
   * One past the last offset not served: the next intact record's offset, or, where nothing intact follows
   * in the segment, the best bound known (the end its index file records, the next segment's first offset,
   * or how far records were known to be fsynced). Always above `fromOffset`.
   */
  readonly toOffset: number;
  /** The damaged bytes, [fromPosition, toPosition) in the segment file; empty when records are missing. */
  readonly fromPosition: number;
  readonly toPosition: number;
  readonly reason: string;
  /** When the damage was found, epoch ms. */
  readonly foundAt: number;
}

export const damagedRecords = (range: DamagedRange): number => range.toOffset - range.fromOffset;
export const damagedBytes = (range: DamagedRange): number => range.toPosition - range.fromPosition;

/** The range holding `offset` in a list sorted by offset, if any (lists are short: usually empty). */
export function rangeAt(ranges: readonly DamagedRange[], offset: number): DamagedRange | undefined {
  for (const range of ranges) {
    if (offset < range.fromOffset) return undefined;
    if (offset < range.toOffset) return range;
  }
  return undefined;
}

/** Orders ranges by offset, then by position (ranges of different segments never overlap in offsets). */
export function compareRanges(a: DamagedRange, b: DamagedRange): number {
  return a.fromOffset - b.fromOffset || a.fromPosition - b.fromPosition;
}

/**
 * A read that would return records of a damaged range. A ResourceInUseException: the records exist but
 * cannot be served until an operator acts, which no retry changes. The fault is the storage's, not the
 * caller's; the store rewords it with the stream, the shard and sequence numbers.
 */
export class DamagedRecordsError extends EddyError {
  constructor(
    readonly dir: string,
    readonly range: DamagedRange,
  ) {
    super(
      'ResourceInUseException',
      `records ${range.fromOffset} to ${range.toOffset - 1} of the shard log in ${dir} are damaged (${range.reason}; ` +
        `segment ${range.segment}, bytes ${range.fromPosition} to ${range.toPosition}); run eddy repair to quarantine them`,
      'external',
    );
  }
}
