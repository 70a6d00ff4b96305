import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FORCED_EXIT_CODE, guardShutdown } from '../../src/cli/shutdown-guard.js';

function harness(timeoutMs = 30_000) {
  const signals = new EventEmitter();
  const reports: string[] = [];
  const exits: number[] = [];
  const guard = guardShutdown({ timeoutMs, report: (m) => reports.push(m), exit: (code) => exits.push(code), signals: signals as unknown as NodeJS.Process });
  return { signals, reports, exits, guard };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the shutdown guard of eddy serve', () => {
  it('exits at once, saying why, on a second signal during the stop', () => {
    const { signals, reports, exits } = harness();
    signals.emit('SIGTERM', 'SIGTERM');
    expect(exits).toEqual([FORCED_EXIT_CODE]);
    expect(reports).toEqual(['eddy serve: SIGTERM during shutdown; exiting without finishing the stop (queries resume from their last checkpoint).\n']);
    // Once only, and the handlers are gone.
    signals.emit('SIGINT', 'SIGINT');
    expect(exits).toHaveLength(1);
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('exits once the stop has taken its timeout', () => {
    vi.useFakeTimers();
    const { reports, exits } = harness(30_000);
    vi.advanceTimersByTime(29_999);
    expect(exits).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(exits).toEqual([FORCED_EXIT_CODE]);
    expect(reports[0]).toContain('shutdown did not finish within 30 s');
  });

  it('does nothing once the stop has finished: no exit, no handlers left', () => {
    vi.useFakeTimers();
    const { signals, exits, guard } = harness(1_000);
    guard.cancel();
    vi.advanceTimersByTime(5_000);
    signals.emit('SIGTERM', 'SIGTERM');
    expect(exits).toEqual([]);
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
  });
});
