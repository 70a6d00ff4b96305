// Event-time progress of a query: per shard, the largest event time seen minus the declared delay;
// combined, the minimum over shards that are still active. A shard with no records for longer than the
// idle timeout stops holding the watermark back; a shard whose reads its store cannot answer (a NATS
// node down) is behind, not idle, and keeps holding it back, so the records it may hold are not made
// late. A closed shard drops out once it has been read to its end, and its children join carrying
// its progress. The combined watermark never moves backwards.
import type { Clock } from '../clock.js';
import type { WatermarkState } from '../plan/checkpoint.js';

export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

interface ShardProgress {
  maxEventTime: number;
  lastActivity: number;
}

export interface WatermarkTrackerOptions {
  readonly delayMs: number;
  readonly clock: Clock;
  /** How long a shard may stay without records before it stops holding the watermark back. */
  readonly idleTimeoutMs?: number;
  /** Processing time (a PROCTIME() column): the watermark is the clock, whatever the shards hold. */
  readonly processingTime?: boolean;
}

/** One shard's part in the combined watermark, as status pages show it. */
export interface ShardWatermark {
  readonly shardId: string;
  /** Largest event time seen minus the delay; -Infinity before the shard's first row. */
  readonly watermark: number;
  /** No records for longer than the idle timeout: it no longer holds the watermark back. */
  readonly idle: boolean;
}

export class WatermarkTracker {
  private readonly shards = new Map<string, ShardProgress>();
  private readonly delayMs: number;
  private readonly idleTimeoutMs: number;
  private readonly clock: Clock;
  private readonly processingTime: boolean;
  private combined = -Infinity;

  constructor(options: WatermarkTrackerOptions) {
    this.delayMs = options.delayMs;
    this.clock = options.clock;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.processingTime = options.processingTime === true;
  }

  /** Starts tracking a shard; a child shard starts from its parents' progress. */
  addShard(shardId: string, parents: readonly string[] = []): void {
    if (this.shards.has(shardId)) return;
    let max = -Infinity;
    for (const p of parents) max = Math.max(max, this.parentProgress.get(p) ?? -Infinity);
    this.shards.set(shardId, { maxEventTime: max, lastActivity: this.clock.now() });
  }

  /** Progress of shards that finished, so their children can inherit it. */
  private readonly parentProgress = new Map<string, number>();

  /** Records that a shard delivered rows whose largest event time is `maxEventTime` (may be -Infinity). */
  observe(shardId: string, maxEventTime: number): void {
    const s = this.shards.get(shardId);
    if (!s) return;
    if (maxEventTime > s.maxEventTime) s.maxEventTime = maxEventTime;
    s.lastActivity = this.clock.now();
  }

  /**
   * Records that a read of the shard could not be answered (its store did not answer in time), so it may
   * hold records past it: the shard is behind, not idle, and goes on holding the watermark back.
   */
  behind(shardId: string): void {
    const s = this.shards.get(shardId);
    if (s) s.lastActivity = this.clock.now();
  }

  /** A closed shard has been read to its end: it no longer holds the watermark back. */
  finishShard(shardId: string): void {
    const s = this.shards.get(shardId);
    if (!s) return;
    this.parentProgress.set(shardId, s.maxEventTime);
    this.shards.delete(shardId);
  }

  get activeShards(): number {
    return this.shards.size;
  }

  /** The combined watermark now (recomputed; idle shards are judged against the clock). */
  current(): number {
    const now = this.clock.now();
    if (this.processingTime) {
      // Every row's time is the clock when it was processed: nothing later than now can still arrive.
      if (now > this.combined) this.combined = now;
      return this.combined;
    }
    let min = Infinity;
    let max = -Infinity;
    let active = 0;
    for (const s of this.shards.values()) {
      const wm = s.maxEventTime - this.delayMs;
      if (wm > max) max = wm;
      if (now - s.lastActivity > this.idleTimeoutMs) continue;
      active++;
      if (wm < min) min = wm;
    }
    // With every shard idle, the furthest shard's watermark stands, so the rest of the stream's
    // windows can still close.
    const candidate = active > 0 ? min : max;
    if (candidate > this.combined) this.combined = candidate;
    return this.combined;
  }

  /** Each tracked shard's watermark and whether it is idle now (judged against the clock). */
  shardWatermarks(): ShardWatermark[] {
    const now = this.clock.now();
    return [...this.shards].map(([shardId, s]) => ({
      shardId,
      watermark: s.maxEventTime - this.delayMs,
      idle: now - s.lastActivity > this.idleTimeoutMs,
    }));
  }

  /** The last combined watermark computed, without re-evaluating idleness. */
  get watermark(): number {
    return this.combined;
  }

  snapshot(): WatermarkState {
    const shards: Record<string, number | null> = {};
    for (const [id, s] of this.shards) shards[id] = Number.isFinite(s.maxEventTime) ? s.maxEventTime : null;
    return { watermark: Number.isFinite(this.combined) ? this.combined : null, shards };
  }

  restore(state: WatermarkState): void {
    this.combined = state.watermark ?? -Infinity;
    for (const [id, max] of Object.entries(state.shards)) {
      const s = this.shards.get(id);
      if (s && max !== null && max > s.maxEventTime) s.maxEventTime = max;
    }
  }
}
