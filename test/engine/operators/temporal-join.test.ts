import { describe, expect, it } from 'vitest';
import type { Expr } from '../../../src/engine/plan/expr.js';
import type { TemporalJoinNode } from '../../../src/engine/plan/join.js';
import type { ColumnSchema, SourceNode } from '../../../src/engine/plan/index.js';
import { TemporalJoin } from '../../../src/engine/operators/temporal-join.js';
import { batchToRows } from '../../../src/engine/batch/rows.js';
import { batchOf, type Value } from './helpers.js';
import { canonical, prng, run, type SideInput } from './two-input-harness.js';

const orders: ColumnSchema[] = [
  { name: 'order_id', type: 'BIGINT' },
  { name: 'currency', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'ts', type: 'TIMESTAMP' },
];
const rates: ColumnSchema[] = [
  { name: 'currency', type: 'VARCHAR' },
  { name: 'rate', type: 'DOUBLE' },
  { name: 'updated_at', type: 'TIMESTAMP' },
];
const source = (columns: readonly ColumnSchema[], time: number): SourceNode => ({ kind: 'source', stream: 's', format: { kind: 'json' }, columns, eventTime: { column: time, watermarkDelayMs: 0 } });
const col = (index: number, c: ColumnSchema): Expr => ({ kind: 'column', index, name: c.name, type: c.type });

const T0 = Date.parse('2024-06-01T10:00:00Z');
const CURRENCIES = ['EUR', 'GBP', 'JPY', 'CHF'];

function node(joinType: 'inner' | 'left', condition?: Expr): TemporalJoinNode {
  return {
    kind: 'temporalJoin',
    joinType,
    left: source(orders, 3),
    right: source(rates, 2),
    leftKeys: [col(1, orders[1]!)],
    rightKeys: [col(0, rates[0]!)],
    leftTime: 3,
    rightTime: 2,
    ...(condition ? { condition } : {}),
  };
}

/** Each order with the rate of its currency current at its time: the latest update at or before it. */
function expected(sides: readonly [SideInput, SideInput], joinType: 'inner' | 'left', keep: (o: readonly Value[], r: readonly Value[]) => boolean = () => true): string[] {
  const [left, right] = sides;
  const rows: Value[][] = [];
  for (const o of left.rows) {
    let best: readonly Value[] | undefined;
    for (const r of right.rows) {
      if (o[1] === null || o[3] === null || r[0] !== o[1] || r[2] === null || (r[2] as number) > (o[3] as number)) continue;
      if (!best || (r[2] as number) > (best[2] as number)) best = r;
    }
    if (best && keep(o, best)) rows.push([...o, ...best]);
    else if (joinType === 'left') rows.push([...o, null, null, null]);
  }
  const columns = [...orders, ...rates];
  return canonical(batchToRows(batchOf(columns, rows), columns));
}

describe('TemporalJoin', () => {
  const random = prng(8);
  // Rates change every 700 ms or so, orders come every 250 ms; both out of order by up to 1 s.
  const sides: [SideInput, SideInput] = [
    {
      columns: orders,
      rows: Array.from({ length: 300 }, (_, i) => [i, random() < 0.05 ? null : CURRENCIES[Math.floor(random() * 4)]!, Math.round(random() * 1000) / 10, T0 + 2000 + i * 250 - Math.floor(random() * 1000)]),
      time: 3,
      delayMs: 1000,
    },
    {
      columns: rates,
      // Distinct times, so which version is the latest is never a tie.
      rows: Array.from({ length: 110 }, (_, i) => [CURRENCIES[i % 4]!, 1 + i / 100, T0 + i * 700 + (i % 7)]),
      time: 2,
      delayMs: 1000,
    },
  ];

  for (const joinType of ['inner', 'left'] as const) {
    it(`joins each ${joinType === 'left' ? 'order (LEFT: also those without a rate)' : 'order'} with the rate current at its time, whatever the batches`, () => {
      const want = expected(sides, joinType);
      expect(want.length).toBeGreaterThan(200);
      for (const [batch, seed] of [[1, 1], [13, 2], [500, 3]] as const) {
        const op = new TemporalJoin(node(joinType), orders, rates);
        const { rows, late } = run(op, sides, batch, prng(seed));
        expect(late).toBe(0);
        expect(canonical(rows)).toEqual(want);
        // What is left: the latest version of each currency.
        expect(op.stateEntries()).toBe(CURRENCIES.length);
      }
    });
  }

  it('applies the rest of the ON condition to the version found, and keeps a LEFT row without one', () => {
    const condition: Expr = { kind: 'call', fn: 'gt', args: [col(5, rates[1]!), { kind: 'literal', value: 1.5, type: 'DOUBLE' }], type: 'BOOLEAN' };
    const want = expected(sides, 'left', (_o, r) => (r[1] as number) > 1.5);
    const { rows } = run(new TemporalJoin(node('left', condition), orders, rates), sides, 17, prng(5));
    expect(canonical(rows)).toEqual(want);
  });

  it('restores waiting orders and kept versions from a snapshot', () => {
    const want = expected(sides, 'left');
    const first = new TemporalJoin(node('left'), orders, rates);
    const half = (s: SideInput, from: number, to?: number): SideInput => ({ ...s, rows: s.rows.slice(from, to) });
    const before = run(
      { outputColumns: first.outputColumns, processSide: (s, b, c, o) => first.processSide(s, b, c, o), onSideWatermark: (s, wm, c, o) => (wm === Number.MAX_SAFE_INTEGER ? -Infinity : first.onSideWatermark(s, wm, c, o)) },
      [half(sides[0], 0, 150), half(sides[1], 0, 55)],
      9,
      prng(6),
    );
    const second = new TemporalJoin(node('left'), orders, rates);
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    const after = run(second, [half(sides[0], 150), half(sides[1], 55)], 11, prng(7));
    expect(after.late).toBe(0);
    expect(canonical([...before.rows, ...after.rows])).toEqual(want);
  });
});
