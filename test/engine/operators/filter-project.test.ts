import { describe, expect, it } from 'vitest';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { PlanNode, SourceNode } from '../../../src/engine/plan/plan.js';
import { Filter } from '../../../src/engine/operators/filter.js';
import { Project } from '../../../src/engine/operators/project.js';
import { buildOperators } from '../../../src/engine/operators/registry.js';
import { Harness } from './helpers.js';

const input: ColumnSchema[] = [
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'big', type: 'BIGINT' },
  { name: 'ok', type: 'BOOLEAN' },
];
const source: SourceNode = { kind: 'source', stream: 's', format: { kind: 'json' }, columns: input, eventTime: { column: 0, watermarkDelayMs: 0 } };
const amount = { kind: 'column' as const, index: 2, name: 'amount', type: 'DOUBLE' as const };
const rows = [
  ['2024-01-01T00:00:00Z', 'a', 5, 1, true],
  ['2024-01-01T00:00:01Z', 'b', null, 2, false],
  ['2024-01-01T00:00:02Z', null, 50, null, null],
  ['2024-01-01T00:00:03Z', 'dé', 7.5, 9007199254740991, true],
] as const;

describe('Filter', () => {
  it('keeps rows whose predicate is true, dropping false and NULL, every column type intact', () => {
    const f = new Filter({ kind: 'filter', input: source, predicate: { kind: 'call', fn: 'gt', args: [amount, { kind: 'literal', value: 6, type: 'DOUBLE' }], type: 'BOOLEAN' } }, input);
    const out = new Harness(f, input).push(rows.map((r) => [...r]));
    expect(out).toEqual([
      { ts: '2024-01-01T00:00:02.000Z', user_id: null, amount: 50, big: null, ok: null },
      { ts: '2024-01-01T00:00:03.000Z', user_id: 'dé', amount: 7.5, big: 9007199254740991, ok: true },
    ]);
  });

  it('rejects a predicate that is not BOOLEAN when built', () => {
    expect(() => new Filter({ kind: 'filter', input: source, predicate: amount }, input)).toThrow('WHERE expects BOOLEAN, got DOUBLE');
  });
});

describe('Project', () => {
  it('computes named expressions and passes columns through', () => {
    const p = new Project(
      {
        kind: 'project',
        input: source,
        exprs: [
          { name: 'who', expr: { kind: 'call', fn: 'upper', args: [{ kind: 'column', index: 1, name: 'user_id', type: 'VARCHAR' }], type: 'VARCHAR' } },
          { name: 'double_amount', expr: { kind: 'call', fn: 'mul', args: [amount, { kind: 'literal', value: 2, type: 'DOUBLE' }], type: 'DOUBLE' } },
          { name: 'ts', expr: { kind: 'column', index: 0, name: 'ts', type: 'TIMESTAMP' } },
        ],
      },
      input,
    );
    expect(p.outputColumns.map((c) => `${c.name}:${c.type}`)).toEqual(['who:VARCHAR', 'double_amount:DOUBLE', 'ts:TIMESTAMP']);
    const out = new Harness(p, input).push(rows.map((r) => [...r]));
    expect(out.map((r) => [r.who, r.double_amount, r.ts])).toEqual([
      ['A', 10, '2024-01-01T00:00:00.000Z'],
      ['B', null, '2024-01-01T00:00:01.000Z'],
      [null, 100, '2024-01-01T00:00:02.000Z'],
      ['DÉ', 15, '2024-01-01T00:00:03.000Z'],
    ]);
  });
});

describe('the operator registry', () => {
  it('builds a plan source first and reports its output columns', () => {
    const plan: PlanNode = {
      kind: 'project',
      input: { kind: 'filter', input: source, predicate: { kind: 'call', fn: 'is_not_null', args: [amount], type: 'BOOLEAN' } },
      exprs: [{ name: 'amount', expr: amount }],
    };
    const built = buildOperators(plan);
    expect(built.source.outputColumns.map((c) => c.name)).toEqual(['ts', 'user_id', 'amount', 'big', 'ok', '_arrival_time', '_partition_key', '_shard_id', '_sequence_number', '_sub_sequence_number']);
    expect(built.operators.map((o) => o.constructor.name)).toEqual(['Filter', 'Project']);
    expect(built.outputColumns).toEqual([{ name: 'amount', type: 'DOUBLE' }]);
  });

  it('rejects a plan whose expressions do not match their input when built', () => {
    const bad: PlanNode = { kind: 'project', input: source, exprs: [{ name: 'x', expr: { kind: 'column', index: 1, name: 'user_id', type: 'DOUBLE' } }] };
    expect(() => buildOperators(bad)).toThrow('column 1 is VARCHAR, expression expects DOUBLE');
  });

  it('rejects an event time column that is not a timestamp', () => {
    expect(() => buildOperators({ ...source, eventTime: { column: 1, watermarkDelayMs: 0 } })).toThrow(/must be a TIMESTAMP column/);
  });
});
