import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/clock.js';
import { RateHistory } from '../../../src/server/http/rate-history.js';

function history(options: { windowMs?: number; keepMs?: number } = {}) {
  const clock = new ManualClock(1_000_000);
  return { clock, rates: new RateHistory({ clock, ...options }) };
}

describe('RateHistory', () => {
  it('reports zero until a key has two samples', () => {
    const { rates } = history();
    expect(rates.current('s', 2)).toEqual([0, 0]);
    rates.record('s', [100, 5000]);
    expect(rates.current('s', 2)).toEqual([0, 0]);
    expect(rates.history('s', 2)).toEqual([]);
  });

  it('measures the current rate over its window, from the oldest sample inside it', () => {
    const { clock, rates } = history({ windowMs: 5000 });
    rates.record('s', [0, 0]);
    for (let i = 1; i <= 10; i++) {
      clock.advance(1000);
      // 10 records/s for the first five seconds, then 30/s.
      rates.record('s', [i <= 5 ? i * 10 : 50 + (i - 5) * 30, 0]);
    }
    expect(rates.current('s', 2)).toEqual([30, 0]);
  });

  it('gives the rate between consecutive samples as history, stamped with the later one', () => {
    const { clock, rates } = history();
    rates.record('s', [0, 0]);
    clock.advance(2000);
    rates.record('s', [20, 2000]);
    clock.advance(1000);
    rates.record('s', [50, 2500]);
    expect(rates.history('s', 2)).toEqual([
      { at: 1_002_000, perSecond: [10, 1000] },
      { at: 1_003_000, perSecond: [30, 500] },
    ]);
  });

  it('takes a counter that went down as reset, not as a negative rate', () => {
    const { clock, rates } = history();
    rates.record('s', [500]);
    clock.advance(1000);
    rates.record('s', [20]);
    expect(rates.current('s', 1)).toEqual([0]);
  });

  it('keeps one minute of samples, and forgets keys that are gone', () => {
    const { clock, rates } = history({ keepMs: 60_000 });
    for (let i = 0; i <= 120; i++) {
      rates.record('a', [i]);
      rates.record('b', [i]);
      clock.advance(1000);
    }
    expect(rates.history('a', 1)).toHaveLength(60);
    rates.retain(new Set(['a']));
    expect(rates.history('a', 1)).toHaveLength(60);
    expect(rates.history('b', 1)).toEqual([]);
  });
});
