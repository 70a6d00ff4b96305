import { describe, expect, it } from 'vitest';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { GroupAggregateNode } from '../../../src/engine/plan/plan.js';
import { GroupAggregate } from '../../../src/engine/operators/group-aggregate.js';
import { Harness, NewRowsHarness } from './helpers.js';

const input: ColumnSchema[] = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'region', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
];
const col = (index: number) => ({ kind: 'column' as const, index, name: input[index]!.name, type: input[index]!.type });
const node: GroupAggregateNode = {
  kind: 'groupAggregate',
  input: { kind: 'source', stream: 's', format: { kind: 'json' }, columns: input, eventTime: { column: 3, watermarkDelayMs: 0 } },
  keys: [
    { name: 'user_id', expr: col(0) },
    { name: 'region', expr: col(1) },
  ],
  aggregates: [
    { fn: 'count_star', name: 'n', type: 'BIGINT' },
    { fn: 'sum', name: 'total', type: 'DOUBLE', arg: col(2) },
  ],
};

describe('GroupAggregate', () => {
  it('emits what each batch changed as a changelog: +I for a new group, -U and +U for a changed one', () => {
    const h = new Harness(new GroupAggregate(node, input), input);
    expect(
      h.push([
        ['a', 'eu', 1],
        ['b', 'us', 2],
        ['a', 'eu', 3],
      ]),
    ).toEqual([
      { _op: '+I', user_id: 'a', region: 'eu', n: 2, total: 4 },
      { _op: '+I', user_id: 'b', region: 'us', n: 1, total: 2 },
    ]);
    expect(
      h.push([
        ['a', 'eu', 10],
        [null, 'eu', 5],
        ['a', null, null],
      ]),
    ).toEqual([
      { _op: '-U', user_id: 'a', region: 'eu', n: 2, total: 4 },
      { _op: '+U', user_id: 'a', region: 'eu', n: 3, total: 14 },
      { _op: '+I', user_id: null, region: 'eu', n: 1, total: 5 },
      { _op: '+I', user_id: 'a', region: null, n: 1, total: null },
    ]);
  });

  it('emits nothing for a group whose row a batch leaves as it was', () => {
    const maxOnly: GroupAggregateNode = { ...node, aggregates: [{ fn: 'max', name: 'top', type: 'DOUBLE', arg: col(2) }] };
    const h = new Harness(new GroupAggregate(maxOnly, input), input);
    expect(h.push([['a', 'eu', 5]])).toEqual([{ _op: '+I', user_id: 'a', region: 'eu', top: 5 }]);
    expect(h.push([['a', 'eu', 3], ['a', 'eu', null]])).toEqual([]);
    expect(h.push([['a', 'eu', 7]])).toEqual([
      { _op: '-U', user_id: 'a', region: 'eu', top: 5 },
      { _op: '+U', user_id: 'a', region: 'eu', top: 7 },
    ]);
  });

  it('keeps composite keys apart even when their text would run together', () => {
    const h = new NewRowsHarness(new GroupAggregate(node, input), input);
    const out = h.push([
      ['a|', 'b', 1],
      ['a', '|b', 1],
    ]);
    expect(out.map((r) => r.n)).toEqual([1, 1]);
  });

  it('restores its groups from a snapshot', () => {
    const a = new NewRowsHarness(new GroupAggregate(node, input), input);
    a.push([['a', 'eu', 1]]);
    const b = new NewRowsHarness(new GroupAggregate(node, input), input);
    b.op.restore!(JSON.parse(JSON.stringify(a.op.snapshot!())));
    expect(b.push([['a', 'eu', 2]])).toEqual([{ user_id: 'a', region: 'eu', n: 2, total: 3 }]);
  });

  it('checkpoints only the groups changed since the last checkpoint, and restores from a snapshot plus its changes', () => {
    const a = new NewRowsHarness(new GroupAggregate(node, input), input);
    a.push([
      ['a', 'eu', 1],
      ['b', 'us', 2],
      ['c', 'eu', 3],
    ]);
    const base = JSON.parse(JSON.stringify(a.op.snapshot!()));
    expect(a.op.changedEntries!()).toBe(0);
    a.push([
      ['b', 'us', 10],
      ['b', 'us', 10],
      ['d', 'eu', 4],
    ]);
    expect([a.op.stateEntries!(), a.op.changedEntries!()]).toEqual([4, 2]);
    const first = JSON.parse(JSON.stringify(a.op.snapshotChanges!()));
    expect(first).toEqual({ width: 2, keys: ['b', 'us', 'd', 'eu'], accs: [[3, [22, 3]], [1, [4, 1]]] });
    a.push([['a', 'eu', 5]]);
    const second = JSON.parse(JSON.stringify(a.op.snapshotChanges!()));
    expect(second.keys).toEqual(['a', 'eu']);

    const b = new NewRowsHarness(new GroupAggregate(node, input), input);
    b.op.restore!(base);
    b.op.restoreChanges!(first);
    b.op.restoreChanges!(second);
    expect(b.push([['a', 'eu', 0], ['b', 'us', 0], ['c', 'eu', 0], ['d', 'eu', 0]])).toEqual([
      { user_id: 'a', region: 'eu', n: 3, total: 6 },
      { user_id: 'b', region: 'us', n: 4, total: 22 },
      { user_id: 'c', region: 'eu', n: 2, total: 3 },
      { user_id: 'd', region: 'eu', n: 2, total: 4 },
    ]);
  });

  it('restores a snapshot in the earlier form of one object per group', () => {
    const h = new NewRowsHarness(new GroupAggregate(node, input), input);
    h.op.restore!({ groups: [{ key: ['a', 'eu'], acc: [2, [5, 2]] }] });
    expect(h.push([['a', 'eu', 1]])).toEqual([{ user_id: 'a', region: 'eu', n: 3, total: 6 }]);
  });

  it('counts NULL arguments apart from rows, across batches with and without NULLs and across a snapshot', () => {
    const all: GroupAggregateNode = {
      ...node,
      keys: [{ name: 'user_id', expr: col(0) }],
      aggregates: [
        { fn: 'count_star', name: 'n', type: 'BIGINT' },
        { fn: 'count', name: 'priced', type: 'BIGINT', arg: col(2) },
        { fn: 'sum', name: 'total', type: 'DOUBLE', arg: col(2) },
        { fn: 'avg', name: 'mean', type: 'DOUBLE', arg: col(2) },
        { fn: 'min', name: 'low', type: 'DOUBLE', arg: col(2) },
        { fn: 'max', name: 'high', type: 'DOUBLE', arg: col(2) },
      ],
    };
    const a = new NewRowsHarness(new GroupAggregate(all, input), input);
    expect(a.push([['a', 'eu', 4], ['a', 'eu', 2]])).toEqual([{ user_id: 'a', n: 2, priced: 2, total: 6, mean: 3, low: 2, high: 4 }]);
    expect(a.push([['a', 'eu', null], ['b', 'eu', null]])).toEqual([
      { user_id: 'a', n: 3, priced: 2, total: 6, mean: 3, low: 2, high: 4 },
      { user_id: 'b', n: 1, priced: 0, total: null, mean: null, low: null, high: null },
    ]);
    const b = new NewRowsHarness(new GroupAggregate(all, input), input);
    b.op.restore!(JSON.parse(JSON.stringify(a.op.snapshot!())));
    expect(b.push([['b', 'eu', 7], ['a', 'eu', 9]])).toEqual([
      { user_id: 'b', n: 2, priced: 1, total: 7, mean: 7, low: 7, high: 7 },
      { user_id: 'a', n: 4, priced: 3, total: 15, mean: 5, low: 2, high: 9 },
    ]);
  });

  it('averages integers as Flink does: an integer, the mean truncated toward zero', () => {
    const ints: ColumnSchema[] = [
      { name: 'k', type: 'VARCHAR' },
      { name: 'v', type: 'BIGINT' },
    ];
    const avg: GroupAggregateNode = {
      kind: 'groupAggregate',
      input: { kind: 'source', stream: 's', format: { kind: 'json' }, columns: ints, eventTime: { column: 2, watermarkDelayMs: 0 } },
      keys: [{ name: 'k', expr: { kind: 'column', index: 0, name: 'k', type: 'VARCHAR' } }],
      aggregates: [{ fn: 'avg', name: 'mean', type: 'BIGINT', arg: { kind: 'column', index: 1, name: 'v', type: 'BIGINT' } }],
    };
    const h = new NewRowsHarness(new GroupAggregate(avg, ints), ints);
    expect(h.push([['up', 1], ['up', 2], ['down', -1], ['down', -2], ['even', 4], ['even', 8]])).toEqual([
      { k: 'up', mean: 1 },
      { k: 'down', mean: -1 },
      { k: 'even', mean: 6 },
    ]);
  });

  it('handles more distinct arguments than its NULL mask has bits, some with NULLs in a batch and some without', () => {
    const cols: ColumnSchema[] = [
      { name: 'k', type: 'VARCHAR' },
      { name: 'a', type: 'DOUBLE' },
      { name: 'b', type: 'DOUBLE' },
    ];
    const ref = (index: number) => ({ kind: 'column' as const, index, name: cols[index]!.name, type: 'DOUBLE' as const });
    const plus = (index: number, k: number) => ({ kind: 'call' as const, fn: 'add', args: [ref(index), { kind: 'literal' as const, value: k, type: 'DOUBLE' as const }], type: 'DOUBLE' as const });
    // 34 distinct arguments: the last ones alternate between a (with NULLs) and b (without).
    const aggregates = Array.from({ length: 34 }, (_, k) => ({ fn: 'sum' as const, name: `s${k}`, type: 'DOUBLE' as const, arg: plus(k % 2 === 0 ? 1 : 2, k) }));
    const many: GroupAggregateNode = { ...node, keys: [{ name: 'k', expr: { kind: 'column', index: 0, name: 'k', type: 'VARCHAR' } }], aggregates };
    const h = new NewRowsHarness(new GroupAggregate(many, cols), cols);
    const [row] = h.push([
      ['x', 1, 10],
      ['x', null, 20],
    ]);
    expect(row).toEqual({ k: 'x', ...Object.fromEntries(aggregates.map((a, k) => [a.name, k % 2 === 0 ? 1 + k : 30 + 2 * k])) });
  });

  describe('with EMIT CHANGES EVERY', () => {
    const every: GroupAggregateNode = { ...node, emitEveryMs: 1000 };

    it('holds the changes of each group and emits them together when the interval is up, one change per group', () => {
      const h = new Harness(new GroupAggregate(every, input), input);
      expect(h.op.nextTimeMs!()).toBeUndefined();
      expect(h.push([['a', 'eu', 1], ['b', 'us', 2]])).toEqual([]);
      expect(h.op.nextTimeMs!()).toBe(1000);
      h.ctx.clock.set(400);
      expect(h.push([['a', 'eu', 3]])).toEqual([]);
      // Not yet due: nothing.
      h.op.onTime!(999, h.ctx, h.out);
      expect(h.drain()).toEqual([]);
      h.op.onTime!(1000, h.ctx, h.out);
      expect(h.drain()).toEqual([
        { _op: '+I', user_id: 'a', region: 'eu', n: 2, total: 4 },
        { _op: '+I', user_id: 'b', region: 'us', n: 1, total: 2 },
      ]);
      expect(h.op.nextTimeMs!()).toBeUndefined();
      // The next interval starts with the next change, and reports it against the row emitted last.
      h.ctx.clock.set(5000);
      h.push([['a', 'eu', 10]]);
      h.push([['a', 'eu', 20]]);
      expect(h.op.nextTimeMs!()).toBe(6000);
      h.op.onTime!(6000, h.ctx, h.out);
      expect(h.drain()).toEqual([
        { _op: '-U', user_id: 'a', region: 'eu', n: 2, total: 4 },
        { _op: '+U', user_id: 'a', region: 'eu', n: 4, total: 34 },
      ]);
    });

    it('emits nothing for a group whose row is back where it was when the interval is up', () => {
      const maxOnly: GroupAggregateNode = { ...every, aggregates: [{ fn: 'max', name: 'top', type: 'DOUBLE', arg: col(2) }] };
      const h = new Harness(new GroupAggregate(maxOnly, input), input);
      h.push([['a', 'eu', 5]]);
      h.op.onTime!(1000, h.ctx, h.out);
      expect(h.drain()).toEqual([{ _op: '+I', user_id: 'a', region: 'eu', top: 5 }]);
      h.push([['a', 'eu', 4]]);
      h.op.onTime!(2000, h.ctx, h.out);
      expect(h.drain()).toEqual([]);
    });

    it('keeps what it holds across a snapshot, with its own form of state', () => {
      const a = new Harness(new GroupAggregate(every, input), input);
      expect(a.op.snapshotVersion).toBe(2);
      a.push([['a', 'eu', 1]]);
      a.op.onTime!(1000, a.ctx, a.out);
      a.drain();
      a.ctx.clock.set(3000);
      a.push([['a', 'eu', 2]]);
      expect(a.op.changedEntries!()).toBe(2);
      const b = new Harness(new GroupAggregate(every, input), input);
      b.op.restore!(JSON.parse(JSON.stringify(a.op.snapshot!())));
      expect(a.op.changedEntries!()).toBe(0);
      expect(b.op.nextTimeMs!()).toBe(4000);
      b.op.onTime!(4000, b.ctx, b.out);
      expect(b.drain()).toEqual([
        { _op: '-U', user_id: 'a', region: 'eu', n: 1, total: 1 },
        { _op: '+U', user_id: 'a', region: 'eu', n: 2, total: 3 },
      ]);
      // Emitting changes what is held: the next checkpoint saves that too.
      expect(b.op.changedEntries!()).toBe(1);
    });
  });
});
