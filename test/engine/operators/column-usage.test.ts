import { describe, expect, it } from 'vitest';
import { sourceColumnsUsed } from '../../../src/engine/operators/column-usage.js';
import type { PlanNode, SourceNode } from '../../../src/engine/plan/plan.js';

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
});
