// The demo pipelines under examples/ run end to end as a newcomer runs them: `node examples/<name>/run.mjs`
// as a child process against a listening Eddy, with a small seeded data set. What they print and the
// files Firehose delivers are checked against DuckDB computing the same windows over the records that
// actually reached the input stream.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, runExample, startExampleServer, type ExampleServer } from './example-harness.js';

let eddy: ExampleServer;
let duckdb: DuckDBConnection;

beforeAll(async () => {
  eddy = await startExampleServer();
  duckdb = await (await DuckDBInstance.create(':memory:')).connect();
});

afterAll(async () => {
  duckdb?.closeSync();
  await eddy?.close();
});

/** Every record in a stream, read back through the Kinesis API from the start of each shard. */
async function readStream(stream: string): Promise<Record<string, unknown>[]> {
  const kinesis = new KinesisClient({ endpoint: eddy.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  try {
    const out: Record<string, unknown>[] = [];
    const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
    for (const shard of Shards) {
      let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      while (iterator) {
        const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        const records = page.Records ?? [];
        for (const r of records) out.push(JSON.parse(Buffer.from(r.Data!).toString('utf8')) as Record<string, unknown>);
        iterator = records.length > 0 ? page.NextShardIterator : undefined;
      }
    }
    return out;
  } finally {
    kinesis.destroy();
  }
}

/** Loads rows into a DuckDB table; `ts` (ISO-8601 text) becomes `ts_ms`, epoch milliseconds. */
async function load(table: string, columns: Record<string, 'VARCHAR' | 'DOUBLE' | 'BIGINT'>, rows: readonly Record<string, unknown>[]): Promise<void> {
  const names = Object.keys(columns);
  await duckdb.run(`CREATE OR REPLACE TABLE ${table} (${names.map((n) => `${n} ${columns[n]}`).join(', ')})`);
  const appender = await duckdb.createAppender(table);
  for (const row of rows) {
    for (const n of names) {
      const v = n === 'ts_ms' ? Date.parse(row['ts'] as string) : row[n];
      if (v === null || v === undefined) appender.appendNull();
      else if (columns[n] === 'VARCHAR') appender.appendVarchar(String(v));
      else if (columns[n] === 'DOUBLE') appender.appendDouble(Number(v));
      else appender.appendBigInt(BigInt(v as number));
    }
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const rows = (await duckdb.runAndReadAll(sql)).getRowObjectsJS();
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
}

/** Windows as Eddy builds them: epoch-aligned, half-open, each row in every hopping window that holds it. */
const hopping = (table: string, slideMs: number, sizeMs: number) =>
  `(SELECT unnest(range((ts_ms // ${slideMs}) * ${slideMs} - ${sizeMs - slideMs}, (ts_ms // ${slideMs}) * ${slideMs} + 1, ${slideMs})) AS ws, ws + ${sizeMs} AS we, * FROM ${table})`;
const iso = (column: string) => `strftime(make_timestamp(${column} * 1000), '%Y-%m-%dT%H:%M:%S.%g') || 'Z'`;

const sortBy = <T>(rows: T[], key: (r: T) => string): T[] => [...rows].sort((a, b) => key(a).localeCompare(key(b)));

describe('examples/fraud-detection', () => {
  it('alerts every planted fraud and nothing else, prints each alert, and delivers them all to JSON lines files', async () => {
    const run = await runExample('fraud-detection', [
      ...['--endpoint', eddy.endpoint, '--files-root', eddy.filesRoot],
      ...['--seed', '7', '--cards', '120', '--minutes', '15', '--rate', '0', '--buffer-seconds', '0', '--timeout', '15'],
    ]);
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(0);

    // The producer says which frauds it planted; each is alerted by the rule meant to catch it.
    const planted = run.lines.flatMap((l) => {
      const m = /^ {2}(card-\d+) {2}.* \(expect a '(\w+)' alert\)$/.exec(l);
      return m ? [{ card: m[1]!, rule: m[2]! }] : [];
    });
    expect(planted.map((p) => p.rule).sort()).toEqual(['geo', 'geo', 'spend', 'spend', 'velocity', 'velocity']);
    const printed = run.lines.flatMap((l) => {
      const m = /^ALERT (\w+) +(card-\d+) {2}window (\d\d:\d\d)-(\d\d:\d\d) +(\d+) txns +([\d.]+) spent {2}(\d+) countr/.exec(l);
      return m ? [{ rule: m[1]!, card: m[2]!, from: m[3]!, to: m[4]!, txns: Number(m[5]), spent: Number(m[6]), countries: Number(m[7]) }] : [];
    });
    for (const p of planted) expect(printed.some((a) => a.card === p.card && a.rule === p.rule), `${p.card} ${p.rule}`).toBe(true);
    expect(new Set(printed.map((a) => a.card))).toEqual(new Set(planted.map((p) => p.card)));
    expect(run.stdout).toContain('Planted fraud caught: 6/6; cards alerted without planted fraud: none');

    // DuckDB, over the transactions that reached the stream (less the closing heartbeats), finds the same alerts.
    const transactions = (await readStream('transactions')).filter((t) => t['card_id'] !== 'heartbeat');
    expect(transactions.length).toBeGreaterThan(200);
    await load('transactions', { card_id: 'VARCHAR', amount: 'DOUBLE', country: 'VARCHAR', ts_ms: 'BIGINT' }, transactions);
    const columns = (rule: string) =>
      `card_id, '${rule}' AS rule, ${iso('ws')} AS window_start, ${iso('we')} AS window_end, count(*) AS txn_count, round(sum(amount), 2) AS total_amount, count(DISTINCT country) AS countries`;
    const expected = await query(`
      SELECT ${columns('velocity')} FROM ${hopping('transactions', 60_000, 300_000)} GROUP BY card_id, ws, we HAVING count(*) >= 5
      UNION ALL SELECT ${columns('spend')} FROM ${hopping('transactions', 60_000, 300_000)} GROUP BY card_id, ws, we HAVING sum(amount) > 2000
      UNION ALL SELECT ${columns('geo')} FROM ${hopping('transactions', 600_000, 600_000)} GROUP BY card_id, ws, we HAVING count(DISTINCT country) > 1`);
    const key = (a: Record<string, unknown>) => `${a['card_id']} ${a['rule']} ${a['window_start']}`;
    expect(expected.length).toBeGreaterThanOrEqual(6);
    expect(sortBy(printed, (a) => `${a.card} ${a.rule} ${a.from}`)).toEqual(
      sortBy(expected, key).map((a) => ({
        rule: a['rule'],
        card: a['card_id'],
        from: String(a['window_start']).slice(11, 16),
        to: String(a['window_end']).slice(11, 16),
        txns: a['txn_count'],
        spent: a['total_amount'],
        countries: a['countries'],
      })),
    );

    // Firehose wrote every alert once, as JSON lines, under the bucket's alerts/yyyy/MM/dd/HH/ prefix.
    const bucket = join(eddy.filesRoot, 'fraud-alerts');
    const files = await filesUnder(bucket);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f).toMatch(/^alerts\/\d{4}\/\d\d\/\d\d\/\d\d\/fraud-alerts-archive-1-\d{4}(-\d\d){5}-[0-9a-f-]{36}$/);
    const delivered = [];
    for (const f of files) {
      const text = await readFile(join(bucket, f), 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      delivered.push(...text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>));
    }
    expect(sortBy(delivered, key)).toEqual(sortBy(expected, key));
  });
});

describe('examples/clickstream', () => {
  it('prints every page count per minute and the active users of every five-minute window, and delivers every raw click to hourly Parquet files', async () => {
    const run = await runExample('clickstream', [
      ...['--endpoint', eddy.endpoint, '--files-root', eddy.filesRoot],
      ...['--seed', '11', '--users', '60', '--minutes', '4', '--rate', '0', '--buffer-seconds', '0', '--timeout', '15'],
    ]);
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(0);

    const clicks = (await readStream('clicks')).filter((c) => c['user_id'] !== 'heartbeat');
    expect(clicks.length).toBeGreaterThan(100);
    await load('clicks', { user_id: 'VARCHAR', url: 'VARCHAR', referrer: 'VARCHAR', duration_ms: 'BIGINT', ts_ms: 'BIGINT' }, clicks);

    // `PAGES  09:03  105 views  / 24, /docs/quickstart 14, …`: every page of every minute.
    const printedPages = run.lines.flatMap((l) => {
      const m = /^PAGES {2}(\d\d:\d\d) +(\d+) views {2}(.*)$/.exec(l);
      if (!m) return [];
      return m[3]!.split(', ').map((p) => {
        const [url, views] = p.split(' ');
        return { minute: m[1]!, url: url!, views: Number(views) };
      });
    });
    const pageCounts = await query(`SELECT strftime(make_timestamp((ts_ms // 60000) * 60000 * 1000), '%H:%M') AS minute, url, count(*) AS views FROM clicks GROUP BY ALL`);
    const pageKey = (r: Record<string, unknown>) => `${r['minute']} ${r['url']}`;
    expect(pageCounts.length).toBeGreaterThan(10);
    expect(sortBy(printedPages, pageKey)).toEqual(sortBy(pageCounts, pageKey));

    // `ACTIVE 08:56-09:01   24 users   29 views`: distinct visitors in each five-minute window, every minute.
    const printedActive = run.lines.flatMap((l) => {
      const m = /^ACTIVE (\d\d:\d\d)-(\d\d:\d\d) +(\d+) users +(\d+) views$/.exec(l);
      return m ? [{ from: m[1]!, to: m[2]!, users: Number(m[3]), views: Number(m[4]) }] : [];
    });
    const active = await query(`
      SELECT strftime(make_timestamp(ws * 1000), '%H:%M') AS "from", strftime(make_timestamp(we * 1000), '%H:%M') AS "to",
        count(DISTINCT user_id) AS users, count(*) AS views
      FROM ${hopping('clicks', 60_000, 300_000)} GROUP BY ws, we`);
    expect(active.length).toBe(4 + 4);
    expect(sortBy(printedActive, (r) => r.from)).toEqual(sortBy(active, (r) => String(r['from'])));

    // Firehose converted every raw click (and the two closing heartbeats) to Parquet under hour partitions.
    const bucket = join(eddy.filesRoot, 'clickstream');
    const files = await filesUnder(bucket);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f).toMatch(/^clicks\/year=\d{4}\/month=\d\d\/day=\d\d\/hour=\d\d\/clicks-to-parquet-1-\d{4}(-\d\d){5}-[0-9a-f-]{36}\.parquet$/);
    const parquet = files.map((f) => `'${join(bucket, f)}'`).join(', ');
    const types = await query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet([${parquet}], hive_partitioning = false))`);
    expect(types).toEqual([
      { column_name: 'user_id', column_type: 'VARCHAR' },
      { column_name: 'url', column_type: 'VARCHAR' },
      { column_name: 'referrer', column_type: 'VARCHAR' },
      { column_name: 'duration_ms', column_type: 'INTEGER' },
      { column_name: 'ts', column_type: 'TIMESTAMP WITH TIME ZONE' },
    ]);
    await duckdb.run(`CREATE OR REPLACE TABLE delivered AS SELECT user_id, url, referrer, duration_ms::BIGINT AS duration_ms, epoch_ms(ts) AS ts_ms FROM read_parquet([${parquet}], hive_partitioning = false)`);
    expect(await query(`SELECT count(*) AS n, count(*) FILTER (WHERE user_id = 'heartbeat') AS heartbeats FROM delivered`)).toEqual([{ n: clicks.length + 2, heartbeats: 2 }]);
    expect(await query(`SELECT count(*) AS missing FROM (SELECT * FROM clicks EXCEPT ALL SELECT * FROM delivered)`)).toEqual([{ missing: 0 }]);
  });
});

describe('examples without a server', () => {
  it('say where they looked and how to start Eddy, and exit non-zero', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const run = await runExample('clickstream', ['--endpoint', `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: cannot reach Eddy at http://127.0.0.1:${port} (ECONNREFUSED); start it with \`npm start\` or pass --endpoint\n`);
  });
});
