// What a file log tells its owner when it finds torn or damaged files.

/** What a file log found wrong with its files, and what it did about it. */
export interface CorruptionReport {
  readonly dir: string;
  readonly segment: string;
  /** The first offset affected. */
  readonly offset: number;
  /** Byte position in the segment file where the bad bytes start. */
  readonly position: number;
  /**
   * `truncated`: the torn tail of a crash's last write was cut off at start-up (see segment-recovery.ts).
   * `damaged`: records from `offset` up to `toOffset` are damaged or missing; they are refused to readers
   * until `eddy repair` quarantines them.
   * `marks-unreadable`: the offset marks could not be read; offsets carry on well above the log's end.
   */
  readonly action: 'truncated' | 'damaged' | 'marks-unreadable';
  /** For `damaged`: one past the last offset affected. */
  readonly toOffset?: number;
  /** For `truncated`: the bytes cut off. */
  readonly bytes?: number;
  readonly reason: string;
}

/** The default: a process warning (code EDDY_LOG_CORRUPTION) naming the shard, segment and offset. */
export function reportAsWarning(report: CorruptionReport): void {
  const what =
    report.action === 'truncated'
      ? `cut off the torn tail of an unfinished write at byte ${report.position} (offset ${report.offset})`
      : report.action === 'damaged'
        ? `records ${report.offset} to ${(report.toOffset ?? report.offset + 1) - 1} are damaged (from byte ${report.position}) and refused to readers until eddy repair`
        : `offset marks unreadable; offsets carry on from ${report.offset}`;
  process.emitWarning(`shard log ${report.dir}, segment ${report.segment}: ${what}: ${report.reason}`, { code: 'EDDY_LOG_CORRUPTION' });
}
