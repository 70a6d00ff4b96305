// The conformance suite every window shape runs: half-open epoch-aligned windows, emit-once on the
// watermark, late rows, several keys, NULL keys and values, and every aggregate checked against a
// brute-force oracle that enumerates each row's windows directly.
import { describe, expect, it } from 'vitest';
import type { AggregateFn, WindowAggregateNode, WindowSpec } from '../../../src/engine/plan/plan.js';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { DataType } from '../../../src/engine/plan/expr.js';
import { WindowAggregate } from '../../../src/engine/operators/window-aggregate.js';
import { Harness } from './helpers.js';
import type { Value } from './helpers.js';
import type { Row } from '../../../src/engine/batch/rows.js';

const input: ColumnSchema[] = [
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'n', type: 'INT' },
];
const source = { kind: 'source' as const, stream: 's', format: { kind: 'json' as const }, columns: input, eventTime: { column: 0, watermarkDelayMs: 0 } };

const allAggregates: { fn: AggregateFn; name: string; type: DataType; arg?: number }[] = [
  { fn: 'count_star', name: 'cnt', type: 'BIGINT' },
  { fn: 'count', name: 'cnt_amount', type: 'BIGINT', arg: 2 },
  { fn: 'count_distinct', name: 'distinct_n', type: 'BIGINT', arg: 3 },
  { fn: 'sum', name: 'sum_amount', type: 'DOUBLE', arg: 2 },
  { fn: 'sum', name: 'sum_n', type: 'BIGINT', arg: 3 },
  { fn: 'avg', name: 'avg_amount', type: 'DOUBLE', arg: 2 },
  { fn: 'min', name: 'min_amount', type: 'DOUBLE', arg: 2 },
  { fn: 'max', name: 'max_amount', type: 'DOUBLE', arg: 2 },
  { fn: 'min', name: 'min_user', type: 'VARCHAR', arg: 1 },
  { fn: 'max', name: 'max_ts', type: 'TIMESTAMP', arg: 0 },
  { fn: 'stddev', name: 'sd_amount', type: 'DOUBLE', arg: 2 },
];

function node(window: WindowSpec, aggregates = allAggregates, keyed = true): WindowAggregateNode {
  return {
    kind: 'windowAggregate',
    input: source,
    window,
    timeColumn: 0,
    keys: keyed ? [{ name: 'user_id', expr: { kind: 'column', index: 1, name: 'user_id', type: 'VARCHAR' } }] : [],
    aggregates: aggregates.map((a) => ({
      fn: a.fn,
      name: a.name,
      type: a.type,
      ...(a.arg === undefined ? {} : { arg: { kind: 'column' as const, index: a.arg, name: input[a.arg]!.name, type: input[a.arg]!.type } }),
    })),
  };
}

/** Computes the expected windows by brute force. */
function oracle(window: WindowSpec, rows: readonly (readonly Value[])[]): Row[] {
  const slide = window.kind === 'hop' ? window.slideMs : window.sizeMs;
  const groups = new Map<string, { start: number; key: Value; rows: (readonly Value[])[] }>();
  for (const r of rows) {
    const t = r[0] as number;
    if (t === null) continue;
    const lastStart = Math.floor(t / slide) * slide;
    for (let start = lastStart; start > t - window.sizeMs; start -= slide) {
      const id = `${start}|${JSON.stringify(r[1])}`;
      if (!groups.has(id)) groups.set(id, { start, key: r[1]!, rows: [] });
      groups.get(id)!.rows.push(r);
    }
  }
  const out: Row[] = [];
  for (const g of groups.values()) {
    const vals = (i: number) => g.rows.map((r) => r[i]).filter((v): v is number => v !== null && v !== undefined) as number[];
    const amounts = vals(2);
    const mean = amounts.reduce((a, b) => a + b, 0) / amounts.length;
    const sd = amounts.length < 2 ? null : Math.sqrt(amounts.reduce((a, b) => a + (b - mean) ** 2, 0) / (amounts.length - 1));
    const users = g.rows.map((r) => r[1]).filter((v) => v !== null) as string[];
    out.push({
      window_start: new Date(g.start).toISOString(),
      window_end: new Date(g.start + window.sizeMs).toISOString(),
      user_id: g.key as string | null,
      cnt: g.rows.length,
      cnt_amount: amounts.length,
      distinct_n: new Set(vals(3)).size,
      sum_amount: amounts.length ? amounts.reduce((a, b) => a + b, 0) : null,
      sum_n: vals(3).length ? vals(3).reduce((a, b) => a + b, 0) : null,
      avg_amount: amounts.length ? mean : null,
      min_amount: amounts.length ? Math.min(...amounts) : null,
      max_amount: amounts.length ? Math.max(...amounts) : null,
      min_user: users.length ? users.sort()[0]! : null,
      max_ts: new Date(Math.max(...g.rows.map((r) => r[0] as number))).toISOString(),
      sd_amount: sd,
    });
  }
  return sortRows(out);
}

function sortRows(rows: Row[]): Row[] {
  return [...rows].sort((a, b) => (a.window_start! < b.window_start! ? -1 : a.window_start! > b.window_start! ? 1 : String(a.user_id) < String(b.user_id) ? -1 : 1));
}

function approx(rows: Row[]): Row[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v])));
}

const T0 = Date.parse('2024-01-01T00:00:00Z');
const shapes: { name: string; window: WindowSpec }[] = [
  { name: 'tumbling 10 s', window: { kind: 'tumble', sizeMs: 10_000 } },
  { name: 'hopping 10 s every 5 s', window: { kind: 'hop', sizeMs: 10_000, slideMs: 5_000 } },
  { name: 'hopping 30 s every 10 s', window: { kind: 'hop', sizeMs: 30_000, slideMs: 10_000 } },
  { name: 'hopping 10 s every 10 s', window: { kind: 'hop', sizeMs: 10_000, slideMs: 10_000 } },
];

for (const { name, window } of shapes) {
  describe(`window conformance: ${name}`, () => {
    const make = (aggs = allAggregates, keyed = true) => new Harness(new WindowAggregate(node(window, aggs, keyed), input), input);
    const countOnly = [{ fn: 'count_star' as const, name: 'cnt', type: 'BIGINT' as const }];

    it('puts a row at a window end into the next window (half-open windows)', () => {
      const h = make(countOnly, false);
      const slide = window.kind === 'hop' ? window.slideMs : window.sizeMs;
      h.push([[T0], [T0 + slide - 1], [T0 + slide]]);
      const rows = h.watermark(T0 + 10 * window.sizeMs);
      const first = rows.find((r) => r.window_end === new Date(T0 + slide).toISOString() || r.window_start === new Date(T0).toISOString());
      expect(first).toBeDefined();
      const exact = oracle(window, [[T0], [T0 + slide - 1], [T0 + slide]].map((r) => [r[0]!, null, null, null]));
      expect(rows.map((r) => [r.window_start, r.window_end, r.cnt])).toEqual(exact.map((r) => [r.window_start, r.window_end, r.cnt]));
    });

    it('aligns windows to the epoch', () => {
      const h = make(countOnly, false);
      h.push([[T0 + 12_345]]);
      const rows = h.watermark(T0 + 10 * window.sizeMs);
      for (const r of rows) {
        expect(Date.parse(r.window_start as string) % (window.kind === 'hop' ? window.slideMs : window.sizeMs)).toBe(0);
        expect(Date.parse(r.window_end as string) - Date.parse(r.window_start as string)).toBe(window.sizeMs);
      }
    });

    it('emits a window once the watermark passes its end, and never again', () => {
      const h = make(countOnly, false);
      h.push([[T0 + 1000]]);
      const firstEnd = oracle(window, [[T0 + 1000, null, null, null]])[0]!.window_end as string;
      expect(h.watermark(Date.parse(firstEnd) - 1)).toEqual([]);
      const emitted = h.watermark(firstEnd);
      expect(emitted.map((r) => r.window_end)).toEqual([firstEnd]);
      expect(h.watermark(Date.parse(firstEnd) + 1)).toEqual([]);
      const all = h.watermark(T0 + 100 * window.sizeMs);
      expect([...emitted, ...all]).toEqual(oracle(window, [[T0 + 1000, null, null, null]]).map((r) => ({ window_start: r.window_start, window_end: r.window_end, cnt: 1 })));
      expect(h.watermark(T0 + 200 * window.sizeMs)).toEqual([]);
    });

    it('counts a row behind the watermark in each of its windows not fired yet, and drops it once all have fired', () => {
      const h = make(countOnly, false);
      const slide = window.kind === 'hop' ? window.slideMs : window.sizeMs;
      const wm = T0 + window.sizeMs;
      h.watermark(wm);
      const rows: Value[][] = [[T0 + 1], [wm - 1], [wm], [wm - slide + 1], [wm + 1]];
      expect(h.push(rows)).toEqual([]);
      // The last window of a row ends a window size after its pane starts.
      const late = rows.filter((r) => Math.floor((r[0] as number) / slide) * slide + window.sizeMs <= wm);
      expect(h.ctx.metrics.lateRows).toBe(late.length);
      expect(late.length).toBeGreaterThan(0);
      const out = h.watermark(T0 + 100 * window.sizeMs);
      const expected = oracle(window, rows.filter((r) => !late.includes(r)).map((r) => [r[0]!, null, null, null])).filter((r) => Date.parse(r.window_end as string) > wm);
      expect(out.map((r) => [r.window_start, r.cnt])).toEqual(expected.map((r) => [r.window_start, r.cnt]));
    });

    it('with allowed lateness, revises fired windows with -U/+U pairs until the lateness has passed, then counts rows as late', () => {
      const slide = window.kind === 'hop' ? window.slideMs : window.sizeMs;
      const k = window.sizeMs / slide;
      const h = new Harness(new WindowAggregate({ ...node(window, countOnly), allowedLatenessMs: window.sizeMs }, input), input);
      h.push([[T0 + 1, 'a', null, null]]);
      const fired = h.watermark(T0 + window.sizeMs);
      expect(fired.map((r) => [r._op, r.window_start, r.cnt])).toEqual(oracle(window, [[T0 + 1, 'a', null, null]]).map((r) => ['+I', r.window_start, 1]));
      // Each fired window of a later row is revised; a key it did not have is new to it.
      const revised = h.push([[T0 + 2, 'a', null, null], [T0 + 3, 'b', null, null]]);
      const windows = fired.map((r) => r.window_start);
      // By window and key (each -U stays just before its +U).
      const byWindow = [...revised].sort((x, y) => String(x.window_start).localeCompare(String(y.window_start)) || String(x.user_id).localeCompare(String(y.user_id)));
      expect(byWindow.map((r) => [r._op, r.window_start, r.user_id, r.cnt])).toEqual(
        windows.flatMap((start) => [
          ['-U', start, 'a', 1],
          ['+U', start, 'a', 2],
          ['+I', start, 'b', 1],
        ]),
      );
      expect(h.ctx.metrics.lateRows).toBe(0);
      // Once the watermark is the lateness past the last of them, they are gone: a row for them is late.
      expect(h.watermark(T0 + 2 * window.sizeMs)).toEqual([]);
      expect(h.push([[T0 + 4, 'a', null, null]])).toEqual([]);
      expect(h.ctx.metrics.lateRows).toBe(1);
      expect(h.watermark(T0 + 100 * window.sizeMs)).toEqual([]);
      expect(k).toBe(windows.length);
    });

    it('gives the same windows whatever the batching, rows one by one or all at once', () => {
      // Out of order by up to 25 s against a watermark 2 s behind the newest row: many rows arrive behind
      // it, but none after any of its windows fired (the first ends with its pane): others are left out.
      const slide = window.kind === 'hop' ? window.slideMs : window.sizeMs;
      const delay = 2000;
      const rows: Value[][] = [];
      let max = -Infinity;
      for (let i = 0; i < 300; i++) {
        const t = T0 + i * 700 - ((i * 7919) % 25_000);
        if ((Math.floor(t / slide) + 1) * slide <= max - delay) continue;
        rows.push([t, ['a', 'b', null][i % 3]!, i % 4 === 0 ? null : i, i % 5]);
        max = Math.max(max, t);
      }
      const run = (chunks: Value[][][]): Row[] => {
        const h = make();
        const out: Row[] = [];
        let newest = -Infinity;
        for (const chunk of chunks) {
          out.push(...h.push(chunk));
          for (const r of chunk) newest = Math.max(newest, r[0] as number);
          out.push(...h.watermark(newest - delay));
        }
        expect(h.ctx.metrics.lateRows).toBe(0);
        return approx(sortRows([...out, ...h.watermark(T0 + 1000 * window.sizeMs)]));
      };
      const all = run([rows]);
      expect(all).toEqual(approx(oracle(window, rows)));
      expect(run(rows.map((r) => [r]))).toEqual(all);
      expect(run([rows.slice(0, 7), rows.slice(7, 140), rows.slice(140)])).toEqual(all);
    });

    it('computes every aggregate per key, with NULL keys and NULL values, across batches', () => {
      const h = make();
      const rows: Value[][] = [];
      const users = ['alice', 'bob', null, 'carol'];
      for (let i = 0; i < 120; i++) {
        const t = T0 + ((i * 7919) % 45_000);
        rows.push([t, users[i % 4]!, i % 5 === 0 ? null : (i * 37) % 101 / 4, i % 7 === 0 ? null : i % 6]);
      }
      h.push(rows.slice(0, 50));
      h.push(rows.slice(50));
      const out = h.watermark(T0 + 100_000);
      expect(approx(sortRows(out))).toEqual(approx(oracle(window, rows)));
    });

    it('computes the numeric aggregates in one fused loop with the same results', () => {
      const numeric = allAggregates.filter((a) => ['count_star', 'count', 'sum', 'avg', 'min', 'max'].includes(a.fn) && a.type !== 'VARCHAR' && a.type !== 'TIMESTAMP');
      const h = make(numeric);
      const rows: Value[][] = [];
      for (let i = 0; i < 90; i++) rows.push([T0 + ((i * 7919) % 45_000), ['x', 'y', null][i % 3]!, i % 4 === 0 ? null : (i * 13) % 17, i % 5 === 0 ? null : i % 9]);
      h.push(rows);
      const names = ['window_start', 'window_end', 'user_id', ...numeric.map((a) => a.name)];
      const pick = (r: Row): Row => Object.fromEntries(names.map((k) => [k, r[k] ?? null]));
      expect(approx(sortRows(h.watermark(T0 + 100_000)))).toEqual(approx(oracle(window, rows).map(pick)));
    });

    it('keeps panes only for windows not yet emitted', () => {
      const op = new WindowAggregate(node(window, countOnly, false), input);
      const h = new Harness(op, input);
      h.push([[T0], [T0 + 60_000]]);
      h.watermark(T0 + 60_000);
      expect(op.openPanes).toBe(1);
      h.watermark(T0 + 200_000);
      expect(op.openPanes).toBe(0);
    });

    it('carries on from a snapshot with the same results', () => {
      const rows: Value[][] = [];
      for (let i = 0; i < 40; i++) rows.push([T0 + i * 1000, i % 2 ? 'a' : 'b', i, i % 3]);
      const a = make();
      a.push(rows.slice(0, 20));
      a.watermark(T0 + 12_000);
      const snap = JSON.parse(JSON.stringify(a.op.snapshot!()));
      const b = make();
      b.op.restore!(snap);
      const fromA = [...a.push(rows.slice(20)), ...a.watermark(T0 + 200_000)];
      const fromB = [...b.push(rows.slice(20)), ...b.watermark(T0 + 200_000)];
      expect(fromB).toEqual(fromA);
    });
  });
}

describe('window validation', () => {
  it('rejects a hop whose size is not a multiple of its slide', () => {
    expect(() => new WindowAggregate(node({ kind: 'hop', sizeMs: 10_000, slideMs: 3_000 }), input)).toThrow('HOP size 10 s must be a whole multiple of slide 3 s');
  });
  it('rejects a time column that is not a TIMESTAMP', () => {
    expect(() => new WindowAggregate({ ...node({ kind: 'tumble', sizeMs: 1000 }), timeColumn: 2 }, input)).toThrow(/must be TIMESTAMP, got DOUBLE/);
  });
  it('rejects SUM over text', () => {
    expect(() => new WindowAggregate(node({ kind: 'tumble', sizeMs: 1000 }, [{ fn: 'sum', name: 's', type: 'DOUBLE', arg: 1 }]), input)).toThrow(/SUM expects a number, got VARCHAR/);
  });
});
