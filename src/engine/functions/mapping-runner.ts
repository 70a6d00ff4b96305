// Runs one enabled event source mapping: a ShardProcessor per shard, children started only once their
// parents are done (so records of a key stay in order across a split or merge), and the positions saved
// atomically, one write at a time (a newer position waits for the write in flight and replaces any other
// waiting one). What is saved only ever covers finished records, so a crash repeats work, never skips it.

import type { Clock } from '../clock.js';
import { isEddyError } from '../errors.js';
import type { ShardPosition, StreamStore } from '../stream/stream-store.js';
import type { EventSourceMapping } from './event-source-mapping.js';
import type { InvocationOutcome, InvocationRequest } from './function-pool.js';
import type { MappingCheckpoint, MappingPositions, MappingShardPosition } from './mapping-state-store.js';
import { ShardProcessor, type DiscardedBatch, type ProcessorContext } from './shard-processor.js';

export interface MappingRunnerOptions {
  readonly mapping: EventSourceMapping;
  readonly streams: StreamStore;
  /** Where the mapping's positions are read from when it starts and saved to as they advance. */
  readonly positions: MappingPositions;
  readonly clock: Clock;
  readonly region: string;
  readonly invokeIdentityArn: string;
  readonly retry: { readonly initialDelayMs: number; readonly maxDelayMs: number };
  invoke(request: InvocationRequest): Promise<InvocationOutcome>;
  discard(batch: DiscardedBatch): Promise<void>;
  invoked(records: number, outcome: 'ok' | 'partial' | 'error'): void;
  /** A problem outside the function (the stream is gone, a checkpoint cannot be written). */
  problem(message: string | undefined): void;
  /** Another process claimed the positions (it runs the mapping now): this runner must be stopped. */
  superseded?(): void;
}

export interface ShardProgress {
  readonly shardId: string;
  readonly position: MappingShardPosition;
}

export class MappingRunner {
  private readonly processors = new Map<string, ShardProcessor>();
  /** Every shard's position as last known (finished shards included). */
  private positions: Record<string, MappingShardPosition> = {};
  private windows: Record<string, { start: number; state: Record<string, unknown> }> = {};
  private saving: Promise<void> | undefined;
  private dirty = false;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  private readonly ctx: ProcessorContext;

  constructor(private readonly o: MappingRunnerOptions) {
    const streamARN = o.streams.describeStream(o.mapping.streamName).streamARN;
    this.ctx = {
      mapping: o.mapping,
      eventSourceARN: streamARN,
      awsRegion: o.region,
      invokeIdentityArn: o.invokeIdentityArn,
      clock: o.clock,
      retry: o.retry,
      invoke: (r) => o.invoke(r),
      discard: (b) => o.discard(b),
      invoked: (n, outcome) => o.invoked(n, outcome),
      failed: (e) => o.problem(`Stopped reading: ${(e as Error).message ?? String(e)}`),
      progressed: () => this.progressed(),
    };
  }

  async start(): Promise<void> {
    const saved = await this.o.positions.load();
    this.positions = { ...(saved?.shards ?? {}) };
    this.windows = { ...(saved?.windows ?? {}) };
    this.unsubscribe = this.o.streams.onStreamEvent((e) => {
      if (e.streamName === this.o.mapping.streamName && !this.stopped) this.openShards();
    });
    this.openShards();
  }

  /** Wakes every shard (after a manual clock moved). */
  poke(): void {
    for (const p of this.processors.values()) {
      p.poke();
      p.pokeRetries();
    }
  }

  progress(): ShardProgress[] {
    this.collect();
    return Object.entries(this.positions)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([shardId, position]) => ({ shardId, position }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    await Promise.all([...this.processors.values()].map((p) => p.stop()));
    this.collect();
    this.processors.clear();
    await this.saving;
    await this.save();
  }

  private openShards(): void {
    let description;
    try {
      description = this.o.streams.describeStream(this.o.mapping.streamName);
    } catch (e) {
      this.o.problem(`Stream ${this.o.mapping.streamName}: ${(e as Error).message}`);
      return;
    }
    const known = new Set(description.shards.map((s) => s.shardId));
    const done = (id: string): boolean => {
      const p = this.positions[id];
      return p !== undefined && 'end' in p;
    };
    for (const shard of description.shards) {
      if (this.processors.has(shard.shardId) || done(shard.shardId)) continue;
      const parents = [shard.parentShardId, shard.adjacentParentShardId].filter((p): p is string => p !== undefined && known.has(p));
      if (parents.some((p) => !done(p))) continue;
      const saved = this.positions[shard.shardId];
      const start: MappingShardPosition = saved ?? { start: 'TRIM_HORIZON' };
      let cursor;
      try {
        cursor = this.o.streams.openCursor(this.o.mapping.streamName, shard.shardId, this.cursorPosition(saved));
      } catch (e) {
        // A position past the retention period: the oldest record left is the nearest (the rest expired).
        this.o.problem(`Shard ${shard.shardId}: ${(e as Error).message}; resuming at its oldest record`);
        cursor = this.o.streams.openCursor(this.o.mapping.streamName, shard.shardId, { type: 'TRIM_HORIZON' });
      }
      const processor = new ShardProcessor(this.ctx, shard.shardId, cursor, start, this.windows[shard.shardId]);
      this.processors.set(shard.shardId, processor);
      processor.start();
    }
  }

  private cursorPosition(saved: MappingShardPosition | undefined): ShardPosition {
    if (saved !== undefined && 'after' in saved) return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: saved.after };
    if (saved === undefined && this.o.mapping.startingPosition === 'AT_TIMESTAMP') return { type: 'AT_TIMESTAMP', timestamp: this.o.mapping.startingPositionTimestamp! };
    return { type: 'TRIM_HORIZON' };
  }

  /** Takes the processors' positions into the map; done shards leave, and their children may start. */
  private collect(): boolean {
    let finished = false;
    for (const [id, p] of this.processors) {
      this.positions[id] = p.position;
      if (p.window) this.windows[id] = { start: p.window.start, state: p.window.state };
      else delete this.windows[id];
      if (p.done) {
        this.processors.delete(id);
        void p.stop();
        finished = true;
      }
    }
    return finished;
  }

  private progressed(): void {
    if (this.collect() && !this.stopped) this.openShards();
    if (this.saving) {
      this.dirty = true;
      return;
    }
    this.saving = this.saveLoop();
  }

  private async saveLoop(): Promise<void> {
    try {
      do {
        this.dirty = false;
        await this.save();
      } while (this.dirty);
    } finally {
      this.saving = undefined;
    }
  }

  private async save(): Promise<void> {
    const checkpoint: MappingCheckpoint = { shards: { ...this.positions }, ...(Object.keys(this.windows).length > 0 ? { windows: { ...this.windows } } : {}) };
    try {
      await this.o.positions.save(checkpoint);
      this.o.problem(undefined);
    } catch (e) {
      if (this.o.positions.superseded) {
        if (!this.stopped) this.o.superseded?.();
        return;
      }
      // Positions stay in memory and the next change writes them again; until then a crash repeats work.
      this.o.problem(`Cannot save positions: ${isEddyError(e) ? e.message : (e as Error).message}`);
    }
  }
}
