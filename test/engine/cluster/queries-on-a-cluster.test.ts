// Two engines on one three-node JetStream cluster stand for two Eddy processes: the SQL catalog is
// shared, a query started through one runs on exactly one of them, moves to the other when its process
// goes, and its result rows reach a subscriber on the process that does not run it.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/engine.js';
import { recordObjects as readStream } from '../../support/engine-stream.js';
import { StatementExecutor } from '../../../src/statements/index.js';
import { startNatsCluster, type NatsCluster } from '../../../scripts/nats-cluster.mjs';

let cluster: NatsCluster;
const engines = new Map<string, Engine>();
/** The windowed INSERT INTO query of the tests below. */
let counter: string;

async function startEngine(name: string): Promise<Engine> {
  const engine = await createEngine({
    nats: { servers: cluster.urls.split(',') },
    shardLimits: false,
    // Where each query runs is the subject here: balancing (which moves one of two queries on one process
    // to an idle other) is tested on its own, in queries-balanced-on-a-cluster.test.ts.
    // A query moves here only when its process stops, which gives its lease up at once: the timeout is
    // never waited for, and is long so that a renewal held up by a loaded machine does not move a query
    // (a lease lost that way is at-least-once, and the tests below count every row once).
    cluster: { process: name, leaseRenewMs: 200, leaseTimeoutMs: 10_000, balanceQueries: false },
    queries: { checkpointIntervalMs: 100, idleCheckIntervalMs: 50 },
  });
  engines.set(name, engine);
  return engine;
}

const sql = (engine: Engine, text: string) => new StatementExecutor(engine).execute(text);
const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

beforeAll(async () => {
  cluster = await startNatsCluster();
  await Promise.all([startEngine('a'), startEngine('b')]);
}, 90_000);

afterAll(async () => {
  for (const engine of engines.values()) await engine.close().catch(() => undefined);
  await cluster?.stop();
});


describe('continuous queries on a cluster of Eddy processes', () => {
  it('share the SQL catalog: a stream declared through one process has its schema in the other', async () => {
    const [a, b] = [engines.get('a')!, engines.get('b')!];
    await sql(a, "CREATE STREAM clicks (user_id VARCHAR, n INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND) WITH (shards = 2)");
    await sql(a, 'CREATE STREAM counts (window_end TIMESTAMP, user_id VARCHAR, total BIGINT) WITH (shards = 1)');
    await vi.waitFor(() => expect(b.catalog.stream('clicks')?.columns.map((c) => c.name)).toEqual(['user_id', 'n', 'ts']), { timeout: 30_000 });
  }, 60_000);

  it('run a query started through one process on exactly one of them, and list it in both', async () => {
    const [a, b] = [engines.get('a')!, engines.get('b')!];
    await sql(
      a,
      `INSERT INTO counts SELECT window_end, user_id, SUM(n) AS total
       FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start, window_end, user_id`,
    );
    const [started] = a.queries.listQueries();
    expect(started?.process).toBe('a');
    counter = started!.id;
    await vi.waitFor(() => expect(b.queries.listQueries().map((q) => [q.id, q.process])).toEqual([[started!.id, 'a']]), { timeout: 30_000 });
    // The process running it counts the checkpoints it saved; the other shows them as that one last told it.
    await vi.waitFor(() => expect(b.queries.queryStatus(counter).checkpoints.completed).toBeGreaterThan(0), { timeout: 30_000 });
    const told = b.queries.queryStatus(counter).checkpoints;
    const own = a.queries.queryStatus(counter).checkpoints;
    expect(own.completed).toBeGreaterThanOrEqual(told.completed);
    expect(own.lastCompletedAt).toBeGreaterThanOrEqual(told.lastCompletedAt!);
    expect(own.failed).toBe(0);
  }, 60_000);

  it('relay the rows of a query running on one process to a subscriber on the other', async () => {
    const [a, b] = [engines.get('a')!, engines.get('b')!];
    await sql(a, 'CREATE STREAM notes (body VARCHAR, n INT) WITH (shards = 1)');
    await vi.waitFor(() => expect(b.catalog.stream('notes')).toBeDefined(), { timeout: 30_000 });
    const [started] = await sql(a, 'SELECT body, n * 2 AS twice FROM notes');
    const id = (started as { query: { id: string } }).query.id;
    await vi.waitFor(() => expect(b.queries.queryStatus(id).process).toBe('a'), { timeout: 30_000 });
    const received: unknown[] = [];
    const subscription = b.queries.subscribe(id, { onRows: (rows) => void received.push(...rows) });
    // Rows travel once the running process has heard that b wants them (at most once before that).
    let sent = 0;
    await vi.waitFor(
      async () => {
        await a.store.putRecords('notes', [{ partitionKey: 'k', data: json({ body: `note ${sent}`, n: sent }) }]);
        sent++;
        expect(received.length).toBeGreaterThan(0);
      },
      { timeout: 30_000, interval: 100 },
    );
    const last = sent - 1;
    await vi.waitFor(() => expect(received).toContainEqual({ body: `note ${last}`, twice: last * 2 }), { timeout: 30_000 });
    subscription.unsubscribe();
    await a.queries.stopQuery(id);
    await vi.waitFor(() => expect(b.queries.listQueries().map((q) => q.id)).not.toContain(id), { timeout: 30_000 });
  }, 120_000);

  it('move a query to the other process when its process stops, resuming from its last checkpoint', async () => {
    const [a, b] = [engines.get('a')!, engines.get('b')!];
    /** Rows `from` to `to` (excluded): user u<i % 3> at second i, or every one at second `at`. */
    const put = (store: Engine['store'], from: number, to: number, at?: number) =>
      store.putRecords(
        'clicks',
        Array.from({ length: to - from }, (_, i) => ({ partitionKey: `u${(from + i) % 3}`, data: json({ user_id: `u${(from + i) % 3}`, n: 1, ts: new Date(Date.UTC(2024, 0, 1, 0, 0, at ?? from + i)).toISOString() }) })),
      );
    await put(a.store, 0, 20);
    await vi.waitFor(async () => expect((await readStream(b, 'counts')).length).toBeGreaterThan(0), { timeout: 30_000 });
    await a.close();
    engines.delete('a');
    await vi.waitFor(() => expect(b.queries.queryStatus(counter).process).toBe('b'), { timeout: 30_000 });
    await put(b.store, 20, 40);
    // A row of every user at second 60 takes the watermark of every shard past the windows of seconds 0 to 39.
    await put(b.store, 60, 63, 60);
    const expected = Array.from({ length: 40 }, (_, s) => ({ window_end: new Date(Date.UTC(2024, 0, 1, 0, 0, s + 1)).toISOString(), user_id: `u${s % 3}`, total: 1 }));
    await vi.waitFor(async () => expect(new Set((await readStream(b, 'counts')).map((r) => JSON.stringify(r))).size).toBe(40), { timeout: 20_000 });
    const rows = await readStream(b, 'counts');
    // A clean stop writes a final checkpoint, so the process taking over emits nothing twice.
    expect(rows.length).toBe(40);
    expect(new Set(rows.map((r) => JSON.stringify(r)))).toEqual(new Set(expected.map((r) => JSON.stringify(r))));
  }, 120_000);
});
