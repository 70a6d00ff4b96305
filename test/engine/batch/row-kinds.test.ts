// Changelog batches: the row kind column, how filters and projections carry it, the -U/+U builder, and
// how rows show the kind at the edges.
import { describe, expect, it } from 'vitest';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { GroupAggregateNode, PlanNode, SourceNode } from '../../../src/engine/plan/plan.js';
import { changelogMode } from '../../../src/engine/plan/changelog.js';
import { arrowSchema } from '../../../src/engine/batch/arrow-types.js';
import type { Column } from '../../../src/engine/batch/column.js';
import { batchToRows } from '../../../src/engine/batch/rows.js';
import { changelogBatch, changelogSchema, DELETE, hasRowKinds, INSERT, rowKindsOf } from '../../../src/engine/batch/row-kinds.js';
import { updatePairs } from '../../../src/engine/batch/update-pairs.js';
import { columnToArrow } from '../../../src/engine/batch/column.js';
import { Filter } from '../../../src/engine/operators/filter.js';
import { Project } from '../../../src/engine/operators/project.js';
import { buildOperators } from '../../../src/engine/operators/registry.js';
import { ArrayCollector } from '../../../src/engine/operators/operator.js';
import { batchOf, newContext } from '../operators/helpers.js';

const columns: ColumnSchema[] = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'n', type: 'BIGINT' },
];
const kindSchema = changelogSchema(arrowSchema(columns));
const text = (values: (string | null)[]): Column => ({ type: 'VARCHAR', length: values.length, values: values.map((v) => v ?? ''), valid: Uint8Array.from(values.map((v) => (v === null ? 0 : 1))) });
const bigint = (values: (number | null)[]): Column => ({ type: 'BIGINT', length: values.length, values: Float64Array.from(values.map((v) => v ?? 0)), valid: Uint8Array.from(values.map((v) => (v === null ? 0 : 1))) });

describe('changelog batches', () => {
  it('carry each row kind in a last column that rows show first, as _op', () => {
    const batch = changelogBatch(kindSchema, [columnToArrow(text(['a', 'b'])), columnToArrow(bigint([1, 2]))], Int8Array.of(INSERT, DELETE));
    expect(hasRowKinds(batch)).toBe(true);
    expect([...rowKindsOf(batch)!]).toEqual([0, 3]);
    const rows = batchToRows(batch, columns);
    expect(rows).toEqual([
      { _op: '+I', user_id: 'a', n: 1 },
      { _op: '-D', user_id: 'b', n: 2 },
    ]);
    expect(Object.keys(rows[0]!)[0]).toBe('_op');
  });

  it('are told apart from append-only batches, whose rows carry no kind', () => {
    const batch = batchOf(columns, [['a', 1]]);
    expect(rowKindsOf(batch)).toBeNull();
    expect(batchToRows(batch, columns)).toEqual([{ user_id: 'a', n: 1 }]);
  });

  it('keep their kinds through a filter and a projection', () => {
    const source: SourceNode = { kind: 'source', stream: 's', format: { kind: 'json' }, columns, eventTime: { column: 0, watermarkDelayMs: 0 } };
    const n = { kind: 'column' as const, index: 1, name: 'n', type: 'BIGINT' as const };
    const filter = new Filter({ kind: 'filter', input: source, predicate: { kind: 'call', fn: 'gt', args: [n, { kind: 'literal', value: 1, type: 'BIGINT' }], type: 'BOOLEAN' } }, columns);
    const project = new Project({ kind: 'project', input: source, exprs: [{ name: 'twice', expr: { kind: 'call', fn: 'mul', args: [n, { kind: 'literal', value: 2, type: 'BIGINT' }], type: 'BIGINT' } }] }, columns);
    const batch = changelogBatch(kindSchema, [columnToArrow(text(['a', 'a', 'b'])), columnToArrow(bigint([1, 5, 7]))], Int8Array.of(1, 2, 0));
    const ctx = newContext();
    const filtered = new ArrayCollector();
    filter.processBatch(batch, ctx, filtered);
    const projected = new ArrayCollector();
    project.processBatch(filtered.batches[0]!, ctx, projected);
    expect(batchToRows(projected.batches[0]!, project.outputColumns)).toEqual([
      { _op: '+U', twice: 10 },
      { _op: '+I', twice: 14 },
    ]);
  });

  it('are taken out again by a GROUP BY, and refused by a window aggregate, which would count a -U as one more row', () => {
    const source: SourceNode = { kind: 'source', stream: 's', format: { kind: 'json' }, columns: [...columns, { name: 'ts', type: 'TIMESTAMP' }], eventTime: { column: 2, watermarkDelayMs: 0 } };
    const user = { kind: 'column' as const, index: 0, name: 'user_id', type: 'VARCHAR' as const };
    const inner: GroupAggregateNode = { kind: 'groupAggregate', input: source, keys: [{ name: 'user_id', expr: user }], aggregates: [{ fn: 'count_star', name: 'n', type: 'BIGINT' }] };
    const outer: PlanNode = { kind: 'groupAggregate', input: inner, keys: [], aggregates: [{ fn: 'count_star', name: 'users', type: 'BIGINT' }] };
    expect(changelogMode(inner)).toBe('retract');
    expect(changelogMode({ kind: 'project', input: inner, exprs: [{ name: 'user_id', expr: user }] })).toBe('retract');
    // A GROUP BY over a changelog retracts what -U and -D rows withdraw (retracting-group-aggregate.ts).
    expect(() => buildOperators(outer)).not.toThrow();
    const windowed: PlanNode = { kind: 'windowAggregate', input: inner, window: { kind: 'tumble', sizeMs: 60_000 }, timeColumn: 0, keys: [], aggregates: [{ fn: 'count_star', name: 'users', type: 'BIGINT' }] };
    expect(() => buildOperators(windowed)).toThrow('a windowAggregate node needs rows that are never revised, but its input (groupAggregate) emits a changelog');
  });
});

describe('updatePairs', () => {
  it('makes +I of new results, -U then +U of changed ones, and nothing of unchanged ones', () => {
    const before = [text(['a', 'b', 'c', 'd']), bigint([0, 2, 3, null])];
    const after = [text(['a', 'b', 'c', 'd']), bigint([1, 5, 3, null])];
    const batch = updatePairs(kindSchema, before, Uint8Array.of(0, 1, 1, 1), after, 4)!;
    expect(batchToRows(batch, columns)).toEqual([
      { _op: '+I', user_id: 'a', n: 1 },
      { _op: '-U', user_id: 'b', n: 2 },
      { _op: '+U', user_id: 'b', n: 5 },
    ]);
  });

  it('tells a NULL from a value, and takes NaN as unchanged', () => {
    const doubles = (values: (number | null)[]): Column => ({ type: 'DOUBLE', length: values.length, values: Float64Array.from(values.map((v) => v ?? 0)), valid: Uint8Array.from(values.map((v) => (v === null ? 0 : 1))) });
    const schema = changelogSchema(arrowSchema([{ name: 'x', type: 'DOUBLE' }]));
    const batch = updatePairs(schema, [doubles([null, NaN, 1])], null, [doubles([0, NaN, null])], 3)!;
    expect(batchToRows(batch, [{ name: 'x', type: 'DOUBLE' }])).toEqual([
      { _op: '-U', x: null },
      { _op: '+U', x: 0 },
      { _op: '-U', x: 1 },
      { _op: '+U', x: null },
    ]);
    expect(updatePairs(schema, [doubles([2])], null, [doubles([2])], 1)).toBeNull();
  });
});
