// Nexmark in a test: an engine in memory whose streams person, auction and bid hold the generator's
// events (with the later events that close every window), the published queries run through the
// statement executor as their files hold them, and DuckDB holding the same events as the oracle.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createEngine, isEddyError, type Engine, type Row } from '../../../src/engine/index.js';
import { ManualClock } from '../../../src/engine/clock.js';
import { SqlError } from '../../../src/sql/index.js';
import { StatementExecutor } from '../../../src/statements/index.js';
import { NexmarkGenerator, type NexmarkConfig, type NexmarkEvent } from '../../../bench/nexmark/generator.js';
import { closingEvents, NEXMARK_STREAMS, type NexmarkStream } from '../../../bench/nexmark/records.js';
import { writeToEveryShard, writeToStore } from '../../../bench/nexmark/writers.js';
import { writeSideInput } from '../../../bench/nexmark/side-input.js';

const QUERIES = resolve(__dirname, '..', '..', '..', 'bench', 'nexmark', 'queries');
/** The directory of user functions the queries call (q14's count_char). */
const UDF_DIR = resolve(QUERIES, '..', 'udf');

/** The text of a query file (`q0` … `q22`, or `ddl`), as the repository holds it. */
export function queryFile(name: string): string {
  return readFileSync(join(QUERIES, `${name}.sql`), 'utf8');
}

export const PUBLISHED_QUERIES = Array.from({ length: 23 }, (_, i) => `q${i}`);

/**
 * The engine's clock, which stands still while a query reads (PROCTIME() is this instant for every row:
 * q12's processing-time windows and q13's lookups see one time), and moves on by PROCESSING_STEP_MS once
 * a processing-time query has read its input, so its windows close.
 */
export const CLOCK_START_MS = Date.parse('2026-12-07T12:00:03.000Z');
export const PROCESSING_STEP_MS = 60_000;

export interface Nexmark {
  readonly engine: Engine;
  readonly clock: ManualClock;
  readonly statements: StatementExecutor;
  /** Every event in the streams, the closing ones included. */
  readonly events: readonly NexmarkEvent[];
  readonly oracle: DuckDBConnection;
  close(): Promise<void>;
}

/** `maxStateKeys`: the engine's bound on one query's state (its default, 1,000,000, when absent). */
export async function openNexmark(config: Partial<NexmarkConfig>, shards: number, maxStateKeys?: number): Promise<Nexmark> {
  const clock = new ManualClock(CLOCK_START_MS);
  // The tables directory holds q13's side input.
  const tablesDir = await mkdtemp(join(tmpdir(), 'eddy-nexmark-tables-'));
  await writeSideInput(tablesDir);
  const engine = await createEngine({ clock, shardLimits: false, queries: { idleTimeoutMs: 600_000, idleCheckIntervalMs: 20, ...(maxStateKeys === undefined ? {} : { maxStateKeys }) }, udfDir: UDF_DIR, tables: { dir: tablesDir } });
  for (const s of NEXMARK_STREAMS) await engine.store.createStream(s, { shardCount: shards });
  const statements = new StatementExecutor(engine);
  await statements.execute(queryFile('ddl'));
  const generator = new NexmarkGenerator(config);
  await writeToStore(engine.store, generator);
  const closing = closingEvents(generator, shards);
  await writeToEveryShard(engine.store, closing);
  const events = [...generator.events(), ...closing];
  const db = await DuckDBInstance.create(':memory:');
  const oracle = await db.connect();
  await load(oracle, events);
  // What windowed queries emit: the generated events without the later ones that close the windows,
  // whose own windows never close.
  const last = new Date(generator.timestampOf(generator.config.events - 1)).toISOString();
  for (const s of NEXMARK_STREAMS) await oracle.run(`CREATE VIEW ${s}_events AS SELECT * FROM ${s} WHERE "dateTime" <= TIMESTAMP '${last.slice(0, -1).replace('T', ' ')}'`);
  return {
    engine,
    clock,
    statements,
    events,
    oracle,
    async close() {
      oracle.closeSync();
      await engine.close();
      await rm(tablesDir, { recursive: true, force: true });
    },
  };
}

type Column = readonly [name: string, type: 'BIGINT' | 'VARCHAR' | 'TIMESTAMP'];
const COLUMNS: Record<NexmarkStream, readonly Column[]> = {
  person: [['id', 'BIGINT'], ['name', 'VARCHAR'], ['emailAddress', 'VARCHAR'], ['creditCard', 'VARCHAR'], ['city', 'VARCHAR'], ['state', 'VARCHAR'], ['dateTime', 'TIMESTAMP'], ['extra', 'VARCHAR']],
  auction: [
    ['id', 'BIGINT'], ['itemName', 'VARCHAR'], ['description', 'VARCHAR'], ['initialBid', 'BIGINT'], ['reserve', 'BIGINT'],
    ['dateTime', 'TIMESTAMP'], ['expires', 'TIMESTAMP'], ['seller', 'BIGINT'], ['category', 'BIGINT'], ['extra', 'VARCHAR'],
  ],
  bid: [['auction', 'BIGINT'], ['bidder', 'BIGINT'], ['price', 'BIGINT'], ['channel', 'VARCHAR'], ['url', 'VARCHAR'], ['dateTime', 'TIMESTAMP'], ['extra', 'VARCHAR']],
};

/** Tables person, auction and bid with the columns of the streams; times as DuckDB TIMESTAMPs (UTC). */
async function load(conn: DuckDBConnection, events: readonly NexmarkEvent[]): Promise<void> {
  for (const stream of NEXMARK_STREAMS) {
    const columns = COLUMNS[stream];
    // Loaded with times as epoch ms, then turned into TIMESTAMPs in SQL.
    await conn.run(`CREATE TABLE ${stream}_raw (${columns.map(([n, t]) => `"${n}" ${t === 'VARCHAR' ? 'VARCHAR' : 'BIGINT'}`).join(', ')})`);
    const app = await conn.createAppender(`${stream}_raw`);
    for (const e of events) {
      if (e.kind !== stream) continue;
      const values = e as unknown as Record<string, string | number>;
      for (const [n, t] of columns) {
        const v = values[n]!;
        if (t === 'VARCHAR') app.appendVarchar(v as string);
        else app.appendBigInt(BigInt(v as number));
      }
      app.endRow();
    }
    app.flushSync();
    app.closeSync();
    const select = columns.map(([n, t]) => (t === 'TIMESTAMP' ? `epoch_ms("${n}") AS "${n}"` : `"${n}"`)).join(', ');
    await conn.run(`CREATE TABLE ${stream} AS SELECT ${select} FROM ${stream}_raw; DROP TABLE ${stream}_raw`);
  }
}

/** Rows from the oracle; BIGINTs as numbers, TIMESTAMPs as ISO-8601 text with milliseconds, as Eddy writes them. */
export async function oracleRows(nx: Nexmark, sql: string): Promise<Row[]> {
  const result = await nx.oracle.runAndReadAll(sql);
  return result.getRowObjectsJS().map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.toISOString() : (v as Row[string])]),
    ),
  );
}

/**
 * Runs a published query file unchanged (its CREATE STREAM of the result stream, then its INSERT INTO),
 * waits until the query has read every record of `inputs` (one entry per source of the query: a stream
 * the query reads twice is listed twice) and written every row it made, and returns
 * the rows of its result stream. The query is deleted afterwards. `text` replaces the file's text (to try
 * a variant of a query).
 */
export async function runPublished(nx: Nexmark, query: string, inputs: readonly NexmarkStream[], text = queryFile(query), processingTime = false): Promise<Row[]> {
  const sink = /INSERT INTO (\w+)/.exec(text)?.[1];
  if (sink === undefined) throw new Error(`${query} has no INSERT INTO`);
  const results = await nx.statements.execute(text);
  const started = results.find((r) => r.kind === 'insert');
  if (started?.kind !== 'insert') throw new Error(`${query} started no INSERT INTO query`);
  const id = started.query.id;
  // Each source of the query counts its records: a stream read twice (a self-join) is listed twice.
  const expectedInput = inputs.reduce((n, s) => n + nx.events.filter((e) => e.kind === s).length, 0);
  const sinkReader = new StreamReader(nx, sink);
  // Processing time: once everything is read, the clock moves on, and the query is done when its watermark has followed.
  let until = -Infinity;
  try {
    for (let waited = 0; ; waited += 20) {
      const status = nx.statements.queryStatus(id);
      if (status.status !== 'running') throw new Error(`${query} ${status.status}: ${status.error ?? ''}`);
      if (processingTime && status.inputRecords >= expectedInput && until === -Infinity) {
        nx.clock.advance(PROCESSING_STEP_MS);
        until = nx.clock.now();
      }
      const caughtUp = status.watermark !== null && Date.parse(status.watermark) >= until;
      if (status.inputRecords >= expectedInput && caughtUp && (await sinkReader.readNew()) === status.outputRows) break;
      if (waited > 60_000) throw new Error(`${query} read ${status.inputRecords} of ${expectedInput} records in 60 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return finalRows(sinkReader.rows);
  } finally {
    sinkReader.close();
    await nx.statements.deleteQuery(id);
    if (until > -Infinity) nx.clock.set(CLOCK_START_MS);
  }
}

/** Follows every shard of a stream, keeping the JSON rows read so far. */
class StreamReader {
  readonly rows: Row[] = [];
  private readonly cursors;
  private readonly decoder = new TextDecoder();

  constructor(nx: Nexmark, stream: string) {
    const store = nx.engine.store;
    this.cursors = store.describeStream(stream).shards.map((s) => store.openCursor(stream, s.shardId, { type: 'TRIM_HORIZON' }));
  }

  /** Reads what has arrived since the last call; returns the number of rows read in all. */
  async readNew(): Promise<number> {
    for (const cursor of this.cursors) {
      for (let read = await cursor.read({ maxRecords: 10_000 }); read.records.length > 0; read = await cursor.read({ maxRecords: 10_000 })) {
        for (const r of read.records) this.rows.push(JSON.parse(this.decoder.decode(r.data)) as Row);
      }
    }
    return this.rows.length;
  }

  close(): void {
    for (const cursor of this.cursors) cursor.close();
  }
}

/**
 * The rows a result stream holds in the end: a changelog (rows with an `_op` field) folded, `+I` and
 * `+U` adding their row, `-U` and `-D` taking one equal row away; other streams as they are.
 */
export function finalRows(rows: readonly Row[]): Row[] {
  if (!rows.some((r) => '_op' in r)) return [...rows];
  const held = new Map<string, Row[]>();
  for (const { _op: op, ...row } of rows) {
    const key = JSON.stringify(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1)));
    const same = held.get(key) ?? [];
    if (op === '+I' || op === '+U') same.push(row);
    else if (op === '-U' || op === '-D') {
      if (same.pop() === undefined) throw new Error(`${String(op)} of a row the changelog does not hold: ${key}`);
    } else throw new Error(`unknown change kind ${JSON.stringify(op)}`);
    held.set(key, same);
  }
  return [...held.values()].flat();
}

/** The error a script fails with, as a user sees it: a SQL error rendered with its caret, else code and message. */
export async function failureOf(nx: Nexmark, query: string): Promise<string> {
  try {
    await nx.statements.execute(queryFile(query));
  } catch (e) {
    if (e instanceof SqlError) return e.render();
    if (isEddyError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error: the query runs';
}

/** Rows as sorted text, numbers to 12 significant digits (sums of doubles depend on the order of addition). */
export function canonical(rows: readonly Row[]): string[] {
  return rows
    .map((r) =>
      JSON.stringify(
        Object.keys(r)
          .sort()
          .map((k) => [k, typeof r[k] === 'number' ? Number((r[k] as number).toPrecision(12)) : r[k]]),
      ),
    )
    .sort();
}
