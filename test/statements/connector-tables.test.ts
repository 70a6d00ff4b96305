// Flink's CREATE TABLE … WITH ('connector' = …) through the statement executor: a filesystem table's
// rows end up in files under the files root, written by a delivery stream of the table's name; a print
// table's rows go to the subscribers of the query that inserts into it; DROP TABLE removes what CREATE
// TABLE made.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/index.js';
import type { Row } from '../../src/engine/batch/rows.js';
import { StatementExecutor } from '../../src/statements/index.js';

let root: string;
let engine: Engine;
let statements: StatementExecutor;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'eddy-tables-'));
  engine = await createEngine({ dataDir: join(root, 'data'), fsync: 'never', shardLimits: false });
  statements = new StatementExecutor(engine);
  await statements.execute("CREATE TABLE bids (auction BIGINT, price DOUBLE) WITH ('connector' = 'kinesis', 'format' = 'json')");
});

afterEach(async () => {
  await engine.close();
  await rm(root, { recursive: true, force: true });
});

const put = (records: readonly object[]) =>
  engine.store.putRecords('bids', records.map((r, i) => ({ partitionKey: `p${i}`, data: new TextEncoder().encode(JSON.stringify(r)) })));

async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setImmediate(r));
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('CREATE TABLE with a connector', () => {
  it('writes a filesystem table’s rows to files through a delivery stream of its name', async () => {
    const [created] = await statements.execute("CREATE TABLE archive (auction BIGINT, price DOUBLE) WITH ('connector' = 'filesystem', 'path' = 's3://archive/bids/')");
    expect(created).toMatchObject({ kind: 'createStream', action: 'created', message: "Stream 'archive' created with 1 shard; delivery stream 'archive' writes its records to s3://archive/bids/ as JSON lines" });
    const [insert] = await statements.execute('INSERT INTO archive SELECT auction, price * 2 FROM bids WHERE price > 1');
    const id = insert?.kind === 'insert' ? insert.query.id : '';
    await put([{ auction: 1, price: 5 }, { auction: 2, price: 0.5 }, { auction: 3, price: 10 }]);
    await until(() => engine.queries.queryStatus(id).outputRows === 2);
    await engine.close();
    const files = await filesUnder(join(root, 'data', 'files', 'archive', 'bids'));
    const lines = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('').trim().split('\n').map((l) => JSON.parse(l) as object);
    expect(lines.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([{ auction: 1, price: 10 }, { auction: 3, price: 20 }]);
    engine = await createEngine({ dataDir: join(root, 'data'), fsync: 'never', shardLimits: false });
    statements = new StatementExecutor(engine);
    const [dropped] = await statements.execute('DROP TABLE archive');
    expect(dropped).toMatchObject({ kind: 'dropStream', dropped: true, message: "Stream 'archive' dropped, with its delivery stream" });
    expect(engine.delivery?.listDeliveryStreams().names).toEqual([]);
  });

  it('buffers a filesystem table’s files as its rolling policy says', async () => {
    await statements.execute(
      "CREATE TABLE rolled (auction BIGINT) WITH ('connector' = 'filesystem', 'path' = 's3://archive/rolled/', 'sink.rolling-policy.rollover-interval' = '30 s', 'sink.rolling-policy.file-size' = '64MB')",
    );
    expect(engine.delivery!.describeDeliveryStream('rolled').record.destination.BufferingHints).toEqual({ IntervalInSeconds: 30, SizeInMBs: 64 });
    await expect(statements.execute("CREATE TABLE r2 (a BIGINT) WITH ('connector' = 'filesystem', 'path' = 's3://archive/r2/', 'sink.rolling-policy.rollover-interval' = '20 min')")).rejects.toThrow(
      "sink.rolling-policy.rollover-interval must be whole seconds from 0 to 900, such as '30 s' or '5 min', got '20 min'",
    );
  });

  it('writes Parquet files when the filesystem table asks for them', async () => {
    await statements.execute("CREATE TABLE pq (auction BIGINT, price DOUBLE) WITH ('connector' = 'filesystem', 'path' = 's3://archive/pq/', 'format' = 'parquet')");
    const [insert] = await statements.execute('INSERT INTO pq SELECT auction, price FROM bids');
    const id = insert?.kind === 'insert' ? insert.query.id : '';
    await put([{ auction: 1, price: 5 }]);
    await until(() => engine.queries.queryStatus(id).outputRows === 1);
    await engine.close();
    const files = await filesUnder(join(root, 'data', 'files', 'archive', 'pq'));
    expect(files).toHaveLength(1);
    expect((await readFile(files[0]!)).subarray(0, 4).toString()).toBe('PAR1');
  });

  it('sends the rows inserted into a print table to the query’s subscribers, and lists tables', async () => {
    await statements.execute("CREATE TABLE console (auction BIGINT, cheap BOOLEAN) WITH ('connector' = 'print'); CREATE TABLE nowhere (n BIGINT) WITH ('connector' = 'blackhole')");
    const [insert] = await statements.execute('INSERT INTO console SELECT auction, price < 1 FROM bids');
    const id = insert?.kind === 'insert' ? insert.query.id : '';
    const rows: Row[] = [];
    const two = new Promise<void>((resolve) =>
      engine.queries.subscribe(id, {
        onRows: (r) => {
          rows.push(...r);
          if (rows.length >= 2) resolve();
        },
      }),
    );
    await put([{ auction: 1, price: 5 }, { auction: 2, price: 0.5 }]);
    await two;
    expect(rows.sort((a, b) => Number(a.auction) - Number(b.auction))).toEqual([{ auction: 1, cheap: false }, { auction: 2, cheap: true }]);
    const [tables] = await statements.execute('SHOW TABLES');
    expect(tables?.kind === 'showTables' && tables.rows.map(({ name, kind, columns }) => ({ name, kind, columns }))).toEqual([
      { name: 'bids', kind: 'kinesis', columns: 'auction BIGINT, price DOUBLE' },
      { name: 'console', kind: 'print', columns: 'auction BIGINT, cheap BOOLEAN' },
      { name: 'nowhere', kind: 'blackhole', columns: 'n BIGINT' },
    ]);
    await statements.deleteQuery(id);
    const dropped = await statements.execute('DROP TABLE console; DROP TABLE IF EXISTS console');
    expect(dropped.map((r) => r.kind === 'dropTable' && r.dropped)).toEqual([true, false]);
  });
});
