// GROUPING SETS as the engine runs them: each batch once per set, keys outside the set NULL, the set's
// number after them, the input columns passed on as they were.
import { describe, expect, it } from 'vitest';
import type { ExpandNode } from '../../../src/engine/plan/plan.js';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import { Expand } from '../../../src/engine/operators/expand.js';
import { Harness } from './helpers.js';

const input: ColumnSchema[] = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'qty', type: 'INT' },
];
const source = { kind: 'source' as const, stream: 's', format: { kind: 'json' as const }, columns: input, eventTime: { column: 0, watermarkDelayMs: 0 } };
const node = (sets: number[][]): ExpandNode => ({
  kind: 'expand',
  input: source,
  keys: [
    { name: 'who', expr: { kind: 'call', fn: 'upper', args: [{ kind: 'column', index: 0, name: 'user_id', type: 'VARCHAR' }], type: 'VARCHAR' } },
    { name: 'q', expr: { kind: 'column', index: 1, name: 'qty', type: 'INT' } },
  ],
  sets,
});

describe('Expand', () => {
  it('sends each row on once per grouping set, keys outside the set NULL, and the set number last', () => {
    const h = new Harness(new Expand(node([[0, 1], [0], []]), input), input);
    expect(h.push([['ann', 2], ['bob', null]])).toEqual([
      { user_id: 'ann', qty: 2, who: 'ANN', q: 2, $grouping_set: 0 },
      { user_id: 'bob', qty: null, who: 'BOB', q: null, $grouping_set: 0 },
      { user_id: 'ann', qty: 2, who: 'ANN', q: null, $grouping_set: 1 },
      { user_id: 'bob', qty: null, who: 'BOB', q: null, $grouping_set: 1 },
      { user_id: 'ann', qty: 2, who: null, q: null, $grouping_set: 2 },
      { user_id: 'bob', qty: null, who: null, q: null, $grouping_set: 2 },
    ]);
  });

  it('keeps a set listed twice apart by its number', () => {
    const h = new Harness(new Expand(node([[1], [1]]), input), input);
    expect(h.push([['ann', 2]]).map((r) => [r.q, r.$grouping_set])).toEqual([
      [2, 0],
      [2, 1],
    ]);
  });

  it('refuses no sets, too many, and keys that do not exist', () => {
    expect(() => new Expand(node([]), input)).toThrow('an expand needs 1 to 256 grouping sets, got 0');
    expect(() => new Expand(node(Array.from({ length: 257 }, () => [0])), input)).toThrow('got 257');
    expect(() => new Expand(node([[2]]), input)).toThrow('grouping set key 2 is out of range (2 keys)');
  });
});
