// Windows keyed by a single INT column, whose values the fused loop maps to ids itself when a batch
// has no NULL keys: results must not depend on which path a batch took.
import { describe, expect, it } from 'vitest';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { WindowAggregateNode, WindowSpec } from '../../../src/engine/plan/plan.js';
import { WindowAggregate } from '../../../src/engine/operators/window-aggregate.js';
import { Harness } from './helpers.js';
import type { Value } from './helpers.js';
import type { Row } from '../../../src/engine/batch/rows.js';

const input: ColumnSchema[] = [
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'k', type: 'INT' },
  { name: 'amount', type: 'DOUBLE' },
];
const col = (index: number) => ({ kind: 'column' as const, index, name: input[index]!.name, type: input[index]!.type });

function node(window: WindowSpec): WindowAggregateNode {
  return {
    kind: 'windowAggregate',
    input: { kind: 'source', stream: 's', format: { kind: 'json' }, columns: input, eventTime: { column: 0, watermarkDelayMs: 0 } },
    window,
    timeColumn: 0,
    keys: [{ name: 'k', expr: col(1) }],
    aggregates: [
      { fn: 'count_star', name: 'cnt', type: 'BIGINT' },
      { fn: 'count', name: 'cnt_amount', type: 'BIGINT', arg: col(2) },
      { fn: 'sum', name: 'total', type: 'DOUBLE', arg: col(2) },
      { fn: 'max', name: 'biggest', type: 'DOUBLE', arg: col(2) },
      { fn: 'min', name: 'smallest', type: 'DOUBLE', arg: col(2) },
    ],
  };
}

function oracle(window: WindowSpec, rows: readonly Value[][]): Row[] {
  const slide = window.kind === 'hop' ? window.slideMs : window.sizeMs;
  const groups = new Map<string, { start: number; key: Value; amounts: number[]; rows: number }>();
  for (const [t, k, a] of rows) {
    for (let start = Math.floor((t as number) / slide) * slide; start > (t as number) - window.sizeMs; start -= slide) {
      const id = `${start}|${k}`;
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { start, key: k!, amounts: [], rows: 0 }));
      g.rows++;
      if (a !== null) g.amounts.push(a as number);
    }
  }
  return sortRows(
    [...groups.values()].map((g) => ({
      window_start: new Date(g.start).toISOString(),
      window_end: new Date(g.start + window.sizeMs).toISOString(),
      k: g.key,
      cnt: g.rows,
      cnt_amount: g.amounts.length,
      total: g.amounts.length ? g.amounts.reduce((x, y) => x + y, 0) : null,
      biggest: g.amounts.length ? Math.max(...g.amounts) : null,
      smallest: g.amounts.length ? Math.min(...g.amounts) : null,
    })),
  );
}

function sortRows(rows: Row[]): Row[] {
  const key = (r: Row) => `${r.window_start}|${r.k === null ? '' : String(Number(r.k) + 1e9).padStart(12, '0')}`;
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

const T0 = Date.parse('2024-01-01T00:00:00Z');
const shapes: WindowSpec[] = [
  { kind: 'tumble', sizeMs: 10_000 },
  { kind: 'hop', sizeMs: 20_000, slideMs: 5_000 },
];

for (const window of shapes) {
  describe(`window over an INT key: ${window.kind} ${window.sizeMs / 1000} s`, () => {
    // Keys new in the middle of a batch (thousands of them), negative and beyond the small-value range.
    const keyOf = (i: number) => (i % 13 === 0 ? -5 - (i % 3) : i % 17 === 0 ? 100_000 + (i % 4) : i % 3000);

    it('agrees with brute force whether a batch has NULL keys or not, with NULL amounts in some batches', () => {
      const h = new Harness(new WindowAggregate(node(window), input), input);
      const all: Value[][] = [];
      const batch = (from: number, count: number, nullKeys: boolean, nullAmounts: boolean): Value[][] =>
        Array.from({ length: count }, (_, j) => {
          const i = from + j;
          return [T0 + ((i * 7919) % 60_000), nullKeys && i % 5 === 0 ? null : keyOf(i), nullAmounts && i % 4 === 0 ? null : ((i * 37) % 101) / 4];
        });
      const batches = [batch(0, 5000, false, false), batch(5000, 3000, true, false), batch(8000, 4000, false, true), batch(12_000, 2000, true, true)];
      const out: Row[] = [];
      for (const b of batches) {
        all.push(...b);
        out.push(...h.push(b));
      }
      out.push(...h.watermark(T0 + 200_000));
      expect(h.ctx.metrics.lateRows).toBe(0);
      expect(sortRows(out)).toEqual(oracle(window, all));
    });

    it('places rows before 1970 and around the 2^32 ms mark, where the time words change, in the right windows', () => {
      const h = new Harness(new WindowAggregate(node(window), input), input);
      const rows: Value[][] = [];
      // Rows alternate between times whose low words are close but whose high words differ.
      const bases = [-3 * window.sizeMs, 2 ** 32 - 1.5 * window.sizeMs, 0, 2 ** 33 + 7];
      for (let i = 0; i < 2400; i++) rows.push([bases[i % 4]! + ((i * 7919) % (3 * window.sizeMs)), i % 7, i % 10]);
      // A pane that spans 2^32 ms, then times just after 0 ms: same high word, low words inside its span.
      for (const t of [2 ** 32 - 100, 5, 2 ** 32 + 10, 999, 2 ** 32 - 1, 0]) rows.splice(600, 0, [t, 3, 1]);
      const out = [...h.push(rows.slice(0, 1200)), ...h.push(rows.slice(1200)), ...h.watermark(2 ** 34)];
      expect(h.ctx.metrics.lateRows).toBe(0);
      expect(sortRows(out)).toEqual(oracle(window, rows));
    });

    it('carries on from a snapshot with the same results', () => {
      const rows: Value[][] = Array.from({ length: 4000 }, (_, i) => [T0 + i * 10, keyOf(i), i % 9 === 0 ? null : i % 50]);
      const a = new Harness(new WindowAggregate(node(window), input), input);
      a.push(rows.slice(0, 2000));
      a.watermark(T0 + 12_000);
      const b = new Harness(new WindowAggregate(node(window), input), input);
      b.op.restore!(JSON.parse(JSON.stringify(a.op.snapshot!())));
      const fromA = [...a.push(rows.slice(2000)), ...a.watermark(T0 + 200_000)];
      const fromB = [...b.push(rows.slice(2000)), ...b.watermark(T0 + 200_000)];
      expect(fromB).toEqual(fromA);
      expect(fromA.length).toBeGreaterThan(0);
    });
  });
}
