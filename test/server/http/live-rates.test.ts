import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/clock.js';
import { QueryManager } from '../../../src/engine/query/query-manager.js';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import type { StreamStore } from '../../../src/engine/stream/stream-store.js';
import { LiveRates } from '../../../src/server/http/live-rates.js';

let store: StreamStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe('LiveRates', () => {
  it("measures a stream's incoming records and bytes per second from the store's counters, over every shard", async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    store = await openStreamStore({ shardLimits: false, clock });
    await store.createStream('clicks', { shardCount: 2 });
    const rates = new LiveRates({ store, queries: new QueryManager({ store, clock }), clock });
    rates.sample();
    // 20 records of 8 data bytes and a 2-byte key (bytes count both, as Kinesis meters them) over 2 s.
    await store.putRecords('clicks', Array.from({ length: 20 }, (_, i) => ({ partitionKey: `k${i % 10}`, data: new TextEncoder().encode('12345678') })));
    clock.advance(2000);
    rates.sample();
    const measured = rates.stream('clicks');
    expect(measured).toEqual({
      incomingRecordsPerSecond: 10,
      incomingBytesPerSecond: 100,
      history: [{ at: clock.now(), incomingRecordsPerSecond: 10, incomingBytesPerSecond: 100 }],
    });
    expect(rates.stream('other')).toEqual({ incomingRecordsPerSecond: 0, incomingBytesPerSecond: 0, history: [] });
  });
});

describe('LiveRates of queries', () => {
  it("measures a query's input records and output rows per second", async () => {
    const { compileSql, staticCatalog } = await import('../../../src/sql/index.js');
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    store = await openStreamStore({ shardLimits: false, clock });
    await store.createStream('events', { shardCount: 1 });
    const catalog = staticCatalog(compileSql('CREATE STREAM events (kind VARCHAR)', staticCatalog([])).flatMap((s) => (s.kind === 'createStream' ? [s.schema] : [])));
    const [statement] = compileSql("SELECT kind FROM events WHERE kind <> 'skip'", catalog);
    if (statement?.kind !== 'query') throw new Error('expected a query');
    const queries = new QueryManager({ store, clock });
    const q = await queries.startQuery(statement.plan, { sql: statement.sql });
    const rates = new LiveRates({ store, queries, clock });
    rates.sample();
    const kinds = ['a', 'skip', 'b', 'skip', 'c', 'd'];
    await store.putRecords('events', kinds.map((kind) => ({ partitionKey: 'k', data: new TextEncoder().encode(JSON.stringify({ kind })) })));
    await expect.poll(() => queries.queryStatus(q.id).inputRecords).toBe(6);
    clock.advance(2000);
    rates.sample();
    expect(rates.query(q.id)).toEqual({
      inputRecordsPerSecond: 3,
      outputRowsPerSecond: 2,
      history: [{ at: clock.now(), inputRecordsPerSecond: 3, outputRowsPerSecond: 2 }],
    });
    await queries.close();
  });
});
