// What a query's status says of its checkpoints, after the counts and latest completed checkpoint
// Flink's REST API gives for a job (GET /jobs/:id/checkpoints), made smaller: how many were saved, how
// many failed, and when the last one was saved and how long it took. A checkpoint counts as completed
// only once its write resolved, i.e. once it is durable where the query keeps it; one that was due while
// another was being written is folded into the next and is not counted at all.

import type { Clock } from '../clock.js';

export interface CheckpointStatus {
  /** Checkpoints saved by this run of the query (on a cluster: by the process named in its status). */
  readonly completed: number;
  /** Checkpoints whose write was refused or did not land. */
  readonly failed: number;
  /** When the last completed checkpoint was saved, epoch ms of the query's clock; absent before the first. */
  readonly lastCompletedAt?: number;
  /** How long the last completed checkpoint took, from being taken to being saved, ms. */
  readonly lastDurationMs?: number;
}

export const NO_CHECKPOINTS: CheckpointStatus = { completed: 0, failed: 0 };

/** Counts one query's checkpoints as their writes settle; a few numbers, whatever the query's age. */
export class CheckpointStats {
  private completed = 0;
  private failed = 0;
  private lastCompletedAt: number | undefined;
  private lastDurationMs: number | undefined;

  constructor(private readonly clock: Clock) {}

  /** A checkpoint taken at `takenAt` (the clock's time) was saved now. */
  saved(takenAt: number): void {
    const now = this.clock.now();
    this.completed++;
    this.lastCompletedAt = now;
    this.lastDurationMs = Math.max(0, now - takenAt);
  }

  notSaved(): void {
    this.failed++;
  }

  status(): CheckpointStatus {
    return {
      completed: this.completed,
      failed: this.failed,
      ...(this.lastCompletedAt === undefined ? {} : { lastCompletedAt: this.lastCompletedAt }),
      ...(this.lastDurationMs === undefined ? {} : { lastDurationMs: this.lastDurationMs }),
    };
  }
}

/**
 * The checkpoints of a query split into parts, each of which checkpoints on its own: the counts summed,
 * and the last completed checkpoint that of the part whose last one is oldest (absent while any part has
 * none), so `lastCompletedAt` is a time by which every part's progress was saved, as the query's
 * watermark is the least of its parts'.
 */
export function partsCheckpoints(parts: readonly CheckpointStatus[]): CheckpointStatus {
  const completed = parts.reduce((n, p) => n + p.completed, 0);
  const failed = parts.reduce((n, p) => n + p.failed, 0);
  let oldest: CheckpointStatus | undefined;
  for (const p of parts) {
    if (p.lastCompletedAt === undefined) return { completed, failed };
    if (oldest === undefined || p.lastCompletedAt < oldest.lastCompletedAt!) oldest = p;
  }
  if (oldest === undefined) return { completed, failed };
  return {
    completed,
    failed,
    lastCompletedAt: oldest.lastCompletedAt!,
    ...(oldest.lastDurationMs === undefined ? {} : { lastDurationMs: oldest.lastDurationMs }),
  };
}

/** A checkpoint status heard from another process (a lease's info), read defensively: it may be of another version. */
export function checkpointStatusFrom(value: unknown): CheckpointStatus {
  if (typeof value !== 'object' || value === null) return NO_CHECKPOINTS;
  const v = value as Record<string, unknown>;
  const count = (x: unknown): number => (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 ? x : 0);
  const time = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : undefined);
  const at = time(v['lastCompletedAt']);
  const took = time(v['lastDurationMs']);
  return {
    completed: count(v['completed']),
    failed: count(v['failed']),
    ...(at === undefined ? {} : { lastCompletedAt: at }),
    ...(took === undefined ? {} : { lastDurationMs: took }),
  };
}
