// Stagger windows (Kinesis Data Analytics' WINDOWED BY STAGGER): per key, a window opens at its first
// row's time and takes the key's rows until that time + range; a window is emitted once, when the
// watermark reaches its end. Checked against the example of KDA's developer guide, a brute-force oracle
// over out-of-order rows in every batching, checkpoints taken anywhere, and the state limit.
import { describe, expect, it } from 'vitest';
import type { AggregateCall, StaggerWindowAggregateNode } from '../../../src/engine/plan/plan.js';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import { StaggerWindowAggregate } from '../../../src/engine/operators/stagger-window-aggregate.js';
import type { Row } from '../../../src/engine/batch/rows.js';
import { Harness, type Value } from './helpers.js';
import { everyBatching } from './batchings.js';
import { checkpointOf, columnOf, iso, rng, sortedBy, windowsByKey, withTrailingWatermark } from './keyed-window-harness.js';

const input: ColumnSchema[] = [
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'ticker', type: 'VARCHAR' },
  { name: 'price', type: 'DOUBLE' },
  { name: 'event_minute', type: 'TIMESTAMP' },
];
const col = columnOf(input);
const RANGE = 60_000;
const T0 = Date.parse('2024-03-01T11:00:00Z');

const AGGREGATES: (AggregateCall & { name: string })[] = [
  { fn: 'count_star', name: 'cnt', type: 'BIGINT' },
  { fn: 'sum', name: 'total', type: 'DOUBLE', arg: col(2) },
  { fn: 'count_distinct', name: 'prices', type: 'BIGINT', arg: col(2) },
];

function node(keys: StaggerWindowAggregateNode['keys'] = [{ name: 'ticker', expr: col(1) }], rangeMs = RANGE): StaggerWindowAggregateNode {
  return {
    kind: 'staggerWindowAggregate',
    input: { kind: 'source', stream: 's', format: { kind: 'json' }, columns: input, eventTime: { column: 0, watermarkDelayMs: 0 } },
    rangeMs,
    timeColumn: 0,
    keys,
    aggregates: AGGREGATES,
  };
}

const make = (maxKeys?: number, keys?: StaggerWindowAggregateNode['keys']) => new Harness(new StaggerWindowAggregate(node(keys), input, {}, maxKeys), input);
const row = (t: number, ticker: string | null = 'AMZN', price: number | null = 1): Value[] => [t, ticker, price, null];
const sorted = sortedBy('ticker');

/** Stagger windows by brute force: per key, in time order, a row at or past the open window's end opens the next. */
function oracle(rows: readonly (readonly Value[])[]): Row[] {
  const windows = windowsByKey(rows, (window, r) => (r[0] as number) >= (window[0]![0] as number) + RANGE);
  return sorted(
    windows.map(({ key, rows: window }) => {
      const start = window[0]![0] as number;
      const prices = window.map((r) => r[2]).filter((v): v is number => v !== null);
      return {
        window_start: iso(start),
        window_end: iso(start + RANGE),
        ticker: key,
        cnt: window.length,
        total: prices.length ? prices.reduce((a, b) => a + b, 0) : null,
        prices: new Set(prices).size,
      };
    }),
  );
}

describe('stagger windows', () => {
  it('gives the results of the developer guide\'s example: one window per event minute and ticker, from its first row', () => {
    // ROWTIME and EVENT_TIME of the four AMZN trades in the guide's "Stagger Windows" page, grouped by
    // FLOOR(EVENT_TIME TO MINUTE) and the ticker over one minute: windows end at 11:01:20 (3 rows) and 11:02:15 (1).
    const at = (hms: string) => Date.parse(`2024-03-01T${hms}Z`);
    const keys = [
      { name: 'event_minute', expr: col(3) },
      { name: 'ticker', expr: col(1) },
    ];
    const h = make(undefined, keys);
    const trade = (rowtime: string, eventMinute: string): Value[] => [at(rowtime), 'AMZN', 1, at(eventMinute)];
    h.push([trade('11:00:20', '11:00:00'), trade('11:00:30', '11:00:00'), trade('11:01:05', '11:00:00'), trade('11:01:15', '11:01:00')]);
    expect(h.watermark(at('11:01:19'))).toEqual([]);
    expect(h.watermark(at('11:01:20')).map((r) => [r.window_end, r.event_minute, r.cnt])).toEqual([[iso(at('11:01:20')), iso(at('11:00:00')), 3]]);
    expect(h.watermark(at('11:05:00')).map((r) => [r.window_end, r.event_minute, r.cnt])).toEqual([[iso(at('11:02:15')), iso(at('11:01:00')), 1]]);
  });

  it('opens a window at its key\'s first row, and the next at the first row at or after its end', () => {
    const h = make();
    h.push([row(T0 + 20_000, 'AMZN', 1), row(T0 + 79_999, 'AMZN', 2), row(T0 + 80_000, 'AMZN', 4), row(T0 + 45_000, 'INTC', 8)]);
    expect(sorted(h.watermark(T0 + 10 * RANGE))).toEqual([
      { window_start: iso(T0 + 20_000), window_end: iso(T0 + 80_000), ticker: 'AMZN', cnt: 2, total: 3, prices: 2 },
      { window_start: iso(T0 + 80_000), window_end: iso(T0 + 140_000), ticker: 'AMZN', cnt: 1, total: 4, prices: 1 },
      { window_start: iso(T0 + 45_000), window_end: iso(T0 + 105_000), ticker: 'INTC', cnt: 1, total: 8, prices: 1 },
    ]);
  });

  it('places rows that come out of order by their time, not their arrival', () => {
    // Arriving first, the row at 70 s would open [70 s, 130 s); the row at 10 s, before it in time, opens
    // [10 s, 70 s) instead, and 70 s opens the next window.
    const h = make();
    h.push([row(T0 + 70_000, 'AMZN', 1)]);
    h.push([row(T0 + 10_000, 'AMZN', 2), row(T0 + 69_999, 'AMZN', 4)]);
    expect(h.watermark(T0 + 10 * RANGE).map((r) => [r.window_start, r.cnt, r.total])).toEqual([
      [iso(T0 + 10_000), 2, 6],
      [iso(T0 + 70_000), 1, 1],
    ]);
  });

  it('emits a window once, when the watermark reaches its end, and holds rows until the watermark passes them', () => {
    const h = make();
    const op = h.op as StaggerWindowAggregate;
    h.push([row(T0), row(T0 + 30_000)]);
    expect(op.heldRows).toBe(2);
    expect(h.watermark(T0 + 30_000)).toEqual([]);
    expect(op.heldRows).toBe(1);
    expect(op.openWindows).toBe(1);
    expect(h.watermark(T0 + RANGE - 1)).toEqual([]);
    expect(h.watermark(T0 + RANGE).map((r) => r.cnt)).toEqual([2]);
    expect(op.openWindows).toBe(0);
    expect(h.watermark(T0 + 100 * RANGE)).toEqual([]);
  });

  it('drops and counts rows behind the watermark, and skips rows without a time', () => {
    const h = make();
    h.watermark(T0 + 5000);
    h.push([row(T0 + 4999), row(T0 + 5000), [null, 'AMZN', 1, null], row(T0)]);
    expect(h.ctx.metrics.lateRows).toBe(2);
    expect(h.watermark(T0 + 10 * RANGE).map((r) => r.cnt)).toEqual([1]);
  });

  it('keeps windows per key, with NULL as a key of its own', () => {
    const rows = [row(T0, 'a'), row(T0 + 5000, 'b'), row(T0 + 6000, null), row(T0 + 61_000, 'a'), row(T0 + 30_000, null)];
    const h = make();
    h.push(rows);
    expect(sorted(h.watermark(T0 + 10 * RANGE))).toEqual(oracle(rows));
  });

  it('gives the same windows for the same rows in every batching, with watermarks between batches', () => {
    const random = rng(11);
    const rows: Value[][] = [];
    for (let i = 0; i < 500; i++) rows.push(row(T0 + i * 900 - Math.floor(random() * 4000), `t${Math.floor(random() * 7)}`, Math.floor(random() * 20)));
    const expected = oracle(rows);
    // The watermark trails the largest time seen by 5 s: rows are out of order by less, so none is late.
    everyBatching(rows, (batches) => {
      const h = make();
      const out = withTrailingWatermark(h, batches, 5000, 10 * RANGE);
      expect(h.ctx.metrics.lateRows).toBe(0);
      expect(sorted(out)).toEqual(expected);
    });
  });

  it('resumes from a checkpoint taken anywhere with the windows it would have given', () => {
    const random = rng(3);
    const rows: Value[][] = [];
    for (let i = 0; i < 200; i++) rows.push(row(T0 + i * 1500 - Math.floor(random() * 4000), `t${Math.floor(random() * 4)}`, Math.floor(random() * 9)));
    const expected = oracle(rows);
    for (const cut of [1, 37, 100, 163]) {
      const first = make();
      const out: Row[] = [];
      let max = -Infinity;
      const step = (h: Harness, batch: Value[][]) => {
        out.push(...h.push(batch));
        for (const r of batch) max = Math.max(max, r[0] as number);
        out.push(...h.watermark(max - 5000));
      };
      for (let i = 0; i < cut; i += 10) step(first, rows.slice(i, Math.min(i + 10, cut)));
      // Round-trips through JSON, as checkpoints are stored.
      const saved = checkpointOf(first.op);
      const second = make();
      (second.op as StaggerWindowAggregate).restore(saved);
      for (let i = cut; i < rows.length; i += 10) step(second, rows.slice(i, i + 10));
      out.push(...second.watermark(max + 10 * RANGE));
      expect(sorted(out), `checkpoint after ${cut} rows`).toEqual(expected);
    }
  });

  it('resumes from a checkpoint its first version wrote: open windows, held rows and the watermark', () => {
    // Written by the operator before its state moved to keyed-windows.ts, after a watermark at T0 + 25 s.
    const saved = {
      watermark: T0 + 25_000,
      windows: [
        { key: ['AMZN'], start: T0, acc: [2, [3, 2], [1, 2]] },
        { key: ['INTC'], start: T0 + 5000, acc: [1, [3, 1], [3]] },
      ],
      held: [
        [T0 + 70_000, 'AMZN', 4, null],
        [T0 + 30_000, 'INTC', 3, null],
      ],
    };
    const h = make();
    const op = h.op as StaggerWindowAggregate;
    op.restore(JSON.parse(JSON.stringify(saved)));
    expect(op.snapshot()).toEqual(saved);
    expect([op.openWindows, op.heldRows]).toEqual([2, 2]);
    h.push([row(T0 + 24_000, 'AMZN', 8)]);
    expect(h.ctx.metrics.lateRows).toBe(1);
    expect(sorted(h.watermark(T0 + 10 * RANGE))).toEqual([
      { window_start: iso(T0), window_end: iso(T0 + RANGE), ticker: 'AMZN', cnt: 2, total: 3, prices: 2 },
      { window_start: iso(T0 + 70_000), window_end: iso(T0 + 70_000 + RANGE), ticker: 'AMZN', cnt: 1, total: 4, prices: 1 },
      { window_start: iso(T0 + 5000), window_end: iso(T0 + 5000 + RANGE), ticker: 'INTC', cnt: 2, total: 6, prices: 1 },
    ]);
  });

  it('fails the query, naming the limit, when open windows and held rows pass the state key limit', () => {
    const h = make(5);
    h.push([row(T0, 'a'), row(T0, 'b')]);
    expect(() => h.push([row(T0 + 1, 'c'), row(T0 + 2, 'd'), row(T0 + 3, 'e'), row(T0 + 4, 'f')])).toThrow(
      /query state exceeded 5 keys in WINDOWED BY STAGGER \(PARTITION BY ticker\).*--max-query-state-keys/,
    );
  });

  it('lets go of key ids when no window is open and no row is held', () => {
    const h = make();
    const op = h.op as StaggerWindowAggregate;
    h.push([row(T0, 'a'), row(T0, 'b')]);
    h.watermark(T0 + 10 * RANGE);
    expect(op.openWindows).toBe(0);
    expect(op.heldRows).toBe(0);
    expect(op.snapshot()).toEqual({ watermark: T0 + 10 * RANGE, windows: [], held: [] });
  });
});
