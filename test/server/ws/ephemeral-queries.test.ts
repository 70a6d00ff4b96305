// Which sockets keep an ephemeral query alive, and when it is let go.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EphemeralQueries } from '../../../src/server/ws/ephemeral-queries.js';

let stopped: string[];
let ephemeral: EphemeralQueries;

beforeEach(() => {
  vi.useFakeTimers();
  stopped = [];
  ephemeral = new EphemeralQueries(async (id) => void stopped.push(id), 60_000);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('EphemeralQueries', () => {
  it('ends a query when the last socket watching it closes', () => {
    ephemeral.started('q');
    ephemeral.opened('q');
    ephemeral.opened('q');
    ephemeral.closed('q');
    expect(stopped).toEqual([]);
    ephemeral.closed('q');
    expect(stopped).toEqual(['q']);
  });

  it('ends a query that no socket watched within the grace period, and only then', () => {
    ephemeral.started('q');
    vi.advanceTimersByTime(59_999);
    expect(stopped).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(stopped).toEqual(['q']);
  });

  it('keeps a watched query past the grace period', () => {
    ephemeral.started('q');
    ephemeral.opened('q');
    vi.advanceTimersByTime(120_000);
    expect(stopped).toEqual([]);
  });

  it('leaves alone queries it was not told about, and those deleted some other way', () => {
    ephemeral.opened('other');
    ephemeral.closed('other');
    ephemeral.started('q');
    ephemeral.forget('q');
    vi.advanceTimersByTime(120_000);
    ephemeral.opened('q');
    ephemeral.closed('q');
    expect(stopped).toEqual([]);
  });
});
