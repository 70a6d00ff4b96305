// Tells a query's subscribers that records were skipped because they did not decode, without flooding
// them: the first time at once, then at most once per interval (of the engine's clock), each warning
// counting the records skipped since the one before. A query that sees nothing but garbage sends one
// small frame every few seconds, not one per record.
import type { Clock } from '../clock.js';
import type { BadRecord } from './pipeline.js';

export const DEFAULT_WARNING_INTERVAL_MS = 5000;

export interface DecodeWarning {
  readonly kind: 'decodeErrors';
  /** One line for people: how many, and what was wrong with the last one. */
  readonly message: string;
  /** Records skipped since the previous warning. */
  readonly skipped: number;
  /** Records skipped since the query started. */
  readonly decodeErrors: number;
  readonly lastBadRecord: BadRecord;
}

export class DecodeWarnings {
  private reported = 0;
  private lastSentAt = -Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs = DEFAULT_WARNING_INTERVAL_MS,
  ) {}

  /** The warning due now, given the query's counters, if any is. */
  due(decodeErrors: number, lastBadRecord: BadRecord | undefined): DecodeWarning | undefined {
    if (decodeErrors <= this.reported || lastBadRecord === undefined) return undefined;
    const now = this.clock.now();
    if (now - this.lastSentAt < this.intervalMs) return undefined;
    const skipped = decodeErrors - this.reported;
    this.reported = decodeErrors;
    this.lastSentAt = now;
    const records = `${skipped.toLocaleString('en-US')} record${skipped === 1 ? '' : 's'}`;
    const total = skipped === decodeErrors ? '' : ` (${decodeErrors.toLocaleString('en-US')} since the query started)`;
    return {
      kind: 'decodeErrors',
      message: `${records} could not be decoded and ${skipped === 1 ? 'was' : 'were'} skipped${total}; the last: ${lastBadRecord.error}`,
      skipped,
      decodeErrors,
      lastBadRecord,
    };
  }
}
