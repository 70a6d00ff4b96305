import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/clock.js';
import { WatermarkTracker } from '../../../src/engine/query/watermark-tracker.js';

function tracker(idleTimeoutMs = 30_000) {
  const clock = new ManualClock(1_000_000);
  return { clock, wm: new WatermarkTracker({ delayMs: 5000, clock, idleTimeoutMs }) };
}

describe('WatermarkTracker', () => {
  it('trails the largest event time seen by the declared delay', () => {
    const { wm } = tracker();
    wm.addShard('a');
    wm.observe('a', 20_000);
    wm.observe('a', 12_000);
    expect(wm.current()).toBe(15_000);
  });

  it('is the minimum over active shards, and waits for a shard that has seen nothing', () => {
    const { wm } = tracker();
    wm.addShard('a');
    wm.addShard('b');
    wm.observe('a', 50_000);
    expect(wm.current()).toBe(-Infinity);
    wm.observe('b', 30_000);
    expect(wm.current()).toBe(25_000);
  });

  it('stops waiting for a shard idle longer than the timeout', () => {
    const { wm, clock } = tracker(10_000);
    wm.addShard('a');
    wm.addShard('b');
    wm.observe('b', 30_000);
    clock.advance(5000);
    wm.observe('a', 50_000);
    expect(wm.current()).toBe(25_000);
    clock.advance(10_001);
    wm.observe('a', 60_000);
    expect(wm.current()).toBe(55_000);
  });

  it('never moves backwards, even when an idle shard wakes up behind', () => {
    const { wm, clock } = tracker(10_000);
    wm.addShard('a');
    wm.addShard('b');
    wm.observe('a', 50_000);
    wm.observe('b', 10_000);
    clock.advance(10_001);
    wm.observe('a', 60_000);
    expect(wm.current()).toBe(55_000);
    wm.observe('b', 12_000);
    expect(wm.current()).toBe(55_000);
  });

  it('lets the furthest shard stand when every shard is idle', () => {
    const { wm, clock } = tracker(10_000);
    wm.addShard('a');
    wm.addShard('b');
    wm.observe('a', 50_000);
    wm.observe('b', 40_000);
    expect(wm.current()).toBe(35_000);
    clock.advance(10_001);
    expect(wm.current()).toBe(45_000);
  });

  it('drops a finished shard and lets its children start from its progress', () => {
    const { wm } = tracker();
    wm.addShard('parent');
    wm.addShard('other');
    wm.observe('parent', 40_000);
    wm.observe('other', 90_000);
    expect(wm.current()).toBe(35_000);
    wm.finishShard('parent');
    wm.addShard('child', ['parent']);
    expect(wm.current()).toBe(35_000);
    wm.observe('child', 70_000);
    expect(wm.current()).toBe(65_000);
    expect(wm.activeShards).toBe(2);
  });
});
