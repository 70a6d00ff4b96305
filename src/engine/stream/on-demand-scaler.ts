// Capacity that follows the write traffic of ON_DEMAND streams, as Kinesis's on-demand mode does: a
// stream starts with 4 shards and, when its writes over the last minute pass half of what its shards
// admit under the per-shard limits, grows to the shard count at which that traffic is half the capacity
// (so the stream can take double the peak it has seen). It grows at most twofold per step, up to a
// maximum. It shrinks only after a cool-down of 24 hours without a change, and never below what the
// peak of those 24 hours needs, half its shards, or 4. The store carries out the decisions as uniform
// scalings, so readers that follow shard lineage keep every key's order.

import type { Stream } from './stream.js';
import { WriteRateWindow, type WriteRate } from './write-rate-window.js';

export interface OnDemandScalingPolicy {
  /** What one shard admits, as in PROVISIONED mode. */
  readonly perShard: WriteRate;
  /** The share of capacity traffic may use before the stream grows (Kinesis splits a shard at 50%). */
  readonly targetUtilisation: number;
  readonly minShards: number;
  readonly maxShards: number;
  /** Seconds of traffic the write rate is averaged over. */
  readonly windowSeconds: number;
  /** No shrinking until this long after the last change to the open shards, and this long of observed traffic. */
  readonly scaleDownCooldownMs: number;
}

/** Peaks are kept per slot of the cool-down (an hour of the 24), so the last cool-down's peak is known in fixed memory. */
const PEAK_SLOTS = 24;

class TrackedStream {
  readonly window: WriteRateWindow;
  private readonly peakRecords = new Float64Array(PEAK_SLOTS);
  private readonly peakBytes = new Float64Array(PEAK_SLOTS);
  private readonly peakSlotStart = new Float64Array(PEAK_SLOTS).fill(-Infinity);

  constructor(
    windowSeconds: number,
    /** When traffic started to be observed: a restart forgets earlier traffic, so shrinking waits again. */
    readonly since: number,
    private readonly slotMs: number,
  ) {
    this.window = new WriteRateWindow(windowSeconds);
  }

  notePeak(now: number, rate: WriteRate): void {
    const slotStart = Math.floor(now / this.slotMs) * this.slotMs;
    const i = (((slotStart / this.slotMs) % PEAK_SLOTS) + PEAK_SLOTS) % PEAK_SLOTS;
    if (this.peakSlotStart[i] !== slotStart) {
      this.peakSlotStart[i] = slotStart;
      this.peakRecords[i] = 0;
      this.peakBytes[i] = 0;
    }
    this.peakRecords[i] = Math.max(this.peakRecords[i]!, rate.recordsPerSecond);
    this.peakBytes[i] = Math.max(this.peakBytes[i]!, rate.bytesPerSecond);
  }

  /** The highest rates noted in the cool-down before `now`. */
  peak(now: number): WriteRate {
    let recordsPerSecond = 0;
    let bytesPerSecond = 0;
    for (let i = 0; i < PEAK_SLOTS; i++) {
      if (this.peakSlotStart[i]! + this.slotMs * PEAK_SLOTS <= now) continue;
      recordsPerSecond = Math.max(recordsPerSecond, this.peakRecords[i]!);
      bytesPerSecond = Math.max(bytesPerSecond, this.peakBytes[i]!);
    }
    return { recordsPerSecond, bytesPerSecond };
  }
}

export class OnDemandScaler {
  private readonly tracked = new WeakMap<Stream, TrackedStream>();

  constructor(readonly policy: OnDemandScalingPolicy) {}

  /** Counts writes offered to an ON_DEMAND stream. */
  recordWrites(stream: Stream, now: number, records: number, bytes: number): void {
    this.trackedOf(stream, now).window.add(now, records, bytes);
  }

  /**
   * The open shard count `stream` should change to now, or undefined to leave it. `headroom` is how many
   * more open shards the account's shard limit allows; growth stops there.
   */
  decide(stream: Stream, now: number, headroom: number): number | undefined {
    const tracked = this.trackedOf(stream, now);
    const rate = tracked.window.rate(now);
    tracked.notePeak(now, rate);
    const open = stream.openShards();
    const current = open.length;
    const needed = this.shardsFor(rate);
    const p = this.policy;
    if (needed > current) {
      const target = Math.min(needed, current * 2, p.maxShards, current + Math.max(0, headroom));
      return target > current ? target : undefined;
    }
    const lastChange = Math.max(...open.map((s) => s.createdAt));
    if (now - lastChange < p.scaleDownCooldownMs || now - tracked.since < p.scaleDownCooldownMs) return undefined;
    const target = Math.max(p.minShards, Math.ceil(current / 2), this.shardsFor(tracked.peak(now)));
    return target < current ? target : undefined;
  }

  /** Shards at which `rate` uses at most the target share of capacity, records and bytes alike. */
  shardsFor(rate: WriteRate): number {
    const p = this.policy;
    return Math.max(
      Math.ceil(rate.recordsPerSecond / (p.perShard.recordsPerSecond * p.targetUtilisation)),
      Math.ceil(rate.bytesPerSecond / (p.perShard.bytesPerSecond * p.targetUtilisation)),
    );
  }

  private trackedOf(stream: Stream, now: number): TrackedStream {
    let tracked = this.tracked.get(stream);
    if (tracked === undefined) {
      tracked = new TrackedStream(this.policy.windowSeconds, now, this.policy.scaleDownCooldownMs / PEAK_SLOTS);
      this.tracked.set(stream, tracked);
    }
    return tracked;
  }
}
