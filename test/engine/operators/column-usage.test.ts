import { describe, expect, it } from 'vitest';
import { sourceColumnsUsed } from '../../../src/engine/operators/column-usage.js';
import { outputColumns, type PlanNode, type SourceNode } from '../../../src/engine/plan/plan.js';

const source: SourceNode = {
  kind: 'source',
  stream: 's',
  format: { kind: 'json' },
  columns: [
    { name: 'a', type: 'DOUBLE' },
    { name: 'b', type: 'VARCHAR' },
    { name: 'c', type: 'TIMESTAMP' },
    { name: 'd', type: 'VARCHAR' },
  ],
  eventTime: { column: 2, watermarkDelayMs: 0 },
};
const col = (index: number, type: 'DOUBLE' | 'VARCHAR' | 'TIMESTAMP') => ({ kind: 'column' as const, index, name: `c${index}`, type });

describe('sourceColumnsUsed', () => {
  it('collects the columns filters and the first reshaping node read, plus event time', () => {
    const plan: PlanNode = {
      kind: 'project',
      input: { kind: 'filter', input: source, predicate: { kind: 'call', fn: 'is_null', args: [col(3, 'VARCHAR')], type: 'BOOLEAN' } },
      exprs: [{ name: 'x', expr: { kind: 'call', fn: 'abs', args: [col(0, 'DOUBLE')], type: 'DOUBLE' } }],
    };
    expect([...sourceColumnsUsed(plan)!].sort()).toEqual([0, 2, 3]);
  });

  it('needs every column when rows pass through whole', () => {
    expect(sourceColumnsUsed(source)).toBeUndefined();
    expect(sourceColumnsUsed({ kind: 'filter', input: source, predicate: { kind: 'literal', value: true, type: 'BOOLEAN' } })).toBeUndefined();
  });

  it('reads through a Top-N and a deduplication only the columns read above them and those they rank on', () => {
    const topN: PlanNode = {
      kind: 'topN',
      input: source,
      fn: 'row_number',
      partitionBy: [{ name: 'b', expr: col(1, 'VARCHAR') }],
      orderBy: [{ expr: col(0, 'DOUBLE'), descending: true, nullsFirst: false }],
      limit: 1,
      rankColumn: 'rn',
    };
    // Above it: the rank (its own column, after the source's) alone.
    const rank = outputColumns(source).length;
    const above: PlanNode = { kind: 'project', input: topN, exprs: [{ name: 'rn', expr: { kind: 'column', index: rank, name: 'rn', type: 'BIGINT' } }] };
    expect([...sourceColumnsUsed(above)!].sort()).toEqual([0, 1, 2]);
    const dedup: PlanNode = { kind: 'deduplicate', input: source, partitionBy: [{ name: 'b', expr: col(1, 'VARCHAR') }], timeColumn: 2, keep: 'last' };
    expect([...sourceColumnsUsed({ kind: 'project', input: dedup, exprs: [{ name: 'b', expr: col(1, 'VARCHAR') }] })!].sort()).toEqual([1, 2]);
    // At the top, their rows are read whole.
    expect(sourceColumnsUsed(topN)).toBeUndefined();
  });
});
