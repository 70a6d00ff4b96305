import { describe, expect, it } from 'vitest';
import { WriteRateWindow } from '../../../src/engine/stream/write-rate-window.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('the write rate window', () => {
  it('averages records and bytes over the whole window, however few seconds saw writes', () => {
    const w = new WriteRateWindow(60);
    w.add(T0, 600, 6000);
    w.add(T0 + 500, 600, 6000);
    expect(w.rate(T0 + 999)).toEqual({ recordsPerSecond: 20, bytesPerSecond: 200 });
  });

  it('forgets a second once it has left the window', () => {
    const w = new WriteRateWindow(60);
    w.add(T0, 60, 0);
    w.add(T0 + 30_000, 120, 0);
    expect(w.rate(T0 + 59_999).recordsPerSecond).toBe(3);
    expect(w.rate(T0 + 60_000).recordsPerSecond).toBe(2);
    expect(w.rate(T0 + 90_000).recordsPerSecond).toBe(0);
  });

  it('reuses a bucket for a later second without adding the old second to it', () => {
    const w = new WriteRateWindow(60);
    w.add(T0, 60, 0);
    w.add(T0 + 60_000, 6, 0);
    expect(w.rate(T0 + 60_000).recordsPerSecond).toBe(0.1);
  });
});
