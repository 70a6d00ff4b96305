// A window table read without an aggregate: each row once per window it falls in, with the window's bounds.
import { describe, expect, it } from 'vitest';
import type { WindowSpec } from '../../../src/engine/plan/plan.js';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import { WindowTable } from '../../../src/engine/operators/window-table.js';
import { Harness } from './helpers.js';

const input: ColumnSchema[] = [
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'n', type: 'INT' },
];
const source = { kind: 'source' as const, stream: 's', format: { kind: 'json' as const }, columns: input, eventTime: { column: 0, watermarkDelayMs: 0 } };
const T0 = Date.parse('2024-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const rowsOf = (window: WindowSpec, times: number[]) =>
  new Harness(new WindowTable({ kind: 'windowTable', input: source, window, timeColumn: 0 }, input), input).push(times.map((t, i) => [t, i])).map((r) => [r.n, r.window_start, r.window_end]);

describe('window table rows', () => {
  it('puts a row in its tumbling window, shifted by the offset', () => {
    expect(rowsOf({ kind: 'tumble', sizeMs: 10_000, offsetMs: 3000 }, [T0 + 2999, T0 + 3000])).toEqual([
      [0, iso(T0 - 7000), iso(T0 + 3000)],
      [1, iso(T0 + 3000), iso(T0 + 13_000)],
    ]);
  });

  it('puts a row in every hopping window holding it', () => {
    expect(rowsOf({ kind: 'hop', sizeMs: 10_000, slideMs: 5000, offsetMs: 1000 }, [T0 + 7000])).toEqual([
      [0, iso(T0 + 1000), iso(T0 + 11_000)],
      [0, iso(T0 + 6000), iso(T0 + 16_000)],
    ]);
  });

  it('puts a row in every cumulating window of its period from the step it falls in', () => {
    expect(rowsOf({ kind: 'cumulate', sizeMs: 30_000, stepMs: 10_000 }, [T0 + 12_000, T0 + 29_999])).toEqual([
      [0, iso(T0), iso(T0 + 20_000)],
      [0, iso(T0), iso(T0 + 30_000)],
      [1, iso(T0), iso(T0 + 30_000)],
    ]);
  });
});
