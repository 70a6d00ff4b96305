// A split query (StoredQuery.parallelism = N) on a cluster of Eddy processes: N parts, each a clustered
// query of its own (lease `query.<id>.part.<n>`, checkpoint `<id>.part.<n>`), each run by whichever
// process holds its lease and taken over as any query is. So that the parts spread over the processes,
// a process takes at once the first part nobody holds, and wants the others only after the lease
// timeout, by when every live process has had the time to take one.
import type { StoredQuery } from '../../catalog/catalog.js';
import type { QueryCheckpoint } from '../../plan/checkpoint.js';
import { ClusteredQuery, partCheckpointId, type ClusteredQueryDeps, type QueryRun } from '../clustered-query.js';
import type { ResultOutlet } from '../result-relay.js';
import type { CheckpointWritten, QueryInfo, QueryStatus } from '../running-query.js';
import { partsCheckpoints, type CheckpointStatus } from '../checkpoint-stats.js';

/** One part of a split query as its status lists it. */
export interface QueryPartStatus {
  readonly part: number;
  readonly status: QueryStatus['status'];
  /** The process running it (as this one last heard); absent while none holds it. */
  readonly process?: string;
  readonly inputRecords: number;
  readonly outputRows: number;
  readonly lateRows: number;
  readonly watermark: string | null;
  readonly lagMs: number;
  readonly stateEntries: number;
  /** The part's own checkpoints (as its process last said, when another runs it). */
  readonly checkpoints: CheckpointStatus;
}

export interface SplitClusteredQueryDeps extends Omit<ClusteredQueryDeps, 'build'> {
  /** Builds part `part`'s run, resuming from its checkpoint. */
  buildPart(
    stored: StoredQuery,
    part: number,
    checkpoint: QueryCheckpoint | undefined,
    onCheckpoint: (cp: QueryCheckpoint) => Promise<CheckpointWritten>,
    results: ResultOutlet,
    onFailureFromOutside: (error: string) => void,
  ): QueryRun;
  /** How long a process waits before wanting a part beyond its first (the lease timeout), ms. */
  readonly spreadMs: number;
}

export class SplitClusteredQuery {
  private readonly parts: ClusteredQuery[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly stored: StoredQuery,
    private readonly deps: SplitClusteredQueryDeps,
  ) {
    const count = stored.parallelism ?? 1;
    this.parts = Array.from(
      { length: count },
      (_, part) =>
        new ClusteredQuery(
          stored,
          {
            cluster: deps.cluster,
            hub: deps.hub,
            statusOf: deps.statusOf,
            build: (s, checkpoint, onCheckpoint, results, onFailureFromOutside) => deps.buildPart(s, part, checkpoint, onCheckpoint, results, onFailureFromOutside),
          },
          part,
        ),
    );
  }

  get info(): QueryInfo {
    return this.stored;
  }

  get parallelism(): number {
    return this.parts.length;
  }

  /** The ids each part's checkpoint is kept under. */
  get checkpointIds(): string[] {
    return this.parts.map((_, i) => partCheckpointId(this.stored.id, i));
  }

  get running(): boolean {
    return this.parts.every((p) => p.running);
  }

  /** Takes the first part nobody holds; the others are wanted after `spreadMs`, if still free then. */
  async begin(): Promise<void> {
    let taken = false;
    for (const part of this.parts) {
      if (taken) {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (!this.stopped) void part.begin().catch(() => undefined);
        }, this.deps.spreadMs);
        timer.unref();
        this.timers.add(timer);
        continue;
      }
      await part.begin();
      taken = part.local;
    }
  }

  /**
   * The query as a whole: figures summed over the parts (the least watermark; for checkpoints, the
   * counts summed and the oldest of the parts' last ones, see partsCheckpoints), and each part's own.
   */
  status(): QueryStatus {
    const statuses = this.parts.map((p) => p.status());
    const first = statuses[0]!;
    const failed = statuses.find((s) => s.status === 'failed');
    const watermarks = statuses.map((s) => s.watermark);
    const sum = (f: (s: QueryStatus) => number): number => statuses.reduce((n, s) => n + f(s), 0);
    const { process: _, ...rest } = first;
    return {
      ...rest,
      status: failed ? 'failed' : statuses.some((s) => s.status === 'stopped') ? 'stopped' : 'running',
      ...(failed?.error === undefined ? {} : { error: failed.error }),
      inputRecords: sum((s) => s.inputRecords),
      outputRows: sum((s) => s.outputRows),
      lateRows: sum((s) => s.lateRows),
      decodeErrors: sum((s) => s.decodeErrors),
      watermark: watermarks.includes(null) ? null : watermarks.reduce((a, b) => (a! < b! ? a : b)),
      lagMs: Math.max(...statuses.map((s) => s.lagMs)),
      shards: statuses.flatMap((s) => s.shards),
      stateEntries: sum((s) => s.stateEntries),
      startedAt: Math.min(...statuses.map((s) => s.startedAt)),
      checkpoints: partsCheckpoints(statuses.map((s) => s.checkpoints)),
      parallelism: this.parts.length,
      parts: statuses.map((s, part) => ({
        part,
        status: s.status,
        ...(s.process === undefined ? {} : { process: s.process }),
        inputRecords: s.inputRecords,
        outputRows: s.outputRows,
        lateRows: s.lateRows,
        watermark: s.watermark,
        lagMs: s.lagMs,
        stateEntries: s.stateEntries,
        checkpoints: s.checkpoints,
      })),
    };
  }

  poke(): void {
    for (const p of this.parts) p.poke();
  }

  failedElsewhere(error: string): void {
    for (const p of this.parts) p.failedElsewhere(error);
  }

  async stop(): Promise<void> {
    this.halt();
    await Promise.all(this.parts.map((p) => p.stop()));
  }

  async shutdown(): Promise<void> {
    this.halt();
    await Promise.all(this.parts.map((p) => p.shutdown()));
  }

  private halt(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
