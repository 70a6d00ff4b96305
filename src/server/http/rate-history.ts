// Per-second rates of counters that only grow (records put, bytes put, rows read, rows written), from
// samples of their totals taken with the injectable clock. A minute of samples is kept per key, so one
// request can draw a sparkline; the current rate is taken over the last few seconds, which smooths the
// step of a sample that catches a batch half-way.

import type { Clock } from '../../engine/index.js';

export interface RateHistoryOptions {
  readonly clock: Clock;
  /** How much history to keep (default 60 s). */
  readonly keepMs?: number;
  /** The span the current rate is measured over (default 5 s). */
  readonly windowMs?: number;
}

/** The rate of each counter between one sample and the one before it. */
export interface RatePoint {
  /** Epoch ms of the later sample. */
  readonly at: number;
  readonly perSecond: readonly number[];
}

interface Sample {
  readonly at: number;
  readonly totals: readonly number[];
}

export class RateHistory {
  private readonly samples = new Map<string, Sample[]>();
  private readonly keepMs: number;
  private readonly windowMs: number;

  constructor(private readonly options: RateHistoryOptions) {
    this.keepMs = options.keepMs ?? 60_000;
    this.windowMs = options.windowMs ?? 5_000;
  }

  /** Records the totals of one key's counters as they are now. */
  record(key: string, totals: readonly number[]): void {
    const at = this.options.clock.now();
    let list = this.samples.get(key);
    if (!list) this.samples.set(key, (list = []));
    const latest = list[list.length - 1];
    // Two samples at one instant give no rate; the newer totals stand for that instant.
    if (latest && latest.at >= at) list[list.length - 1] = { at: latest.at, totals: [...totals] };
    else list.push({ at, totals: [...totals] });
    // One sample older than the kept span stays, as the base of the oldest rate shown.
    while (list.length > 2 && list[1]!.at <= at - this.keepMs) list.shift();
  }

  /** Forgets every key not in `present` (deleted streams, stopped queries). */
  retain(present: ReadonlySet<string>): void {
    for (const key of this.samples.keys()) if (!present.has(key)) this.samples.delete(key);
  }

  /** Per-second rates over the last `windowMs`; zeros until a key has two samples. */
  current(key: string, counters: number): number[] {
    const list = this.samples.get(key) ?? [];
    const latest = list[list.length - 1];
    if (!latest) return new Array<number>(counters).fill(0);
    let base = latest;
    for (let i = list.length - 2; i >= 0 && list[i]!.at >= latest.at - this.windowMs; i--) base = list[i]!;
    if (base === latest && list.length >= 2) base = list[list.length - 2]!;
    return perSecond(base, latest, counters);
  }

  /** The rate between each pair of consecutive samples, oldest first. */
  history(key: string, counters: number): RatePoint[] {
    const list = this.samples.get(key) ?? [];
    const points: RatePoint[] = [];
    for (let i = 1; i < list.length; i++) points.push({ at: list[i]!.at, perSecond: perSecond(list[i - 1]!, list[i]!, counters) });
    return points;
  }
}

/** A counter that went down was reset (its shard or query went away and came back): no rate, not a negative one. */
function perSecond(from: Sample, to: Sample, counters: number): number[] {
  const seconds = (to.at - from.at) / 1000;
  return Array.from({ length: counters }, (_, i) => {
    if (seconds <= 0) return 0;
    const delta = (to.totals[i] ?? 0) - (from.totals[i] ?? 0);
    return delta > 0 ? delta / seconds : 0;
  });
}
