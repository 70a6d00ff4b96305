// What a file log tells its owner when it finds damaged files.

/** What a file log found wrong with its files, and what it did about it. */
export interface CorruptionReport {
  readonly dir: string;
  readonly segment: string;
  /** The first offset affected. */
  readonly offset: number;
  /** Byte position in the segment file where valid frames end. */
  readonly position: number;
  /**
   * `truncated`: the torn or corrupt tail of the newest segment was cut off at start-up.
   * `unreadable`: records from `offset` to the end of an older segment are no longer served.
   */
  readonly action: 'truncated' | 'unreadable';
  readonly reason: string;
}

/** The default: a process warning (code EDDY_LOG_CORRUPTION) naming the shard, segment and offset. */
export function reportAsWarning(report: CorruptionReport): void {
  const what =
    report.action === 'truncated'
      ? `cut off a torn or corrupt tail at byte ${report.position} (offset ${report.offset})`
      : `stopped serving records from offset ${report.offset} (byte ${report.position})`;
  process.emitWarning(`shard log ${report.dir}, segment ${report.segment}: ${what}: ${report.reason}`, { code: 'EDDY_LOG_CORRUPTION' });
}
