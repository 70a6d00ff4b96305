// Kinesis Data Analytics SQL applications end to end: the developer guide's kinds of application
// (tumbling windows on ROWTIME and on event time, sliding windows, continuous filters, record types split
// into streams by several chained pumps, reference-data joins), written afresh, compiled through
// compileKdaApplication and run, or pasted into /v1/sql against a stream named SOURCE_SQL_STREAM_001.
// Records go in through the Kinesis API with the engine's clock setting their arrival time (ROWTIME), in
// every batching; outputs are read back through the Kinesis API and checked against DuckDB computing the
// same thing over the same rows in batch.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateApplicationCommand, KinesisAnalyticsClient, StartApplicationCommand } from '@aws-sdk/client-kinesis-analytics';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ManualClock } from '../../src/engine/index.js';
import { IMMEDIATE_STREAM_TRANSITIONS } from '../../src/server/app.js';
import { buildEddyApp } from '../../src/server/eddy-app.js';
import { applicationStreamName, compileKdaApplication, type KdaApplicationSource } from '../../src/sql/index.js';
import { StatementExecutor } from '../../src/statements/index.js';
import { credentials, expectSameRows, Oracle, prng, startEddy, tempDir, type Eddy } from './e2e-harness.js';

const T0 = Date.parse('2026-11-02T09:00:00Z');
const clock = new ManualClock(T0);
let eddy: Eddy;
let oracle: Oracle;
let executor: StatementExecutor;
let dir: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  dir = await tempDir();
  oracle = await Oracle.open();
  eddy = await startEddy({ clock, dataDir: dir.path });
  const { store, catalog, queries, tables } = eddy.engine;
  executor = new StatementExecutor({ store, catalog, queries, ...(tables ? { tables } : {}) });
});
afterAll(async () => {
  await eddy?.close();
  oracle?.close();
  await dir?.remove();
});

interface Trade {
  readonly TICKER: string;
  readonly SECTOR: string;
  readonly PRICE: number;
  readonly EVENT_TIME: string;
  readonly KIND: 'trade' | 'quote';
}
/** A record with the arrival time (ROWTIME) it is put at. */
interface Arrival {
  readonly at: number;
  readonly data: Trade;
}

const TICKERS = [
  ['AMZN', 'TECH'],
  ['ACME', 'RETAIL'],
  ['WXYZ', 'ENERGY'],
  ['QRST', 'TECH'],
] as const;

/** Records over about four minutes of arrival time, several at one millisecond, event times up to 20 s earlier. */
function arrivals(n: number, seed: number): Arrival[] {
  const random = prng(seed);
  const out: Arrival[] = [];
  let at = T0 + 500;
  for (let i = 0; i < n; i++) {
    at += random() < 0.2 ? 0 : Math.floor(random() * 1500);
    const [ticker, sector] = TICKERS[Math.floor(random() * TICKERS.length)]!;
    const price = Math.round(random() * 10_000) / 100;
    const kind = random() < 0.7 ? 'trade' : 'quote';
    out.push({ at, data: { TICKER: ticker, SECTOR: sector, PRICE: price, EVENT_TIME: new Date(at - Math.floor(random() * 20_000)).toISOString(), KIND: kind } });
  }
  return out;
}

/**
 * Ways to put the same records: one PutRecords per arrival time, every record alone, and random
 * groupings of records of one arrival time (a put carries one arrival time, as the clock stands).
 */
function batchings(records: readonly Arrival[], seed: number): Arrival[][][] {
  const byTime: Arrival[][] = [];
  for (const r of records) {
    const last = byTime[byTime.length - 1];
    if (last && last[0]!.at === r.at) last.push(r);
    else byTime.push([r]);
  }
  const random = prng(seed);
  const split = byTime.flatMap((group) => {
    const parts: Arrival[][] = [];
    let part: Arrival[] = [];
    for (const r of group) {
      part.push(r);
      if (random() < 0.5) {
        parts.push(part);
        part = [];
      }
    }
    if (part.length > 0) parts.push(part);
    return parts;
  });
  return [byTime, records.map((r) => [r]), split];
}

async function createInput(name: string): Promise<void> {
  await eddy.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
}

async function put(stream: string, batches: readonly Arrival[][]): Promise<void> {
  for (const batch of batches) {
    clock.set(batch[0]!.at);
    const out = await eddy.kinesis.send(
      new PutRecordsCommand({ StreamName: stream, Records: batch.map((r) => ({ PartitionKey: r.data.TICKER, Data: Buffer.from(JSON.stringify(r.data)) })) }),
    );
    expect(out.FailedRecordCount).toBe(0);
  }
}

async function readStream(stream: string): Promise<Record<string, unknown>[]> {
  const shards = await eddy.kinesis.send(new ListShardsCommand({ StreamName: stream }));
  const out: Record<string, unknown>[] = [];
  for (const s of shards.Shards ?? []) {
    let iterator = (await eddy.kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: s.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    for (;;) {
      const got = await eddy.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator! }));
      for (const r of got.Records ?? []) out.push(JSON.parse(Buffer.from(r.Data!).toString('utf8')) as Record<string, unknown>);
      if ((got.Records ?? []).length === 0 || got.MillisBehindLatest === 0) break;
      iterator = got.NextShardIterator;
    }
  }
  return out;
}

/** Waits (polling the stream, no fixed sleep) until it holds `count` records, then reads them. */
async function recordsOf(stream: string, count: number): Promise<Record<string, unknown>[]> {
  await vi.waitFor(async () => expect((await readStream(stream)).length).toBeGreaterThanOrEqual(count), { timeout: 20_000, interval: 50 });
  return readStream(stream);
}

const TRADE_COLUMNS = [
  { name: 'TICKER', sqlType: 'VARCHAR(4)', mapping: '$.TICKER' },
  { name: 'SECTOR', sqlType: 'VARCHAR(16)', mapping: '$.SECTOR' },
  { name: 'PRICE', sqlType: 'REAL', mapping: '$.PRICE' },
  { name: 'EVENT_TIME', sqlType: 'TIMESTAMP', mapping: '$.EVENT_TIME' },
  { name: 'KIND', sqlType: 'VARCHAR(8)', mapping: '$.KIND' },
];

function application(name: string, stream: string, code: string, extra: Partial<KdaApplicationSource> = {}): KdaApplicationSource {
  return { name, code, inputs: [{ namePrefix: 'SOURCE_SQL_STREAM', stream, columns: TRADE_COLUMNS, format: { type: 'JSON', recordRowPath: '$' } }], ...extra };
}

async function start(app: KdaApplicationSource): Promise<void> {
  await executor.executeCompiled((catalog) => ({ statements: compileKdaApplication(app, catalog).statements, script: app.code }));
}

async function loadOracle(records: readonly Arrival[]): Promise<void> {
  await oracle.load(
    'src',
    { ticker: 'VARCHAR', sector: 'VARCHAR', price: 'DOUBLE', event_ms: 'BIGINT', kind: 'VARCHAR', rowtime_ms: 'BIGINT', seq: 'BIGINT' },
    records.map((r, seq) => ({ ticker: r.data.TICKER, sector: r.data.SECTOR, price: r.data.PRICE, event_ms: Date.parse(r.data.EVENT_TIME), kind: r.data.KIND, rowtime_ms: r.at, seq })),
  );
}

const iso = (ms: number) => new Date(ms).toISOString();

const TUMBLING_ROWTIME = `
  -- Per ticker, each minute of arrival: the lowest and highest price and how many trades.
  CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), min_price DOUBLE, max_price DOUBLE, trades INTEGER);
  CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM ticker, MIN(price) AS min_price, MAX(price) AS max_price, COUNT(*) AS trades
    FROM "SOURCE_SQL_STREAM_001"
    GROUP BY ticker, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '60' SECOND);`;

describe('KDA applications through compileKdaApplication', () => {
  const records = arrivals(240, 7);
  const last = records[records.length - 1]!.at;

  it('a tumbling window on ROWTIME (GROUP BY STEP) emits one row per ticker and minute as the minute closes, in every batching', async () => {
    await loadOracle(records);
    // Windows whose end the last arrival has reached are closed; DuckDB over the same rows.
    const expected = await oracle.rows(`SELECT ticker AS TICKER_SYMBOL, min(price) AS MIN_PRICE, max(price) AS MAX_PRICE, count(*)::INTEGER AS TRADES
      FROM src WHERE (rowtime_ms // 60000 + 1) * 60000 <= ${last} GROUP BY ticker, rowtime_ms // 60000`);
    expect(expected.length).toBeGreaterThanOrEqual(8);
    for (const [i, batching] of batchings(records, 11).entries()) {
      await createInput(`trades-${i}`);
      await start(application(`tumbling-${i}`, `trades-${i}`, TUMBLING_ROWTIME));
      await put(`trades-${i}`, batching);
      const rows = await recordsOf(applicationStreamName(`tumbling-${i}`, 'DESTINATION_SQL_STREAM'), expected.length);
      // Unquoted names are upper-cased, as KDA does: the stream's columns are TICKER_SYMBOL, MIN_PRICE, …
      expectSameRows(rows, expected.map((r) => ({ ...r, MIN_PRICE: r['MIN_PRICE'], MAX_PRICE: r['MAX_PRICE'] })), ['TICKER_SYMBOL', 'MIN_PRICE', 'TRADES']);
    }
  });

  it('KDA\'s two-window pattern: the window on ROWTIME, FLOOR(EVENT_TIME TO MINUTE) a key beside it', async () => {
    await loadOracle(records);
    const code = `
      CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" ("event_minute" TIMESTAMP, "ticker" VARCHAR(4), "n" BIGINT);
      CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM FLOOR(EVENT_TIME TO MINUTE), TICKER, COUNT(*) AS "n"
        FROM "SOURCE_SQL_STREAM_001"
        GROUP BY TICKER, FLOOR(EVENT_TIME TO MINUTE), STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '1' MINUTE);`;
    const expected = (
      await oracle.rows(`SELECT (event_ms // 60000) * 60000 AS event_minute_ms, ticker, count(*) AS n
        FROM src WHERE (rowtime_ms // 60000 + 1) * 60000 <= ${last} GROUP BY ticker, event_ms // 60000, rowtime_ms // 60000`)
    ).map((r) => ({ ...r, event_minute: String(r['event_minute']).replace('.000Z', 'Z') }));
    await createInput('trades-two');
    await start(application('two-windows', 'trades-two', code));
    await put('trades-two', batchings(records, 3)[2]!);
    const rows = await recordsOf(applicationStreamName('two-windows', 'DESTINATION_SQL_STREAM'), expected.length);
    const normal = rows.map((r) => ({ ...r, event_minute: new Date(String(r['event_minute'])).toISOString().replace('.000Z', 'Z') }));
    // The same (ticker, event minute) may come from two ROWTIME windows: compare them as multisets.
    const key = (r: Record<string, unknown>) => `${String(r['ticker'])} ${String(r['event_minute'])} ${String(r['n'])}`;
    expect(normal.map(key).sort()).toEqual(expected.map(key).sort());
  });

  it('a sliding window (WINDOW W1 AS (PARTITION BY … RANGE INTERVAL \'1\' MINUTE PRECEDING)) gives a row per input row', async () => {
    const mine = arrivals(120, 21);
    const sentinel: Arrival = { at: mine[mine.length - 1]!.at + 1, data: { ...mine[0]!.data, TICKER: 'ZZZZ' } };
    await loadOracle(mine);
    const code = `
      CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), price DOUBLE, avg_price DOUBLE, max_price DOUBLE, n BIGINT);
      CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM ticker, price, AVG(price) OVER W1 AS avg_price, MAX(price) OVER W1 AS max_price, COUNT(*) OVER W1 AS n
        FROM "SOURCE_SQL_STREAM_001"
        WINDOW W1 AS (PARTITION BY ticker RANGE INTERVAL '1' MINUTE PRECEDING);`;
    const expected = await oracle.rows(`SELECT ticker AS TICKER_SYMBOL, price AS PRICE,
        avg(price) OVER w AS AVG_PRICE, max(price) OVER w AS MAX_PRICE, count(*) OVER w AS N, seq
      FROM src WINDOW w AS (PARTITION BY ticker ORDER BY rowtime_ms RANGE BETWEEN 60000 PRECEDING AND CURRENT ROW)`);
    await createInput('trades-sliding');
    await start(application('sliding', 'trades-sliding', code));
    const batches = batchings(mine, 5)[2]!;
    await put('trades-sliding', [...batches, [sentinel]]);
    const rows = await recordsOf(applicationStreamName('sliding', 'DESTINATION_SQL_STREAM'), expected.length);
    expect(rows).toHaveLength(expected.length);
    const key = (r: Record<string, unknown>) => `${String(r['TICKER_SYMBOL'])} ${Number(r['PRICE']).toFixed(2)} ${String(r['N'])} ${Number(r['MAX_PRICE']).toFixed(2)} ${Number(r['AVG_PRICE']).toFixed(6)}`;
    expect(rows.map(key).sort()).toEqual(expected.map(key).sort());
  });

  it('record types split into streams by several pumps, one chained after another, with continuous filters', async () => {
    const mine = arrivals(150, 33);
    await loadOracle(mine);
    const code = `
      CREATE OR REPLACE STREAM "TRADES" (ticker VARCHAR(4), sector VARCHAR(16), price DOUBLE);
      CREATE OR REPLACE STREAM "QUOTES" (ticker VARCHAR(4), price DOUBLE);
      CREATE OR REPLACE STREAM "BIG_TECH_TRADES" (ticker VARCHAR(4), price DOUBLE, cents INTEGER);
      CREATE OR REPLACE PUMP "TRADE_PUMP" AS INSERT INTO "TRADES"
        SELECT STREAM ticker, sector, price FROM "SOURCE_SQL_STREAM_001" WHERE kind = 'trade';
      CREATE OR REPLACE PUMP "QUOTE_PUMP" AS INSERT INTO "QUOTES"
        SELECT STREAM ticker, price FROM "SOURCE_SQL_STREAM_001" WHERE kind = 'quote';
      CREATE OR REPLACE PUMP "BIG_PUMP" AS INSERT INTO "BIG_TECH_TRADES"
        SELECT STREAM t.ticker, t.price, CAST(ROUND(t.price * 100) AS INTEGER) AS cents FROM "TRADES" AS t
        WHERE t.sector = 'TECH' AND t.price > 50;`;
    await createInput('trades-split');
    const compiled = compileKdaApplication(application('split', 'trades-split', code), eddy.engine.catalog);
    expect(compiled.pumps.map((p) => p.name)).toEqual(['TRADE_PUMP', 'QUOTE_PUMP', 'BIG_PUMP']);
    await start(application('split', 'trades-split', code));
    await put('trades-split', batchings(mine, 9)[0]!);
    const trades = await oracle.rows(`SELECT ticker AS TICKER, sector AS SECTOR, price AS PRICE FROM src WHERE kind = 'trade'`);
    const quotes = await oracle.rows(`SELECT ticker AS TICKER, price AS PRICE FROM src WHERE kind = 'quote'`);
    const big = await oracle.rows(`SELECT ticker AS TICKER, price AS PRICE, round(price * 100)::INTEGER AS CENTS FROM src WHERE kind = 'trade' AND sector = 'TECH' AND price > 50`);
    const key = (r: Record<string, unknown>) => JSON.stringify(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, typeof v === 'number' ? v.toFixed(2) : v]));
    for (const [stream, want] of [['TRADES', trades], ['QUOTES', quotes], ['BIG_TECH_TRADES', big]] as const) {
      const got = await recordsOf(applicationStreamName('split', stream), want.length);
      expect(got.map(key).sort(), stream).toEqual(want.map(key).sort());
    }
  });

  it('carries ROWTIME through pumps: a second pump started long after the records arrived windows them by their arrival in the input', async () => {
    const mine = arrivals(400, 55);
    const lastAt = mine[mine.length - 1]!.at;
    await loadOracle(mine);
    await createInput('trades-chain');
    await put('trades-chain', batchings(mine, 6)[0]!);
    // An hour later the application starts, reading its input from the oldest record: every row is
    // written to TRADES_ONLY now, yet keeps the ROWTIME it had in the input.
    clock.set(lastAt + 3_600_000);
    const code = `
      CREATE OR REPLACE STREAM "TRADES_ONLY" (ticker VARCHAR(4), price DOUBLE);
      CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (window_end TIMESTAMP, ticker VARCHAR(4), trades INTEGER, high DOUBLE);
      CREATE OR REPLACE PUMP "FILTER_PUMP" AS INSERT INTO "TRADES_ONLY"
        SELECT STREAM ticker, price FROM "SOURCE_SQL_STREAM_001" WHERE kind = 'trade';
      CREATE OR REPLACE PUMP "WINDOW_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM ROWTIME, ticker, COUNT(*), MAX(price) FROM "TRADES_ONLY"
        GROUP BY ticker, STEP("TRADES_ONLY".ROWTIME BY INTERVAL '1' MINUTE);`;
    await start(application('chain', 'trades-chain', code));
    const expected = await oracle.rows(`SELECT (rowtime_ms // 60000 + 1) * 60000 AS WINDOW_END_ms, ticker AS TICKER, count(*)::INTEGER AS TRADES, max(price) AS HIGH
      FROM src WHERE kind = 'trade' AND (rowtime_ms // 60000 + 1) * 60000 <= (SELECT max(rowtime_ms) FROM src WHERE kind = 'trade')
      GROUP BY ticker, rowtime_ms // 60000`);
    expect(expected.length).toBeGreaterThanOrEqual(8);
    const destination = applicationStreamName('chain', 'DESTINATION_SQL_STREAM');
    const rows = await recordsOf(destination, expected.length);
    expectSameRows(rows, expected, ['WINDOW_END', 'TICKER']);
    // The intermediate stream's records arrived when their input records did; each window's row when its window ended.
    const arrivalsIn = async (stream: string) => {
      const shard = (await eddy.kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards![0]!.ShardId!;
      const iterator = (await eddy.kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator!;
      const got = await eddy.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      return (got.Records ?? []).map((r) => ({ at: r.ApproximateArrivalTimestamp!.getTime(), row: JSON.parse(Buffer.from(r.Data!).toString('utf8')) as Record<string, unknown> }));
    };
    const trades = mine.filter((r) => r.data.KIND === 'trade');
    expect((await arrivalsIn(applicationStreamName('chain', 'TRADES_ONLY'))).map((r) => r.at)).toEqual(trades.map((r) => r.at));
    for (const r of await arrivalsIn(destination)) expect(r.at).toBe(Date.parse(String(r.row['WINDOW_END'])));
  });

  it('joins a reference table read from a file under the tables directory, as KDA joins its S3 reference data', async () => {
    const mine = arrivals(80, 44);
    await loadOracle(mine);
    await mkdir(join(dir.path, 'tables', 'kda'), { recursive: true });
    await writeFile(join(dir.path, 'tables', 'kda', 'companies.csv'), 'AMZN,Amazon\nACME,Acme Corp\nWXYZ,Wxyz Energy\n');
    const code = `
      CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), "Company" VARCHAR(20), price DOUBLE);
      CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM s.ticker, c."Company", s.price
        FROM "SOURCE_SQL_STREAM_001" AS s JOIN "CompanyName" AS c ON s.ticker = c."Ticker";`;
    await createInput('trades-ref');
    await start(
      application('reference', 'trades-ref', code, {
        referenceTables: [
          {
            tableName: 'CompanyName',
            path: 'kda/companies.csv',
            columns: [
              { name: 'Ticker', sqlType: 'VARCHAR(4)' },
              { name: 'Company', sqlType: 'VARCHAR(20)' },
            ],
            format: { type: 'CSV', recordColumnDelimiter: ',', recordRowDelimiter: '\n' },
          },
        ],
      }),
    );
    await put('trades-ref', batchings(mine, 2)[0]!);
    await oracle.load('companies', { ticker: 'VARCHAR', company: 'VARCHAR' }, [
      { ticker: 'AMZN', company: 'Amazon' },
      { ticker: 'ACME', company: 'Acme Corp' },
      { ticker: 'WXYZ', company: 'Wxyz Energy' },
    ]);
    const expected = await oracle.rows('SELECT s.ticker AS TICKER_SYMBOL, c.company AS "Company", s.price AS PRICE FROM src s JOIN companies c ON s.ticker = c.ticker');
    const got = await recordsOf(applicationStreamName('reference', 'DESTINATION_SQL_STREAM'), expected.length);
    const key = (r: Record<string, unknown>) => `${String(r['TICKER_SYMBOL'])} ${String(r['Company'])} ${Number(r['PRICE']).toFixed(2)}`;
    expect(got.map(key).sort()).toEqual(expected.map(key).sort());
  });

  it('keeps applications\' names to themselves: the Kinesis API and CREATE STREAM refuse the __kda_ prefix', async () => {
    await expect(eddy.kinesis.send(new CreateStreamCommand({ StreamName: '__kda_tumbling-0.MINE', ShardCount: 1 }))).rejects.toThrow(/reserved/);
    const res = await eddy.http('POST', '/v1/sql', { sql: 'CREATE STREAM "__kda_x.Y" (a INT)' });
    expect(res.status).toBe(400);
    expect(applicationStreamName('my.app', 'Out stream')).toBe('__kda_my-2eapp.Out-20stream');
  });

  it('refuses an in-application name the application does not have, pointing at it', () => {
    const app = application('typo', 'trades-0', TUMBLING_ROWTIME.replace('FROM "SOURCE_SQL_STREAM_001"', 'FROM "SOURCE_SQL_STREAM_01"'));
    expect(() => compileKdaApplication(app, eddy.engine.catalog)).toThrow(/Unknown in-application stream or table 'SOURCE_SQL_STREAM_01' in application 'typo'; did you mean "SOURCE_SQL_STREAM_001"\?/);
  });
});

describe('KDA application code pasted into /v1/sql', () => {
  it('runs against a stream named SOURCE_SQL_STREAM_001, and CREATE OR REPLACE PUMP replaces the pump', async () => {
    const records = arrivals(200, 77);
    const last = records[records.length - 1]!.at;
    await loadOracle(records);
    await eddy.sql(`CREATE STREAM "SOURCE_SQL_STREAM_001" (TICKER VARCHAR, SECTOR VARCHAR, PRICE DOUBLE, EVENT_TIME TIMESTAMP, KIND VARCHAR) WITH (shards = 1)`);
    await eddy.sql(TUMBLING_ROWTIME);
    const again = await eddy.sql(TUMBLING_ROWTIME);
    expect(again[0]).toMatchObject({ action: 'unchanged' });
    const pumps = (await eddy.http('GET', '/v1/queries')).json.queries.filter((q: { name?: string; status: string }) => q.name === 'STREAM_PUMP' && q.status === 'running');
    expect(pumps).toHaveLength(1);
    await put('SOURCE_SQL_STREAM_001', batchings(records, 1)[2]!);
    const expected = await oracle.rows(`SELECT ticker AS TICKER_SYMBOL, min(price) AS MIN_PRICE, max(price) AS MAX_PRICE, count(*)::INTEGER AS TRADES
      FROM src WHERE (rowtime_ms // 60000 + 1) * 60000 <= ${last} GROUP BY ticker, rowtime_ms // 60000`);
    const rows = await recordsOf('DESTINATION_SQL_STREAM', expected.length);
    expectSameRows(rows, expected, ['TICKER_SYMBOL', 'MIN_PRICE', 'TRADES']);
  });

  it('a tumbling window on event time: FLOOR(EVENT_TIME TO MINUTE) of the stream\'s WATERMARK column', async () => {
    const records = arrivals(160, 91).map((r, i) => ({ ...r, data: { ...r.data, EVENT_TIME: iso(T0 + 600_000 + i * 1500) } }));
    await loadOracle(records);
    await eddy.sql(`CREATE STREAM "TICKS" (TICKER VARCHAR, SECTOR VARCHAR, PRICE DOUBLE, EVENT_TIME TIMESTAMP, KIND VARCHAR,
      WATERMARK FOR EVENT_TIME AS EVENT_TIME - INTERVAL '0' SECOND) WITH (shards = 1)`);
    await eddy.sql(`CREATE OR REPLACE STREAM "PER_MINUTE" ("minute" TIMESTAMP, "sector" VARCHAR(16), "volume" DOUBLE);
      CREATE OR REPLACE PUMP "MINUTE_PUMP" AS INSERT INTO "PER_MINUTE"
        SELECT STREAM FLOOR(EVENT_TIME TO MINUTE) AS "minute", SECTOR, SUM(PRICE) AS "volume" FROM TICKS
        GROUP BY SECTOR, FLOOR(EVENT_TIME TO MINUTE)`);
    await put('TICKS', batchings(records, 4)[1]!);
    const lastEvent = T0 + 600_000 + (records.length - 1) * 1500;
    const expected = await oracle.rows(`SELECT (event_ms // 60000) * 60000 AS minute_ms, sector, sum(price) AS volume FROM src
      WHERE (event_ms // 60000 + 1) * 60000 <= ${lastEvent} GROUP BY sector, event_ms // 60000`);
    const rows = (await recordsOf('PER_MINUTE', expected.length)).map((r) => ({ ...r, minute: new Date(String(r['minute'])).toISOString() }));
    expect(rows).toHaveLength(expected.length);
    expectSameRows(rows, expected, ['minute', 'sector']);
  });
});

describe('KDA example applications created through the KDA API', () => {
  const records = arrivals(240, 29);
  const last = records[records.length - 1]!.at;
  const arn = (stream: string) => `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`;
  const ROLE = 'arn:aws:iam::000000000000:role/kda';
  // The whole app (Kinesis Data Analytics API included) over the same engine and clock.
  let app: FastifyInstance;
  let endpoint: string;
  beforeAll(async () => {
    app = buildEddyApp({ engine: eddy.engine, logger: false, streamTransitions: IMMEDIATE_STREAM_TRANSITIONS });
    await app.listen({ port: 0, host: '127.0.0.1' });
    endpoint = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app?.close();
  });

  /** Creates the application with the trades as its input and DESTINATION_SQL_STREAM as its output, and starts it. */
  async function runApplication(name: string, code: string): Promise<string> {
    const kda = new KinesisAnalyticsClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    const input = `${name}-in`;
    const output = `${name}-out`;
    await createInput(input);
    await createInput(output);
    await kda.send(
      new CreateApplicationCommand({
        ApplicationName: name,
        ApplicationCode: code,
        Inputs: [
          {
            NamePrefix: 'SOURCE_SQL_STREAM',
            KinesisStreamsInput: { ResourceARN: arn(input), RoleARN: ROLE },
            InputSchema: {
              RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
              RecordColumns: TRADE_COLUMNS.map((c) => ({ Name: c.name, SqlType: c.sqlType, Mapping: c.mapping })),
            },
          },
        ],
        Outputs: [{ Name: 'DESTINATION_SQL_STREAM', KinesisStreamsOutput: { ResourceARN: arn(output), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'JSON' } }],
      }),
    );
    await kda.send(new StartApplicationCommand({ ApplicationName: name, InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } }] }));
    kda.destroy();
    await put(input, batchings(records, 3)[0]!);
    return output;
  }

  it('InputParallelism 2 splits a 4-shard input\'s shards between SOURCE_SQL_STREAM_001 and _002, each record in exactly one', async () => {
    const kda = new KinesisAnalyticsClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    await eddy.kinesis.send(new CreateStreamCommand({ StreamName: 'parallel-in', ShardCount: 4 }));
    await createInput('parallel-out-1');
    await createInput('parallel-out-2');
    const code = `
      CREATE OR REPLACE STREAM "FIRST" (id INTEGER, ticker VARCHAR(4));
      CREATE OR REPLACE STREAM "SECOND" (id INTEGER, ticker VARCHAR(4));
      CREATE OR REPLACE PUMP "PUMP_1" AS INSERT INTO "FIRST" SELECT STREAM id, ticker FROM "SOURCE_SQL_STREAM_001";
      CREATE OR REPLACE PUMP "PUMP_2" AS INSERT INTO "SECOND" SELECT STREAM id, ticker FROM "SOURCE_SQL_STREAM_002";`;
    await kda.send(
      new CreateApplicationCommand({
        ApplicationName: 'parallel',
        ApplicationCode: code,
        Inputs: [
          {
            NamePrefix: 'SOURCE_SQL_STREAM',
            InputParallelism: { Count: 2 },
            KinesisStreamsInput: { ResourceARN: arn('parallel-in'), RoleARN: ROLE },
            InputSchema: {
              RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
              RecordColumns: [
                { Name: 'ID', SqlType: 'INTEGER', Mapping: '$.id' },
                { Name: 'TICKER', SqlType: 'VARCHAR(4)', Mapping: '$.ticker' },
              ],
            },
          },
        ],
        Outputs: [
          { Name: 'FIRST', KinesisStreamsOutput: { ResourceARN: arn('parallel-out-1'), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'JSON' } },
          { Name: 'SECOND', KinesisStreamsOutput: { ResourceARN: arn('parallel-out-2'), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'JSON' } },
        ],
      }),
    );
    await kda.send(new StartApplicationCommand({ ApplicationName: 'parallel', InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } }] }));
    kda.destroy();
    const sent = Array.from({ length: 200 }, (_, id) => ({ id, ticker: TICKERS[id % TICKERS.length]![0] }));
    const out = await eddy.kinesis.send(
      new PutRecordsCommand({ StreamName: 'parallel-in', Records: sent.map((r) => ({ PartitionKey: `key-${r.id}`, Data: Buffer.from(JSON.stringify(r)) })) }),
    );
    expect(out.FailedRecordCount).toBe(0);
    // KDA deals the shards out evenly: shards 0 and 2 feed _001, shards 1 and 3 feed _002.
    const shardOf = out.Records!.map((r) => Number(r.ShardId!.split('-')[1]));
    const want = (part: number) => sent.filter((_, i) => shardOf[i]! % 2 === part).map((r) => r.id).sort((a, b) => a - b);
    expect(want(0).length).toBeGreaterThan(0);
    expect(want(1).length).toBeGreaterThan(0);
    const ids = (rows: readonly Record<string, unknown>[]) => rows.map((r) => Number(r['ID'])).sort((a, b) => a - b);
    const first = ids(await recordsOf('parallel-out-1', want(0).length));
    const second = ids(await recordsOf('parallel-out-2', want(1).length));
    expect(first).toEqual(want(0));
    expect(second).toEqual(want(1));
    expect([...first, ...second].sort((a, b) => a - b)).toEqual(sent.map((r) => r.id));
  });

  it('a stagger window (WINDOWED BY STAGGER) gives one row per ticker and event minute, from its first row for a minute of ROWTIME', async () => {
    const output = await runApplication(
      'stagger',
      `CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ROWTIME_END TIMESTAMP, TICKER VARCHAR(4), EVENT_MINUTE TIMESTAMP, TRADES INTEGER, LOW REAL);
       CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
         SELECT STREAM ROWTIME, TICKER, FLOOR(EVENT_TIME TO MINUTE), COUNT(*) AS TRADES, MIN(PRICE)
         FROM "SOURCE_SQL_STREAM_001"
         WINDOWED BY STAGGER (PARTITION BY FLOOR(EVENT_TIME TO MINUTE), TICKER RANGE INTERVAL '1' MINUTE);`,
    );
    await loadOracle(records);
    // Per (ticker, event minute), windows of ROWTIME: the first at the key's first row, the next at its first row a minute or more later.
    const expected = await oracle.rows(`WITH RECURSIVE k AS (SELECT *, (event_ms // 60000) * 60000 AS em FROM src),
      w(ticker, em, ws) AS (
        SELECT ticker, em, min(rowtime_ms) FROM k GROUP BY ticker, em
        UNION ALL
        SELECT w.ticker, w.em, min(k.rowtime_ms) FROM w JOIN k ON k.ticker = w.ticker AND k.em = w.em AND k.rowtime_ms >= w.ws + 60000 GROUP BY w.ticker, w.em)
      SELECT w.ws + 60000 AS ROWTIME_END_ms, w.ticker AS TICKER, w.em AS EVENT_MINUTE_ms, count(*)::INTEGER AS TRADES, min(k.price) AS LOW
      FROM w JOIN k ON k.ticker = w.ticker AND k.em = w.em AND k.rowtime_ms >= w.ws AND k.rowtime_ms < w.ws + 60000
      WHERE w.ws + 60000 <= ${last} GROUP BY w.ws, w.ticker, w.em`);
    expect(expected.length).toBeGreaterThan(10);
    const rows = await recordsOf(output, expected.length);
    expectSameRows(rows, expected, ['ROWTIME_END', 'TICKER', 'EVENT_MINUTE']);
  });

  it('TOP_K_ITEMS_TUMBLING gives the K most frequent tickers of each minute, and COUNT_DISTINCT_ITEMS_TUMBLING the number of sectors', async () => {
    const topK = await runApplication(
      'top-k',
      `CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM (ITEM VARCHAR(1024), ITEM_COUNT DOUBLE);
       CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
         SELECT STREAM * FROM TABLE(TOP_K_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001"), 'TICKER', 2, 60));`,
    );
    const distinct = await runApplication(
      'distinct',
      `CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM (NUMBER_OF_DISTINCT_ITEMS BIGINT);
       CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
         SELECT STREAM * FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001" WHERE KIND = 'trade'), 'SECTOR', 60));`,
    );
    await loadOracle(records);
    const closed = `(rowtime_ms // 60000 + 1) * 60000 <= ${last}`;
    const expectedTop = await oracle.rows(`SELECT ITEM, ITEM_COUNT FROM (
        SELECT ticker AS ITEM, count(*)::DOUBLE AS ITEM_COUNT, row_number() OVER (PARTITION BY rowtime_ms // 60000 ORDER BY count(*) DESC, ticker) AS r
        FROM src WHERE ${closed} GROUP BY rowtime_ms // 60000, ticker) WHERE r <= 2`);
    const expectedDistinct = await oracle.rows(`SELECT count(DISTINCT sector) AS NUMBER_OF_DISTINCT_ITEMS FROM src WHERE kind = 'trade' AND ${closed} GROUP BY rowtime_ms // 60000`);
    expect(expectedTop.length).toBeGreaterThanOrEqual(4);
    const sortRows = (rows: readonly Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();
    expect(sortRows(await recordsOf(topK, expectedTop.length))).toEqual(sortRows(expectedTop));
    // A handful of sectors: HyperLogLog's estimate is exact at such counts.
    expect(sortRows(await recordsOf(distinct, expectedDistinct.length))).toEqual(sortRows(expectedDistinct));
  });
});
