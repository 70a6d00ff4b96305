// KDA's analytics functions through the whole path: records put into a stream, SQL compiled by the front
// end, the query run by the engine, rows read by a subscriber.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSql, staticCatalog } from '../../../src/sql/index.js';
import type { StreamSchema } from '../../../src/engine/plan/schema.js';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import type { StreamStore } from '../../../src/engine/stream/stream-store.js';
import { QueryManager } from '../../../src/engine/query/query-manager.js';
import type { Row } from '../../../src/engine/batch/rows.js';
import { SeededRandom } from '../../../src/engine/analytics/seeded-random.js';

const schema: StreamSchema = {
  name: 'SOURCE_SQL_STREAM_001',
  columns: [
    { name: 'id', type: 'INT' },
    { name: 'x', type: 'DOUBLE' },
    { name: 'y', type: 'DOUBLE' },
    { name: 'label', type: 'VARCHAR' },
  ],
  format: { kind: 'json' },
};

let store: StreamStore;
let manager: QueryManager;

beforeAll(async () => {
  store = await openStreamStore({ shardLimits: false });
  manager = new QueryManager({ store });
});

afterAll(async () => {
  await manager?.close();
  await store?.close();
});

async function put(records: readonly Record<string, unknown>[], stream = schema.name): Promise<void> {
  const enc = new TextEncoder();
  for (let i = 0; i < records.length; i += 500) {
    await store.putRecords(
      stream,
      records.slice(i, i + 500).map((r) => ({ partitionKey: 'one', data: enc.encode(JSON.stringify(r)) })),
    );
  }
}

async function run(sql: string, expectedRows: number): Promise<Row[]> {
  const [statement] = compileSql(sql, staticCatalog([schema, { ...schema, name: 'points' }]));
  if (!statement || statement.kind !== 'query') throw new Error(`not a query: ${sql}`);
  const q = await manager.startQuery(statement.plan, { sql });
  const rows: Row[] = [];
  await new Promise<void>((resolve) => {
    manager.subscribe(q.id, {
      onRows: (r) => {
        rows.push(...r);
        if (rows.length >= expectedRows) resolve();
      },
    });
  });
  await manager.stopQuery(q.id);
  return rows;
}

describe('KDA analytics functions, SQL to rows', () => {
  it('RANDOM_CUT_FOREST scores every planted far-off record in the top few percent', async () => {
    await store.createStream(schema.name, { shardCount: 1 });
    const random = new SeededRandom(17);
    const count = 3000;
    const planted = new Set<number>();
    while (planted.size < 10) planted.add(500 + Math.floor(random.next() * (count - 500)));
    const records = Array.from({ length: count }, (_, id) => {
      if (planted.has(id)) return { id, x: 40 + random.next() * 20, y: -30 - random.next() * 20, label: 'planted' };
      // A smooth 2-D distribution: a noisy ellipse traced slowly.
      const t = id / 60;
      return { id, x: 8 * Math.cos(t) + random.next(), y: 3 * Math.sin(t) + random.next(), label: 'normal' };
    });
    await put(records);
    const rows = await run(
      `SELECT STREAM * FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001"), 100, 256, 100000, 1))`,
      count,
    );
    expect(rows).toHaveLength(count);
    expect(rows.map((r) => r.id)).toEqual(records.map((r) => r.id));
    expect(Object.keys(rows[0]!)).toEqual(['id', 'x', 'y', 'label', 'ANOMALY_SCORE']);
    // The id column is numeric too, and read by the forest as KDA would: it grows steadily, so it does
    // not make any one record stand out.
    const ranked = [...rows].sort((a, b) => (b.ANOMALY_SCORE as number) - (a.ANOMALY_SCORE as number));
    const rank = new Map(ranked.map((r, i) => [r.id as number, i]));
    for (const id of planted) expect(rank.get(id)!, `planted record ${id}`).toBeLessThan(count * 0.02);
  });

  it('RANDOM_CUT_FOREST_WITH_EXPLANATION says which column made a record anomalous, and how', async () => {
    const rows = await run(
      `SELECT STREAM label, x, y, ANOMALY_SCORE, ANOMALY_EXPLANATION
       FROM TABLE(RANDOM_CUT_FOREST_WITH_EXPLANATION(CURSOR(SELECT STREAM x, y, label FROM "SOURCE_SQL_STREAM_001"), 100, 256, 100000, 1, true))`,
      3000,
    );
    const planted = rows.filter((r) => r.label === 'planted');
    expect(planted).toHaveLength(10);
    for (const r of planted) {
      const e = JSON.parse(r.ANOMALY_EXPLANATION as string) as Record<'x' | 'y', { DIRECTION: string; STRENGTH: string; ATTRIBUTION_SCORE: string }>;
      expect(e.x.DIRECTION).toBe('HIGH');
      expect(e.y.DIRECTION).toBe('LOW');
      expect(Number(e.x.ATTRIBUTION_SCORE) + Number(e.y.ATTRIBUTION_SCORE)).toBeCloseTo(r.ANOMALY_SCORE as number, 3);
    }
  });

  it('HOTSPOTS finds a planted dense region', async () => {
    await store.createStream('points', { shardCount: 1 });
    const random = new SeededRandom(5);
    const records = Array.from({ length: 1000 }, (_, id) => {
      const hot = random.next() < 0.2;
      return { id, x: hot ? 2 + random.next() : random.next() * 10, y: hot ? 6 + random.next() : random.next() * 10, label: hot ? 'Y' : 'N' };
    });
    await put(records, 'points');
    const rows = await run(`SELECT STREAM "x", "y", "HOTSPOTS_RESULT" FROM TABLE(HOTSPOTS(CURSOR(SELECT STREAM "x", "y" FROM "points"), 1000, 0.2, 17))`, 1000);
    const result = JSON.parse(rows[999]!.HOTSPOTS_RESULT as string) as { hotspots: { density: number; minValues: number[]; maxValues: number[] }[] };
    expect(result.hotspots).toHaveLength(1);
    const [hot] = result.hotspots;
    expect(hot!.minValues[0]).toBeGreaterThan(1.7);
    expect(hot!.maxValues[0]).toBeLessThan(3.3);
    expect(hot!.minValues[1]).toBeGreaterThan(5.7);
    expect(hot!.maxValues[1]).toBeLessThan(7.3);
    expect(hot!.density).toBeGreaterThan(10);
  });
});
