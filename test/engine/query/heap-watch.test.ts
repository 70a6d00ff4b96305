// When the heap fills past its share of V8's limit, the query holding the most state fails with an error
// that says so, and the process and the other queries go on.
import { describe, expect, it } from 'vitest';
import { HeapWatch, type HeapReading } from '../../../src/engine/query/heap-watch.js';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import { QueryManager } from '../../../src/engine/query/query-manager.js';
import type { ColumnSchema } from '../../../src/engine/plan/schema.js';
import type { QueryPlan } from '../../../src/engine/plan/plan.js';

const MiB = 2 ** 20;

describe('HeapWatch', () => {
  it('fails the query holding the most state once a full collection leaves the heap past its share, once per collection', () => {
    let reading: HeapReading = { usedBytes: 800 * MiB, limitBytes: 1000 * MiB };
    const watch = new HeapWatch(0.85, () => reading, false);
    const small = { stateEntries: () => 10 };
    const large = { stateEntries: () => 5_000_000 };
    watch.add(small);
    watch.add(large);
    watch.collected();
    // 80%: below the share.
    expect(() => watch.check(large)).not.toThrow();
    reading = { usedBytes: 900 * MiB, limitBytes: 1000 * MiB };
    watch.collected();
    expect(() => watch.check(small)).not.toThrow();
    expect(() => watch.check(large)).toThrow(
      "the server's heap was 90% full after garbage collection (900 of 1,000 MiB, past 85%), and this query held the most state (5,000,000 keys): it is failed so that the process and the other queries go on",
    );
    // Failing it is what the next collection will tell about; until then, no other query fails.
    watch.delete(large);
    expect(() => watch.check(small)).not.toThrow();
    watch.collected();
    expect(() => watch.check(small)).toThrow(/this query held the most state \(10 keys\)/);
  });

  it('refuses a share that is no share of the heap', () => {
    expect(() => new HeapWatch(0)).toThrow(/above 0 and at most 1, got 0/);
    expect(() => new HeapWatch(1.5)).toThrow(/got 1.5/);
  });

  it('fails a running query, which the manager then lists with that error', async () => {
    const store = await openStreamStore({ shardLimits: false });
    await store.createStream('s', { shardCount: 1 });
    const columns: ColumnSchema[] = [
      { name: 'user_id', type: 'VARCHAR' },
      { name: 'ts', type: 'TIMESTAMP' },
    ];
    const plan: QueryPlan = {
      root: {
        kind: 'groupAggregate',
        input: { kind: 'source', stream: 's', format: { kind: 'json' }, columns, eventTime: { column: 1, watermarkDelayMs: 0 } },
        keys: [{ name: 'user_id', expr: { kind: 'column', index: 0, name: 'user_id', type: 'VARCHAR' } }],
        aggregates: [{ fn: 'count_star', name: 'n', type: 'BIGINT' }],
      },
      sink: { kind: 'subscribers' },
      columns: [
        { name: 'user_id', type: 'VARCHAR' },
        { name: 'n', type: 'BIGINT' },
      ],
    };
    const watch = new HeapWatch(0.85, () => ({ usedBytes: 950 * MiB, limitBytes: 1000 * MiB }), false);
    const manager = new QueryManager({ store, heapWatch: watch });
    try {
      const q = await manager.startQuery(plan, { sql: 'SELECT user_id, COUNT(*) AS n FROM s GROUP BY user_id' });
      const enc = new TextEncoder();
      await store.putRecords('s', Array.from({ length: 20 }, (_, i) => ({ partitionKey: `u${i}`, data: enc.encode(JSON.stringify({ user_id: `u${i}`, ts: '2026-12-07T10:00:00Z' })) })));
      await expect.poll(() => manager.queryStatus(q.id).stateEntries).toBe(20);
      expect(manager.queryStatus(q.id).status).toBe('running');
      watch.collected();
      // Its next step meets the full heap.
      await store.putRecords('s', [{ partitionKey: 'u0', data: enc.encode(JSON.stringify({ user_id: 'u0', ts: '2026-12-07T10:00:01Z' })) }]);
      await expect.poll(() => manager.queryStatus(q.id).status).toBe('failed');
      expect(manager.queryStatus(q.id).error).toMatch(/^the server's heap was 95% full after garbage collection \(950 of 1,000 MiB, past 85%\), and this query held the most state \(20 keys\)/);
    } finally {
      await manager.close();
      await store.close();
    }
  });
});
