// A GROUP BY over a changelog: whatever the changes and however they are batched, the rows its own
// changelog leaves are the aggregates of the rows the input's changelog leaves (as Flink's retracting
// aggregates give them), across a snapshot too; MIN and MAX find the next extreme when theirs is
// withdrawn; a group whose rows are all withdrawn is withdrawn; the multisets count against the state bound.
import type { RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { GroupAggregateNode } from '../../../src/engine/plan/plan.js';
import { arrowSchema } from '../../../src/engine/batch/arrow-types.js';
import { changelogBatch, changelogSchema, DELETE, INSERT, UPDATE_AFTER, UPDATE_BEFORE } from '../../../src/engine/batch/row-kinds.js';
import { batchToRows, type Row } from '../../../src/engine/batch/rows.js';
import { ArrayCollector } from '../../../src/engine/operators/operator.js';
import { RetractingGroupAggregate } from '../../../src/engine/operators/retracting-group-aggregate.js';
import { batchOf, newContext } from './helpers.js';

// What an upstream GROUP BY id emits: each auction's category and its highest price so far.
const input: ColumnSchema[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'category', type: 'VARCHAR' },
  { name: 'final', type: 'BIGINT' },
];
const col = (index: number) => ({ kind: 'column' as const, index, name: input[index]!.name, type: input[index]!.type });
const node: GroupAggregateNode = {
  kind: 'groupAggregate',
  input: { kind: 'source', stream: 's', format: { kind: 'json' }, columns: input, eventTime: { column: 3, watermarkDelayMs: 0 } },
  keys: [{ name: 'category', expr: col(1) }],
  aggregates: [
    { fn: 'count_star', name: 'n', type: 'BIGINT' },
    { fn: 'count', name: 'priced', type: 'BIGINT', arg: col(2) },
    { fn: 'sum', name: 'total', type: 'BIGINT', arg: col(2) },
    { fn: 'avg', name: 'mean', type: 'BIGINT', arg: col(2) },
    { fn: 'min', name: 'low', type: 'BIGINT', arg: col(2) },
    { fn: 'max', name: 'high', type: 'BIGINT', arg: col(2) },
  ],
};

type Change = { kind: number; row: [number, string, number | null] };

function changelog(changes: readonly Change[]): RecordBatch {
  const plain = batchOf(input, changes.map((c) => c.row));
  return changelogBatch(changelogSchema(arrowSchema(input)), plain.data.children, Int8Array.from(changes.map((c) => c.kind)));
}

/** The rows a changelog leaves: +I and +U add a row, -U and -D take an equal one away. */
function fold(rows: readonly Row[]): Row[] {
  const held: Row[] = [];
  for (const { _op, ...row } of rows) {
    if (_op === '+I' || _op === '+U') held.push(row);
    else {
      const at = held.findIndex((h) => JSON.stringify(h) === JSON.stringify(row));
      expect(at, `${String(_op)} of a row not held: ${JSON.stringify(row)}`).toBeGreaterThanOrEqual(0);
      held.splice(at, 1);
    }
  }
  return held.sort((a, b) => String(a.category).localeCompare(String(b.category)));
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** An upstream changelog: auctions whose highest price rises (-U/+U), some withdrawn (-D); and the rows it leaves. */
function upstream(seed: number, count: number): { changes: Change[]; final: Map<number, [number, string, number | null]> } {
  const random = rng(seed);
  const current = new Map<number, [number, string, number | null]>();
  const changes: Change[] = [];
  for (let i = 0; i < count; i++) {
    const id = Math.floor(random() * 40);
    const old = current.get(id);
    if (old && random() < 0.1) {
      changes.push({ kind: DELETE, row: old });
      current.delete(id);
      continue;
    }
    const price = random() < 0.05 ? null : Math.floor(random() * 1000) - 200;
    const row: [number, string, number | null] = [id, old?.[1] ?? `c${id % 5}`, price];
    if (old) changes.push({ kind: UPDATE_BEFORE, row: old }, { kind: UPDATE_AFTER, row });
    else changes.push({ kind: INSERT, row });
    current.set(id, row);
  }
  return { changes, final: current };
}

function expected(final: ReadonlyMap<number, [number, string, number | null]>): Row[] {
  const by = new Map<string, (number | null)[]>();
  for (const [, category, price] of final.values()) by.set(category, [...(by.get(category) ?? []), price]);
  return [...by]
    .map(([category, prices]) => {
      const values = prices.filter((p): p is number => p !== null);
      const total = values.reduce((a, b) => a + b, 0);
      return {
        category,
        n: prices.length,
        priced: values.length,
        total: values.length ? total : null,
        mean: values.length ? Math.trunc(total / values.length) : null,
        low: values.length ? Math.min(...values) : null,
        high: values.length ? Math.max(...values) : null,
      };
    })
    .sort((a, b) => a.category.localeCompare(b.category));
}

function run(changes: readonly Change[], size: number, snapshotAt = -1): Row[] {
  let op = new RetractingGroupAggregate(node, input);
  const ctx = newContext();
  const out = new ArrayCollector();
  const rows: Row[] = [];
  for (let at = 0, b = 0; at < changes.length; at += size, b++) {
    if (b === snapshotAt) {
      const restored = new RetractingGroupAggregate(node, input);
      restored.restore(JSON.parse(JSON.stringify(op.snapshot())));
      op = restored;
    }
    op.processBatch(changelog(changes.slice(at, at + size)), ctx, out);
    for (const batch of out.take()) rows.push(...batchToRows(batch, op.outputColumns));
  }
  return rows;
}

describe('RetractingGroupAggregate', () => {
  it('gives the aggregates of the rows the input changelog leaves, whatever the batching, across a snapshot', () => {
    for (const seed of [1, 2, 3]) {
      const { changes, final } = upstream(seed, 600);
      const want = expected(final);
      for (const [size, snapshotAt] of [[changes.length, -1], [1, -1], [7, -1], [50, 4]] as const) {
        expect(fold(run(changes, size, snapshotAt)), `seed ${seed}, batches of ${size}`).toEqual(want);
      }
    }
  });

  it('finds the next MIN and MAX when the extreme is withdrawn, and withdraws a group left without rows', () => {
    const rows = run(
      [
        { kind: INSERT, row: [1, 'a', 5] },
        { kind: INSERT, row: [2, 'a', 9] },
        { kind: INSERT, row: [3, 'a', 9] },
        { kind: UPDATE_BEFORE, row: [2, 'a', 9] },
        { kind: UPDATE_AFTER, row: [2, 'a', 1] },
        { kind: DELETE, row: [3, 'a', 9] },
        { kind: INSERT, row: [4, 'b', 7] },
        { kind: DELETE, row: [4, 'b', 7] },
      ],
      1,
    );
    expect(rows.map((r) => `${String(r._op)} ${String(r.category)} n=${String(r.n)} low=${String(r.low)} high=${String(r.high)} mean=${String(r.mean)}`)).toEqual([
      '+I a n=1 low=5 high=5 mean=5',
      '-U a n=1 low=5 high=5 mean=5',
      '+U a n=2 low=5 high=9 mean=7',
      '-U a n=2 low=5 high=9 mean=7',
      '+U a n=3 low=5 high=9 mean=7',
      '-U a n=3 low=5 high=9 mean=7',
      '+U a n=2 low=5 high=9 mean=7',
      '-U a n=2 low=5 high=9 mean=7',
      '+U a n=3 low=1 high=9 mean=5',
      // The 9 withdrawn was the last of two: MAX falls back to 5.
      '-U a n=3 low=1 high=9 mean=5',
      '+U a n=2 low=1 high=5 mean=3',
      '+I b n=1 low=7 high=7 mean=7',
      '-D b n=1 low=7 high=7 mean=7',
    ]);
    // In one batch, the changes of a batch are netted: a group made and withdrawn in it emits nothing.
    expect(run([{ kind: INSERT, row: [4, 'b', 7] }, { kind: DELETE, row: [4, 'b', 7] }], 2)).toEqual([]);
  });

  it('fails the query, naming the GROUP BY, when its groups and the values its MIN and MAX hold pass the state bound', () => {
    const op = new RetractingGroupAggregate(node, input, {}, 10);
    const changes: Change[] = Array.from({ length: 8 }, (_v, i) => ({ kind: INSERT, row: [i, 'a', i] }));
    // One group holding 8 distinct values for MIN and 8 for MAX: 17 entries.
    expect(() => op.processBatch(changelog(changes), newContext(), new ArrayCollector())).toThrow(/GROUP BY category/);
  });
});
