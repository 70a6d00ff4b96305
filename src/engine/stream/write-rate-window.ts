// A stream's recent write rate: records and bytes counted in one-second buckets on the injected clock,
// averaged over the last window (a minute by default). Memory is fixed: one bucket per second of window.

export interface WriteRate {
  readonly recordsPerSecond: number;
  readonly bytesPerSecond: number;
}

export class WriteRateWindow {
  private readonly records: Float64Array;
  private readonly bytes: Float64Array;
  /** The second (epoch ms / 1000, floored) each bucket counts; -Infinity when unused. */
  private readonly seconds: Float64Array;

  constructor(private readonly windowSeconds: number) {
    this.records = new Float64Array(windowSeconds);
    this.bytes = new Float64Array(windowSeconds);
    this.seconds = new Float64Array(windowSeconds).fill(-Infinity);
  }

  add(now: number, records: number, bytes: number): void {
    const second = Math.floor(now / 1000);
    const i = this.slot(second);
    if (this.seconds[i] !== second) {
      // A bucket from a second that left the window (or, with a clock set back, from the future) restarts.
      this.seconds[i] = second;
      this.records[i] = 0;
      this.bytes[i] = 0;
    }
    this.records[i]! += records;
    this.bytes[i]! += bytes;
  }

  /** The average rate over the window ending at `now`, the current partial second included. */
  rate(now: number): WriteRate {
    const second = Math.floor(now / 1000);
    let records = 0;
    let bytes = 0;
    for (let i = 0; i < this.windowSeconds; i++) {
      const s = this.seconds[i]!;
      if (s <= second && s > second - this.windowSeconds) {
        records += this.records[i]!;
        bytes += this.bytes[i]!;
      }
    }
    return { recordsPerSecond: records / this.windowSeconds, bytesPerSecond: bytes / this.windowSeconds };
  }

  private slot(second: number): number {
    return ((second % this.windowSeconds) + this.windowSeconds) % this.windowSeconds;
  }
}
