// What a query's status says of its checkpoints: counted as their writes settle, and for a split query
// put together from its parts' own.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/clock.js';
import { CheckpointStats, checkpointStatusFrom, partsCheckpoints } from '../../../src/engine/query/checkpoint-stats.js';

describe('CheckpointStats', () => {
  it('counts saved and failed checkpoints, keeping when the last was saved and how long it took', () => {
    const clock = new ManualClock(1_000);
    const stats = new CheckpointStats(clock);
    expect(stats.status()).toEqual({ completed: 0, failed: 0 });
    clock.advance(40);
    stats.saved(1_000);
    stats.notSaved();
    expect(stats.status()).toEqual({ completed: 1, failed: 1, lastCompletedAt: 1_040, lastDurationMs: 40 });
  });
});

describe('partsCheckpoints', () => {
  it('sums the parts’ counts and takes the last checkpoint of the part whose last one is oldest', () => {
    expect(
      partsCheckpoints([
        { completed: 3, failed: 0, lastCompletedAt: 9_000, lastDurationMs: 5 },
        { completed: 2, failed: 1, lastCompletedAt: 7_000, lastDurationMs: 12 },
      ]),
    ).toEqual({ completed: 5, failed: 1, lastCompletedAt: 7_000, lastDurationMs: 12 });
  });

  it('has no last checkpoint while some part has saved none', () => {
    expect(partsCheckpoints([{ completed: 3, failed: 0, lastCompletedAt: 9_000, lastDurationMs: 5 }, { completed: 0, failed: 2 }])).toEqual({ completed: 3, failed: 2 });
  });
});

describe('checkpointStatusFrom', () => {
  it('reads what another process said, leaving out what is not a count or a time', () => {
    expect(checkpointStatusFrom({ completed: 4, failed: 1, lastCompletedAt: 5_000, lastDurationMs: 3 })).toEqual({ completed: 4, failed: 1, lastCompletedAt: 5_000, lastDurationMs: 3 });
    expect(checkpointStatusFrom(undefined)).toEqual({ completed: 0, failed: 0 });
    expect(checkpointStatusFrom({ completed: -1, failed: 'x', lastCompletedAt: 'soon', lastDurationMs: Infinity })).toEqual({ completed: 0, failed: 0 });
  });
});
