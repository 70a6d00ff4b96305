import { describe, expect, it } from 'vitest';
import type { Expr } from '../../../src/engine/plan/expr.js';
import type { JoinType, RegularJoinNode } from '../../../src/engine/plan/join.js';
import type { ColumnSchema, SourceNode } from '../../../src/engine/plan/index.js';
import { RegularJoin } from '../../../src/engine/operators/regular-join.js';
import { ArrayCollector } from '../../../src/engine/operators/operator.js';
import { batchToRows, type Row } from '../../../src/engine/batch/rows.js';
import { rowKindsOf } from '../../../src/engine/batch/row-kinds.js';
import { ROW_KINDS } from '../../../src/engine/plan/changelog.js';
import { ManualClock } from '../../../src/engine/clock.js';
import { batchOf, type Value } from './helpers.js';
import { canonical, nestedLoopJoin, prng, type SideInput } from './two-input-harness.js';
import type { InputSide } from '../../../src/engine/operators/two-input-operator.js';

const users: ColumnSchema[] = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'name', type: 'VARCHAR' },
];
const orders: ColumnSchema[] = [
  { name: 'order_id', type: 'BIGINT' },
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
];
const source = (columns: readonly ColumnSchema[]): SourceNode => ({ kind: 'source', stream: 's', format: { kind: 'json' }, columns, eventTime: { column: 0, watermarkDelayMs: 0 } });
const col = (index: number, c: ColumnSchema): Expr => ({ kind: 'column', index, name: c.name, type: c.type });

function node(joinType: JoinType, extra: Partial<RegularJoinNode> = {}): RegularJoinNode {
  return { kind: 'regularJoin', joinType, left: source(users), right: source(orders), leftKeys: [col(0, users[0]!)], rightKeys: [col(1, orders[1]!)], ...extra };
}

/** Feeds both sides in random batches; returns the changelog as rows with their kind, in order. */
function feed(op: RegularJoin, sides: readonly [SideInput, SideInput], batchRows: number, seed: number, clock = new ManualClock(0)): (Row & { _op: string })[] {
  const random = prng(seed);
  const ctx = { clock, metrics: { lateRows: 0 } };
  const out = new ArrayCollector();
  const next = [0, 0];
  while (next[0]! < sides[0].rows.length || next[1]! < sides[1].rows.length) {
    const open = ([0, 1] as InputSide[]).filter((s) => next[s]! < sides[s].rows.length);
    const s = open[Math.floor(random() * open.length)]!;
    const rows = sides[s].rows.slice(next[s], next[s]! + batchRows);
    next[s]! += rows.length;
    op.processSide(s, batchOf(sides[s].columns, rows), ctx, out);
  }
  return out.take().flatMap((b) => {
    const kinds = rowKindsOf(b);
    return batchToRows(b, op.outputColumns).map((r, i) => ({ ...r, _op: kinds ? ROW_KINDS[kinds[i]!]! : '+I' }));
  });
}

/** The result a changelog leaves: its +I rows less its -D rows, as a multiset. */
function applied(changes: readonly (Row & { _op: string })[]): string[] {
  const held = new Map<string, number>();
  for (const { _op, ...row } of changes) {
    const key = JSON.stringify(Object.values(row));
    const n = (held.get(key) ?? 0) + (_op === '-D' || _op === '-U' ? -1 : 1);
    expect(n, `${_op} of a row not held: ${key}`).toBeGreaterThanOrEqual(0);
    held.set(key, n);
  }
  return [...held].flatMap(([key, n]) => Array<string>(n).fill(key)).sort();
}

describe('RegularJoin', () => {
  const random = prng(4);
  const sides: [SideInput, SideInput] = [
    { columns: users, rows: Array.from({ length: 40 }, (_, i) => [random() < 0.1 ? null : `u${i % 25}`, `name ${i}`]), time: 0, delayMs: 0 },
    { columns: orders, rows: Array.from({ length: 120 }, (_, i) => [i, random() < 0.05 ? null : `u${Math.floor(random() * 35)}`, Math.round(random() * 1000) / 10]), time: 0, delayMs: 0 },
  ];
  const sameUser = (l: readonly Value[], r: readonly Value[]) => l[0] !== null && l[0] === r[1];

  for (const joinType of ['inner', 'left', 'right', 'full'] as const) {
    it(`emits a changelog that, applied in order, is the ${joinType} join of everything seen, whatever the batches`, () => {
      const expected = canonical(nestedLoopJoin(sides, joinType, sameUser));
      for (const [batch, seed] of [[1, 1], [7, 2], [500, 3]] as const) {
        const changes = feed(new RegularJoin(node(joinType), users, orders), sides, batch, seed);
        if (joinType === 'inner') expect(changes.every((c) => c._op === '+I')).toBe(true);
        expect(applied(changes)).toEqual(expected);
      }
    });
  }

  it('withdraws an outer row emitted alone (-D) right before the row of its first match', () => {
    const op = new RegularJoin(node('left'), users, orders);
    const changes = feed(op, [{ ...sides[0], rows: [['u1', 'Ana']] }, { ...sides[1], rows: [] }], 1, 1);
    expect(changes.map((c) => [c._op, c.name, c.order_id])).toEqual([['+I', 'Ana', null]]);
    const ctx = { clock: new ManualClock(0), metrics: { lateRows: 0 } };
    const out = new ArrayCollector();
    op.processSide(1, batchOf(orders, [[1, 'u1', 5], [2, 'u1', 6]]), ctx, out);
    const kinds = out.batches.flatMap((b) => [...(rowKindsOf(b) ?? [])].map((k) => ROW_KINDS[k]));
    expect(kinds).toEqual(['-D', '+I', '+I']);
  });

  it('keeps only the pairs the rest of the condition holds for', () => {
    // ON u.user_id = o.user_id AND o.amount > 50: amount is column 2 + 2 of the joined row.
    const condition: Expr = { kind: 'call', fn: 'gt', args: [col(4, orders[2]!), { kind: 'literal', value: 50, type: 'DOUBLE' }], type: 'BOOLEAN' };
    const expected = canonical(nestedLoopJoin(sides, 'full', (l, r) => sameUser(l, r) && (r[2] as number) > 50));
    expect(applied(feed(new RegularJoin(node('full', { condition }), users, orders), sides, 9, 5))).toEqual(expected);
  });

  it('forgets rows once the state time-to-live has passed on the query clock, and what it holds shows in its state count', () => {
    const clock = new ManualClock(0);
    const op = new RegularJoin(node('inner', { stateTtlMs: 60_000 }), users, orders);
    const ctx = { clock, metrics: { lateRows: 0 } };
    const out = new ArrayCollector();
    op.processSide(0, batchOf(users, [['u1', 'Ana']]), ctx, out);
    clock.advance(59_999);
    op.processSide(1, batchOf(orders, [[1, 'u1', 5]]), ctx, out);
    expect(out.take().reduce((n, b) => n + b.numRows, 0)).toBe(1);
    expect(op.stateEntries()).toBe(2);
    clock.advance(1);
    op.processSide(1, batchOf(orders, [[2, 'u1', 6]]), ctx, out);
    // The user arrived 60 s ago and is gone: the second order matches nothing.
    expect(out.take()).toEqual([]);
    expect(op.stateEntries()).toBe(2);
  });

  it('restores its rows and their match counts from a snapshot', () => {
    const expected = canonical(nestedLoopJoin(sides, 'full', sameUser));
    const first = new RegularJoin(node('full'), users, orders);
    const half = (s: SideInput, from: number, to?: number): SideInput => ({ ...s, rows: s.rows.slice(from, to) });
    const before = feed(first, [half(sides[0], 0, 20), half(sides[1], 0, 60)], 5, 6);
    const second = new RegularJoin(node('full'), users, orders);
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    const after = feed(second, [half(sides[0], 20), half(sides[1], 60)], 5, 7);
    expect(applied([...before, ...after])).toEqual(expected);
  });

  it('fails the query, naming the join, once it holds more rows than the state bound', () => {
    expect(() => feed(new RegularJoin(node('inner'), users, orders, { maxStateKeys: 50 }), sides, 10, 8)).toThrow(/query state exceeded 50 keys in join ON user_id = user_id/);
  });
});
