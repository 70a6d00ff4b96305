import { describe, expect, it } from 'vitest';
import { ResultTable } from '../../src/console/result-table.js';

const columns = [
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'n', type: 'BIGINT' },
];

const values = (t: ResultTable) => t.rows().map((r) => r.values);

describe('the results table', () => {
  it('shows appended rows newest first, keeping only the newest', () => {
    const t = new ResultTable(3);
    t.reset(columns, { changelog: 'append', keys: [] });
    t.apply([1, 2, 3, 4, 5].map((n) => ({ user_id: 'a', n })));
    t.apply([{ user_id: 'a', n: 6 }]);
    expect(values(t).map((r) => r.n)).toEqual([6, 5, 4]);
    expect(t.receivedRows).toBe(6);
    expect(t.updatesInPlace).toBe(false);
  });

  it('stays bounded however many rows arrive', () => {
    const t = new ResultTable(100);
    t.reset(columns, { changelog: 'append', keys: [] });
    for (let i = 0; i < 10_000; i++) t.apply([{ user_id: 'a', n: i }]);
    expect(t.rows()).toHaveLength(100);
    expect(t.rows()[0]!.values.n).toBe(9999);
  });

  it('updates upserted rows in place by their key, moving the changed row to the top', () => {
    const t = new ResultTable(10);
    t.reset(columns, { changelog: 'retract', keys: ['user_id'] });
    t.apply([
      { user_id: 'a', n: 1 },
      { user_id: 'b', n: 1 },
    ]);
    t.apply([{ user_id: 'a', n: 2 }]);
    expect(values(t)).toEqual([
      { user_id: 'a', n: 2 },
      { user_id: 'b', n: 1 },
    ]);
    expect(t.rows()[0]!.updates).toBe(1);
    expect(t.updatesInPlace).toBe(true);
  });

  it('lets the least recently changed keys go when there are more keys than rows shown', () => {
    const t = new ResultTable(2);
    t.reset(columns, { changelog: 'retract', keys: ['user_id'] });
    t.apply([{ user_id: 'a', n: 1 }, { user_id: 'b', n: 1 }, { user_id: 'a', n: 2 }, { user_id: 'c', n: 1 }]);
    expect(values(t).map((r) => r.user_id)).toEqual(['c', 'a']);
  });

  it('appends upserts whose key columns are not selected, as they cannot be told apart', () => {
    const t = new ResultTable(10);
    t.reset([{ name: 'n', type: 'BIGINT' }], { changelog: 'retract', keys: [] });
    t.apply([{ n: 1 }, { n: 2 }]);
    expect(values(t)).toEqual([{ n: 2 }, { n: 1 }]);
  });

  it('applies explicit change kinds by key: +I and +U upsert, -U waits for its +U, -D deletes', () => {
    const t = new ResultTable(10);
    t.reset([...columns, { name: '_op', type: 'VARCHAR' }], { changelog: 'retract', keys: ['user_id'] });
    t.apply([
      { _op: '+I', user_id: 'a', n: 1 },
      { _op: '+I', user_id: 'b', n: 1 },
    ]);
    t.apply([
      { _op: '-U', user_id: 'a', n: 1 },
      { _op: '+U', user_id: 'a', n: 2 },
      { _op: '-D', user_id: 'b', n: 1 },
    ]);
    expect(values(t)).toEqual([{ _op: '+U', user_id: 'a', n: 2 }]);
    expect(t.rows()[0]!.updates).toBe(1);
    expect(t.shownColumns.map((c) => c.name)).toEqual(['user_id', 'n']);
  });

  it('withdraws a keyed row whose -U has no +U in the same delivery, and brings it back with its count if the +U comes next', () => {
    const t = new ResultTable(10);
    t.reset(columns, { changelog: 'retract', keys: ['user_id'] });
    t.apply([{ _op: '+I', user_id: 'a', n: 1 }, { _op: '+I', user_id: 'b', n: 1 }]);
    // HAVING n < 2: the group's new row no longer qualifies, so only its -U arrives.
    t.apply([{ _op: '-U', user_id: 'a', n: 1 }]);
    expect(values(t).map((r) => r.user_id)).toEqual(['b']);
    t.apply([{ _op: '+U', user_id: 'a', n: 3 }]);
    expect(values(t).map((r) => r.user_id)).toEqual(['a', 'b']);
    expect(t.rows()[0]!.updates).toBe(1);
  });

  it('applies change kinds to whole rows when the query has no key columns', () => {
    const t = new ResultTable(10);
    t.reset([{ name: 'total', type: 'BIGINT' }], { changelog: 'append', keys: [] });
    t.apply([{ _op: '+I', total: 1 }, { _op: '-U', total: 1 }, { _op: '+U', total: 3 }]);
    expect(values(t)).toEqual([{ _op: '+U', total: 3 }]);
    t.apply([{ _op: '-D', total: 3 }]);
    expect(values(t)).toEqual([]);
    expect(t.updatesInPlace).toBe(true);
  });

  it('starts again with a new schema', () => {
    const t = new ResultTable(10);
    t.reset(columns, { changelog: 'append', keys: [] });
    t.apply([{ user_id: 'a', n: 1 }]);
    t.reset(columns, { changelog: 'append', keys: [] });
    expect(t.rows()).toEqual([]);
    expect(t.receivedRows).toBe(0);
  });
});
