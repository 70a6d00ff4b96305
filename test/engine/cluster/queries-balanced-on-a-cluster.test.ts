// Queries spread over the processes of a cluster as processes join: four windowed INSERT INTO queries run
// on the one process there is; when a second joins, the first hands two of them over (each stopped with a
// final checkpoint, then taken up by the newcomer from it), and every query's output is whole, each row
// once, as if nothing had moved.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/engine.js';
import { recordTexts as readStream } from '../../support/engine-stream.js';
import { StatementExecutor } from '../../../src/statements/index.js';
import { startNatsCluster, type NatsCluster } from '../../../scripts/nats-cluster.mjs';

let cluster: NatsCluster;
const engines: Engine[] = [];

async function startEngine(name: string): Promise<Engine> {
  const engine = await createEngine({
    nats: { servers: cluster.urls.split(',') },
    shardLimits: false,
    // One handover per lease timeout: short enough for both to happen soon, long enough that a renewal
    // held up by a loaded machine does not lose a lease (the query would then go on from its last
    // checkpoint, not a final one, and emit rows twice: this test counts every row once).
    cluster: { process: name, leaseRenewMs: 200, leaseTimeoutMs: 3_000 },
    queries: { checkpointIntervalMs: 100, idleCheckIntervalMs: 50 },
  });
  engines.push(engine);
  return engine;
}

const sql = (engine: Engine, text: string) => new StatementExecutor(engine).execute(text);
const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

beforeAll(async () => {
  cluster = await startNatsCluster();
}, 90_000);

afterAll(async () => {
  for (const engine of engines) await engine.close().catch(() => undefined);
  await cluster?.stop();
});


describe('continuous queries on a cluster that grows', () => {
  it('hand half their queries to a process that joins, each resuming from a final checkpoint: every row once', async () => {
    const a = await startEngine('a');
    await sql(a, "CREATE STREAM clicks (user_id VARCHAR, n INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND) WITH (shards = 2)");
    const outputs = ['c1', 'c2', 'c3', 'c4'];
    const ids: string[] = [];
    for (const [i, out] of outputs.entries()) {
      await sql(a, `CREATE STREAM ${out} (window_end TIMESTAMP, user_id VARCHAR, total BIGINT) WITH (shards = 1)`);
      // Each query weighs the clicks differently, so each output is its own.
      const [started] = await sql(
        a,
        `INSERT INTO ${out} SELECT window_end, user_id, SUM(n * ${i + 1}) AS total
         FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start, window_end, user_id`,
      );
      ids.push((started as { query: { id: string } }).query.id);
    }
    const runBy = (engine: Engine) => ids.map((id) => engine.queries.queryStatus(id).process);
    expect(runBy(a)).toEqual(['a', 'a', 'a', 'a']);
    /** Clicks `from` to `to` (excluded): user u<i % 3> at second i, or every one at second `at`. */
    const put = (engine: Engine, from: number, to: number, at?: number) =>
      engine.store.putRecords(
        'clicks',
        Array.from({ length: to - from }, (_, i) => ({ partitionKey: `u${(from + i) % 3}`, data: json({ user_id: `u${(from + i) % 3}`, n: 1, ts: new Date(Date.UTC(2024, 0, 1, 0, 0, at ?? from + i)).toISOString() }) })),
      );
    await put(a, 0, 20);
    await vi.waitFor(async () => {
      for (const out of outputs) expect((await readStream(a, out)).length).toBeGreaterThan(0);
    }, { timeout: 20_000 });

    const b = await startEngine('b');
    await vi.waitFor(() => expect(runBy(b).filter((p) => p === 'b')).toHaveLength(2), { timeout: 20_000, interval: 100 });
    await vi.waitFor(() => expect(runBy(a).sort()).toEqual(['a', 'a', 'b', 'b']), { timeout: 30_000, interval: 100 });
    // Balanced: two each, and it stays so.
    await put(b, 20, 40);
    // A row of every user at second 60 takes every shard's watermark past the windows of seconds 0 to 39.
    await put(a, 60, 63, 60);
    for (const [i, out] of outputs.entries()) {
      const expected = Array.from({ length: 40 }, (_, s) => JSON.stringify({ window_end: new Date(Date.UTC(2024, 0, 1, 0, 0, s + 1)).toISOString(), user_id: `u${s % 3}`, total: i + 1 }));
      await vi.waitFor(async () => expect(new Set(await readStream(b, out)).size).toBe(40), { timeout: 30_000, interval: 200 });
      const rows = await readStream(b, out);
      // Handed over with a final checkpoint: the process taking a query up emits nothing twice.
      expect(rows.length, out).toBe(40);
      expect(new Set(rows)).toEqual(new Set(expected));
    }
    expect(runBy(a).sort()).toEqual(['a', 'a', 'b', 'b']);
  }, 120_000);
});
