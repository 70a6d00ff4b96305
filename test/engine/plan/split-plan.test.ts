// Where a plan is cut to split it into parts, and the plans it refuses to split, each with the reason.
import { describe, expect, it } from 'vitest';
import { compileSql, staticCatalog } from '../../../src/sql/index.js';
import type { StreamSchema } from '../../../src/engine/plan/schema.js';
import type { QueryPlan } from '../../../src/engine/plan/plan.js';
import { exchangeStreamOf, splitPlan } from '../../../src/engine/plan/split-plan.js';

const clicks: StreamSchema = {
  name: 'clicks',
  columns: [
    { name: 'user_id', type: 'VARCHAR' },
    { name: 'amount', type: 'DOUBLE' },
    { name: 'ts', type: 'TIMESTAMP' },
  ],
  format: { kind: 'json' },
  watermark: { column: 'ts', delayMs: 1000 },
};
const pages: StreamSchema = { ...clicks, name: 'pages' };

function plan(sql: string): QueryPlan {
  const [statement] = compileSql(sql, staticCatalog([clicks, pages]));
  if (statement?.kind !== 'query') throw new Error('not a query');
  return statement.plan;
}

const TUMBLE = `SELECT window_start, user_id, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
  WHERE amount > 1 GROUP BY window_start, window_end, user_id`;

describe('splitPlan', () => {
  it('cuts at the GROUP BY: each sender reads its share of the shards, each receiver reads its exchange shard', () => {
    const split = splitPlan(plan(TUMBLE), 3, exchangeStreamOf('q'));
    const sender = split.sender(1);
    const source = (node: QueryPlan['root']): QueryPlan['root'] => (node.kind === 'source' ? node : source((node as { input: QueryPlan['root'] }).input));
    expect(source(sender.root)).toMatchObject({ stream: 'clicks', shards: { index: 2, count: 3 } });
    expect(sender.columns.slice(-4).map((c) => c.name)).toEqual(['k0', '$shard', '$sequence', '$sub']);
    expect(source(split.receiver(2).root)).toMatchObject({ stream: '__eddy_exchange_q', shards: { index: 3, count: 3 } });
    expect(split.receiver(0).columns).toEqual(plan(TUMBLE).columns);
  });

  it.each([
    ['a plan with no GROUP BY', 'SELECT user_id FROM clicks', 'needs a GROUP BY'],
    ['a join', "SELECT c.user_id, COUNT(*) AS n FROM clicks c JOIN pages p ON c.user_id = p.user_id AND p.ts BETWEEN c.ts - INTERVAL '1' MINUTE AND c.ts GROUP BY c.user_id", 'must read one stream'],
    ['a parallelism of 1', TUMBLE, 'whole number from 1 to 64'],
  ])('refuses %s, saying why', (_, sql, message) => {
    const parts = _ === 'a parallelism of 1' ? 1 : 2;
    expect(() => splitPlan(plan(sql), parts, exchangeStreamOf('q'))).toThrow(message);
  });

  it('refuses a plan that writes its late rows to a stream', () => {
    expect(() => splitPlan({ ...plan(TUMBLE), lateRows: { stream: 'late' } }, 2, exchangeStreamOf('q'))).toThrow('late rows or bad records');
  });
});
