// A self-join reads its stream once: the plan's sources that read one stream the same way share one
// reader and one decoder (Nexmark q7 reads its bids on both sides of its join).
import { afterEach, describe, expect, it } from 'vitest';
import { compileSql, staticCatalog } from '../../../src/sql/index.js';
import type { StreamSchema } from '../../../src/engine/plan/schema.js';
import type { QueryPlan } from '../../../src/engine/plan/plan.js';
import type { QueryCheckpoint } from '../../../src/engine/plan/checkpoint.js';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import type { StreamStore } from '../../../src/engine/stream/stream-store.js';
import { ManualClock } from '../../../src/engine/clock.js';
import { Pipeline } from '../../../src/engine/query/pipeline.js';
import { ResultHub } from '../../../src/engine/query/result-hub.js';
import { RunningQuery } from '../../../src/engine/query/running-query.js';
import type { Row } from '../../../src/engine/batch/rows.js';

const bids: StreamSchema = {
  name: 'bids',
  columns: [
    { name: 'auction', type: 'BIGINT' },
    { name: 'price', type: 'BIGINT' },
    { name: 'note', type: 'VARCHAR' },
    { name: 'ts', type: 'TIMESTAMP' },
  ],
  format: { kind: 'json' },
  watermark: { column: 'ts', delayMs: 1000 },
};
const others: StreamSchema = { ...bids, name: 'asks' };
const T0 = Date.parse('2024-05-01T08:00:00Z');

/** Each bid with its 10-second window's highest price: Nexmark q7's shape. */
const HIGHEST = `
SELECT b.auction, b.price, b.note, b.ts, w.ends
FROM bids b
JOIN (
  SELECT MAX(price) AS top, window_end AS ends
  FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))
  GROUP BY window_start, window_end
) w ON b.price = w.top
WHERE b.ts BETWEEN w.ends - INTERVAL '10' SECOND AND w.ends`;

/** The plan as the catalog keeps it: after a JSON round trip, its two sources are two equal objects. */
function planOf(sql: string): QueryPlan {
  const [statement] = compileSql(sql, staticCatalog([bids, others]));
  if (statement?.kind !== 'query') throw new Error('expected a query');
  return JSON.parse(JSON.stringify(statement.plan)) as QueryPlan;
}

// 3,000 bids over 300 s, out of order by less than the watermark delay; prices repeat, so a window's
// highest price is often bid more than once.
const rows = Array.from({ length: 3000 }, (_, i) => ({ auction: i % 37, price: (i * 7919) % 500, note: `n${i}`, t: T0 + i * 100 - ((i * 31) % 900) }));

/** What the query gives, computed here. */
function expected(): string[] {
  const top = new Map<number, number>();
  for (const r of rows) {
    const end = Math.floor((r.t - T0) / 10_000) * 10_000 + T0 + 10_000;
    top.set(end, Math.max(top.get(end) ?? -Infinity, r.price));
  }
  const out: string[] = [];
  for (const [end, price] of top) for (const r of rows) if (r.price === price && r.t >= end - 10_000 && r.t <= end) out.push(`${r.note}@${end}`);
  return out.sort();
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** Closing bids far later, on many partition keys so that every shard has one and its watermark passes every window. */
const CLOSING = 40;

/** A store holding the bids and the closing bids, counting the cursors opened on them. */
async function bidStore(): Promise<{ store: StreamStore; cursors: () => number }> {
  const base = await openStreamStore({ shardLimits: false });
  cleanup.push(() => base.close());
  await base.createStream('bids', { shardCount: 2 });
  const enc = new TextEncoder();
  const all = [...rows, ...Array.from({ length: CLOSING }, (_, i) => ({ auction: 1000 + i, price: 0, note: 'end', t: T0 + 3_600_000 }))];
  for (let i = 0; i < all.length; i += 500) {
    await base.putRecords(
      'bids',
      all.slice(i, i + 500).map((r) => ({ partitionKey: `p${r.auction}`, data: enc.encode(JSON.stringify({ auction: r.auction, price: r.price, note: r.note, ts: new Date(r.t).toISOString() })) })),
    );
  }
  let opened = 0;
  const store = new Proxy(base, {
    get(target, prop, receiver) {
      if (prop === 'openCursor') {
        return (...args: Parameters<StreamStore['openCursor']>) => {
          opened++;
          return target.openCursor(...args);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store, cursors: () => opened };
}

function run(store: StreamStore, plan: QueryPlan, checkpoint?: QueryCheckpoint) {
  const results = new ResultHub();
  const saved: QueryCheckpoint[] = [];
  const query = new RunningQuery({ id: 'q', name: 'q', sql: 'q' }, plan, {
    store,
    clock: new ManualClock(0),
    results,
    checkpointIntervalMs: 0,
    onCheckpoint: async (cp) => void saved.push(cp),
    ...(checkpoint === undefined ? {} : { checkpoint }),
  });
  const out: Row[] = [];
  results.subscribe('q', { onRows: (r) => void out.push(...r) });
  query.start();
  cleanup.push(() => query.stop());
  return { query, out, saved };
}

/** Each row as its bid's note and its window's end. */
const notes = (out: readonly Row[]) => out.map((r) => `${String(r.note)}@${typeof r.ends === 'number' ? r.ends : Date.parse(String(r.ends))}`);

describe('sources that read one stream the same way', () => {
  it('are one group, decoding the columns either side reads; sources of other streams are not', () => {
    const pipeline = new Pipeline(planOf(HIGHEST));
    expect(pipeline.sourceGroups).toEqual([[0, 1]]);
    // The window side reads price and ts, the join's side auction, price, note and ts: both decode all four.
    for (const source of pipeline.sources) expect(source.decoder.columns.slice(0, 4).map((c) => c.name)).toEqual(['auction', 'price', 'note', 'ts']);
    const apart = new Pipeline(planOf('SELECT b.note, a.note AS ask FROM bids b JOIN asks a ON a.auction = b.auction'));
    expect(apart.sourceGroups).toEqual([[0], [1]]);
  });

  it('are read once, and give each bid its window\'s highest price', async () => {
    const { store, cursors } = await bidStore();
    const { query, out, saved } = run(store, planOf(HIGHEST));
    await expect.poll(() => query.status().inputRecords, { timeout: 10_000 }).toBe(2 * (rows.length + CLOSING));
    await expect.poll(() => out.length).toBe(expected().length);
    expect(notes(out).sort()).toEqual(expected());
    // One cursor per shard, where each source opened its own before.
    expect(cursors()).toBe(2);
    // Both sources stand where the one reader stands, in every checkpoint.
    const last = saved[saved.length - 1]!;
    expect(last.sources).toEqual([{ shards: last.shards, watermark: last.watermark }]);
    expect(query.status().streams).toEqual(['bids', 'bids']);
  });

  it('get a reader each when a checkpoint has them at different places', async () => {
    const { store, cursors } = await bidStore();
    const plan = planOf(HIGHEST);
    const first = run(store, plan);
    await expect.poll(() => first.query.status().inputRecords, { timeout: 10_000 }).toBe(2 * (rows.length + CLOSING));
    await first.query.stop();
    const end = first.saved[first.saved.length - 1]!;
    // As if taken when the sources had readers of their own: the join's side had read every bid, the window side none.
    const checkpoint: QueryCheckpoint = { shards: end.shards, sources: [{ shards: {} }] };
    const opened = cursors();
    const second = run(store, plan, checkpoint);
    await expect.poll(() => second.query.status().inputRecords, { timeout: 10_000 }).toBe(rows.length + CLOSING);
    // A cursor on each shard for each source.
    expect(cursors() - opened).toBe(4);
  });
});
