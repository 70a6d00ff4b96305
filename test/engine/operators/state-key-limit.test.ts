// Every aggregate bounds the state keys it holds: a query over an unbounded key fails with an error
// naming the limit and the grouping, rather than growing until the process runs out of memory.
import { describe, expect, it } from 'vitest';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { GroupAggregateNode, WindowAggregateNode } from '../../../src/engine/plan/plan.js';
import { GroupAggregate } from '../../../src/engine/operators/group-aggregate.js';
import { WindowAggregate } from '../../../src/engine/operators/window-aggregate.js';
import { DEFAULT_MAX_STATE_KEYS } from '../../../src/engine/operators/state-key-limit.js';
import { Harness } from './helpers.js';
import type { Value } from './helpers.js';

const input: ColumnSchema[] = [
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'user_id', type: 'VARCHAR' },
  { name: 'page', type: 'VARCHAR' },
];
const source = { kind: 'source' as const, stream: 's', format: { kind: 'json' as const }, columns: input, eventTime: { column: 0, watermarkDelayMs: 0 } };
const col = (index: number) => ({ kind: 'column' as const, index, name: input[index]!.name, type: input[index]!.type });
const groupBy = (aggregates: GroupAggregateNode['aggregates']): GroupAggregateNode => ({
  kind: 'groupAggregate',
  input: source,
  keys: [{ name: 'user_id', expr: col(1) }],
  aggregates,
});
const countStar = [{ fn: 'count_star' as const, name: 'n', type: 'BIGINT' as const }];
const rowsFor = (from: number, count: number, ts = 0): Value[][] => Array.from({ length: count }, (_, i) => [ts, `u${from + i}`, 'home']);

describe('the state key limit', () => {
  it('is a million keys unless the server sets it', () => {
    expect(DEFAULT_MAX_STATE_KEYS).toBe(1_000_000);
  });

  it('fails a GROUP BY once it holds more groups than the limit, naming the limit and the key', () => {
    const h = new Harness(new GroupAggregate(groupBy(countStar), input, undefined, 1000), input);
    h.push(rowsFor(0, 600));
    h.push(rowsFor(600, 400));
    // Keys already held still update (a -U and a +U each).
    expect(h.push(rowsFor(0, 10))).toHaveLength(20);
    expect(() => h.push(rowsFor(1000, 1))).toThrow('query state exceeded 1,000 keys in GROUP BY user_id');
  });

  it('counts the values COUNT(DISTINCT) remembers, as well as the groups', () => {
    const node = groupBy([{ fn: 'count_distinct', name: 'pages', type: 'BIGINT', arg: col(2) }]);
    const h = new Harness(new GroupAggregate(node, input, undefined, 100), input);
    h.push(Array.from({ length: 90 }, (_, i) => [0, 'one-user', `page-${i}`]));
    expect(() => h.push(Array.from({ length: 20 }, (_, i) => [0, 'one-user', `more-${i}`]))).toThrow(
      'query state exceeded 100 keys in GROUP BY user_id (1 group and 110 COUNT(DISTINCT) values)',
    );
  });

  it('fails a window aggregate on the (window, key) pairs it holds open, and frees them when windows close', () => {
    const node: WindowAggregateNode = {
      kind: 'windowAggregate',
      input: source,
      window: { kind: 'tumble', sizeMs: 60_000 },
      timeColumn: 0,
      keys: [{ name: 'user_id', expr: col(1) }],
      aggregates: countStar,
    };
    const h = new Harness(new WindowAggregate(node, input, undefined, 1000), input);
    // 800 keys per minute, window after window: within the limit as long as each window closes.
    for (let m = 0; m < 5; m++) {
      h.push(rowsFor(m * 800, 800, m * 60_000));
      h.watermark((m + 1) * 60_000);
    }
    // Two windows open at once with 800 keys each is 1,600 pairs.
    h.push(rowsFor(0, 800, 5 * 60_000));
    expect(() => h.push(rowsFor(0, 800, 6 * 60_000))).toThrow('query state exceeded 1,000 keys in window GROUP BY user_id');
  });
});
