import { describe, expect, it } from 'vitest';
import type { Expr } from '../../../src/engine/plan/expr.js';
import type { IntervalJoinNode, JoinType } from '../../../src/engine/plan/join.js';
import type { ColumnSchema, SourceNode } from '../../../src/engine/plan/index.js';
import { IntervalJoin } from '../../../src/engine/operators/interval-join.js';
import type { Value } from './helpers.js';
import { canonical, nestedLoopJoin, prng, run, type SideInput } from './two-input-harness.js';

const clicks: ColumnSchema[] = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'url', type: 'VARCHAR' },
];
const orders: ColumnSchema[] = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'amount', type: 'DOUBLE' },
];
const source = (columns: readonly ColumnSchema[]): SourceNode => ({ kind: 'source', stream: 's', format: { kind: 'json' }, columns, eventTime: { column: 1, watermarkDelayMs: 0 } });
const col = (index: number, c: ColumnSchema): Expr => ({ kind: 'column', index, name: c.name, type: c.type });

const T0 = Date.parse('2024-06-01T10:00:00Z');
const DELAY = 3000;

/** Rows in time order with up to DELAY ms of disorder, so none is late; keys from a few users, some NULL. */
function rowsOf(n: number, seed: number, value: (i: number, random: () => number) => Value): Value[][] {
  const random = prng(seed);
  return Array.from({ length: n }, (_, i) => {
    const user = random() < 0.05 ? null : `u${Math.floor(random() * 6)}`;
    const ts = random() < 0.03 ? null : T0 + i * 250 - Math.floor(random() * DELAY);
    return [user, ts, value(i, random)];
  });
}

function node(joinType: JoinType, lowerMs: number, upperMs: number, condition?: Expr): IntervalJoinNode {
  return {
    kind: 'intervalJoin',
    joinType,
    left: source(clicks),
    right: source(orders),
    leftKeys: [col(0, clicks[0]!)],
    rightKeys: [col(0, orders[0]!)],
    ...(condition ? { condition } : {}),
    leftTime: 1,
    rightTime: 1,
    lowerMs,
    upperMs,
  };
}

describe('IntervalJoin', () => {
  const sides: [SideInput, SideInput] = [
    { columns: clicks, rows: rowsOf(300, 1, (i) => `/p${i % 7}`), time: 1, delayMs: DELAY },
    { columns: orders, rows: rowsOf(300, 2, (_i, r) => Math.round(r() * 1000) / 10), time: 1, delayMs: DELAY },
  ];
  const within = (lowerMs: number, upperMs: number) => (l: readonly Value[], r: readonly Value[]) =>
    l[0] !== null && l[0] === r[0] && l[1] !== null && r[1] !== null && (r[1] as number) - (l[1] as number) >= lowerMs && (r[1] as number) - (l[1] as number) <= upperMs;

  for (const joinType of ['inner', 'left', 'right', 'full'] as const) {
    for (const [lower, upper] of [[-5000, 0], [0, 2000], [-1000, 4000]] as const) {
      it(`gives the ${joinType} join of rows within [${lower}, ${upper}] ms, whatever the batches`, () => {
        const expected = canonical(nestedLoopJoin(sides, joinType, within(lower, upper)));
        expect(expected.length).toBeGreaterThan(50);
        for (const [batch, seed] of [[1, 3], [7, 4], [64, 5], [1000, 6]] as const) {
          const op = new IntervalJoin(node(joinType, lower, upper), clicks, orders);
          const { rows, late } = run(op, sides, batch, prng(seed));
          expect(late).toBe(0);
          expect(canonical(rows)).toEqual(expected);
          // Everything has been let go once both watermarks passed every row.
          expect(op.stateEntries()).toBe(0);
        }
      });
    }
  }

  it("keeps each row until the other side's watermark passes its range, however far its own side's has gone", () => {
    // The right side lags, as a window aggregate's rows do (they come when the window closes): its
    // watermark trails by 15 s, or its rows come only after every left row. Left rows wait for them.
    const lagging: [SideInput, SideInput] = [sides[0], { ...sides[1], delayMs: 15_000 }];
    for (const joinType of ['inner', 'full'] as const) {
      const expected = canonical(nestedLoopJoin(lagging, joinType, within(0, 10_000)));
      expect(expected.length).toBeGreaterThan(50);
      for (const [batch, random] of [[1, prng(11)], [9, prng(12)], [50, () => 0]] as const) {
        const op = new IntervalJoin(node(joinType, 0, 10_000), clicks, orders);
        const { rows, late } = run(op, lagging, batch, random);
        expect(late).toBe(0);
        expect(canonical(rows)).toEqual(expected);
      }
    }
  });

  it('keeps only the pairs the rest of the ON condition holds for, and emits the others of an outer side alone', () => {
    // ON … AND amount > 50: over the joined row, amount is column 3 + 2.
    const condition: Expr = { kind: 'call', fn: 'gt', args: [col(5, orders[2]!), { kind: 'literal', value: 50, type: 'DOUBLE' }], type: 'BOOLEAN' };
    const match = (l: readonly Value[], r: readonly Value[]) => within(-4000, 1000)(l, r) && (r[2] as number) > 50;
    for (const joinType of ['inner', 'full'] as const) {
      const expected = canonical(nestedLoopJoin(sides, joinType, match));
      const { rows } = run(new IntervalJoin(node(joinType, -4000, 1000, condition), clicks, orders), sides, 13, prng(9));
      expect(canonical(rows)).toEqual(expected);
    }
  });

  it('passes on a watermark that trails its inputs by the interval, so no row it emits later is behind it', () => {
    const op = new IntervalJoin(node('left', -5000, 1000), clicks, orders);
    const ctx = { clock: { now: () => 0 }, metrics: { lateRows: 0 } };
    const out = { emit: () => undefined };
    expect(op.onSideWatermark(0, T0, ctx, out)).toBe(-Infinity);
    expect(op.onSideWatermark(1, T0 + 60_000, ctx, out)).toBe(T0 - 5000);
  });

  it('restores its rows from a snapshot and goes on as if it had never stopped', () => {
    const expected = canonical(nestedLoopJoin(sides, 'full', within(-2000, 2000)));
    const first = new IntervalJoin(node('full', -2000, 2000), clicks, orders);
    const half: [SideInput, SideInput] = [
      { ...sides[0], rows: sides[0].rows.slice(0, 150) },
      { ...sides[1], rows: sides[1].rows.slice(0, 150) },
    ];
    // Run the first halves without the final watermarks, snapshot, and restore into a new operator.
    const before = runWithout(first, half);
    const second = new IntervalJoin(node('full', -2000, 2000), clicks, orders);
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    const rest: [SideInput, SideInput] = [
      { ...sides[0], rows: sides[0].rows.slice(150) },
      { ...sides[1], rows: sides[1].rows.slice(150) },
    ];
    const after = run(second, rest, 16, prng(2));
    expect(after.late).toBe(0);
    expect(canonical([...before, ...after.rows])).toEqual(expected);
  });

  it('joins right on keys that never come back (ids of keys gone are renumbered away)', () => {
    // 6,000 rows a side, each key used by one row a side, a few seconds apart: most keys come and go.
    const unique = (seed: number, offsetMs: number): Value[][] => {
      const random = prng(seed);
      return Array.from({ length: 6000 }, (_, i) => [`order-${i}`, T0 + i * 10 + offsetMs - Math.floor(random() * 500), `v${i}`]);
    };
    const many: [SideInput, SideInput] = [
      { columns: clicks, rows: unique(1, 0), time: 1, delayMs: 500 },
      { columns: [...orders.slice(0, 2), { name: 'note', type: 'VARCHAR' }], rows: unique(2, 300), time: 1, delayMs: 500 },
    ];
    const match = (l: readonly Value[], r: readonly Value[]) => l[0] === r[0] && (r[1] as number) - (l[1] as number) >= 0 && (r[1] as number) - (l[1] as number) <= 600;
    const expected = canonical(nestedLoopJoin(many, 'full', match));
    const op = new IntervalJoin({ ...node('full', 0, 600), right: source(many[1].columns) }, clicks, many[1].columns);
    const { rows } = run(op, many, 97, prng(4));
    expect(canonical(rows)).toEqual(expected);
  });

  it('fails the query, naming the join, once it holds more rows than the state bound', () => {
    const op = new IntervalJoin(node('inner', -60_000, 60_000), clicks, orders, { maxStateKeys: 100 });
    expect(() => run(op, sides, 50, prng(1))).toThrow(/query state exceeded 100 keys in interval join ON user_id = user_id/);
  });

  it('refuses a plan whose bounds are reversed or whose keys differ in type', () => {
    expect(() => new IntervalJoin(node('inner', 10, -10), clicks, orders)).toThrow(/lower bound 10 ms is above its upper bound -10 ms/);
    expect(() => new IntervalJoin({ ...node('inner', 0, 0), rightKeys: [col(2, orders[2]!)] }, clicks, orders)).toThrow(/VARCHAR on the left but DOUBLE on the right/);
  });
});

/** Feeds both sides as `run` does, without the final watermarks. */
function runWithout(op: IntervalJoin, sides: readonly [SideInput, SideInput]) {
  const rows = run(
    {
      outputColumns: op.outputColumns,
      processSide: (s, b, c, o) => op.processSide(s, b, c, o),
      onSideWatermark: (s, wm, c, o) => (wm === Number.MAX_SAFE_INTEGER ? -Infinity : op.onSideWatermark(s, wm, c, o)),
    },
    sides,
    11,
    prng(5),
  );
  return rows.rows;
}
