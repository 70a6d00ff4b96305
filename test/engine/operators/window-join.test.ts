import { describe, expect, it } from 'vitest';
import type { Expr } from '../../../src/engine/plan/expr.js';
import type { JoinType, WindowJoinNode } from '../../../src/engine/plan/join.js';
import type { ColumnSchema, SourceNode } from '../../../src/engine/plan/index.js';
import { WindowJoin } from '../../../src/engine/operators/window-join.js';
import { batchOf, type Value } from './helpers.js';
import { canonical, nestedLoopJoin, prng, run, type SideInput } from './two-input-harness.js';

const columns = (value: ColumnSchema): ColumnSchema[] => [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'ts', type: 'TIMESTAMP' },
  value,
  { name: 'window_start', type: 'TIMESTAMP' },
  { name: 'window_end', type: 'TIMESTAMP' },
];
const left = columns({ name: 'url', type: 'VARCHAR' });
const right = columns({ name: 'amount', type: 'DOUBLE' });
const source = (c: ColumnSchema[]): SourceNode => ({ kind: 'source', stream: 's', format: { kind: 'json' }, columns: c, eventTime: { column: 1, watermarkDelayMs: 0 } });
const col = (index: number, c: ColumnSchema): Expr => ({ kind: 'column', index, name: c.name, type: c.type });

const T0 = Date.parse('2024-06-01T10:00:00Z');
const SIZE = 5000;
const DELAY = 2000;

/** Rows with their tumbling window, in time order with up to DELAY ms of disorder; a few NULL keys. */
function rowsOf(n: number, seed: number, value: (random: () => number) => Value): Value[][] {
  const random = prng(seed);
  return Array.from({ length: n }, (_, i) => {
    const ts = T0 + i * 200 - Math.floor(random() * DELAY);
    const start = Math.floor(ts / SIZE) * SIZE;
    return [random() < 0.05 ? null : `u${Math.floor(random() * 5)}`, ts, value(random), start, start + SIZE];
  });
}

function node(joinType: JoinType): WindowJoinNode {
  return {
    kind: 'windowJoin',
    joinType,
    left: source(left),
    right: source(right),
    leftKeys: [col(0, left[0]!)],
    rightKeys: [col(0, right[0]!)],
    leftWindow: { start: 3, end: 4 },
    rightWindow: { start: 3, end: 4 },
  };
}

describe('WindowJoin', () => {
  const sides: [SideInput, SideInput] = [
    { columns: left, rows: rowsOf(200, 1, (r) => `/p${Math.floor(r() * 4)}`), time: 1, delayMs: DELAY },
    { columns: right, rows: rowsOf(200, 2, (r) => Math.round(r() * 1000) / 10), time: 1, delayMs: DELAY },
  ];
  const sameWindowAndKey = (l: readonly Value[], r: readonly Value[]) => l[0] !== null && l[0] === r[0] && l[3] === r[3] && l[4] === r[4];

  for (const joinType of ['inner', 'left', 'right', 'full'] as const) {
    it(`gives the ${joinType} join of each window's rows once the window closes, whatever the batches`, () => {
      const expected = canonical(nestedLoopJoin(sides, joinType, sameWindowAndKey));
      expect(expected.length).toBeGreaterThan(50);
      for (const [batch, seed] of [[1, 3], [9, 4], [500, 5]] as const) {
        const op = new WindowJoin(node(joinType), left, right);
        const { rows, late } = run(op, sides, batch, prng(seed));
        expect(late).toBe(0);
        expect(canonical(rows)).toEqual(expected);
        expect(op.stateEntries()).toBe(0);
      }
    });
  }

  it('emits nothing for a window until both watermarks pass its end', () => {
    const op = new WindowJoin(node('full'), left, right);
    const ctx = { clock: { now: () => 0 }, metrics: { lateRows: 0 } };
    const emitted: number[] = [];
    const out = { emit: (b: { numRows: number }) => void emitted.push(b.numRows) };
    op.processSide(0, batchOf(left, [['u1', T0, '/a', T0, T0 + SIZE]]), ctx, out as never);
    expect(op.onSideWatermark(0, T0 + SIZE, ctx, out as never)).toBe(-Infinity);
    expect(emitted).toEqual([]);
    expect(op.onSideWatermark(1, T0 + SIZE, ctx, out as never)).toBe(T0 + SIZE);
    expect(emitted).toEqual([1]);
  });
});
