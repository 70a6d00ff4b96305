// The click records the windowed-query tests on a cluster put (a user, an amount, an event time in epoch
// ms) and DuckDB's answer over them to the query they run: per second and user, how many and their total.
// Both the engine-level node-loss test and the end-to-end test of two `eddy serve` processes check their
// output against it.
import { DuckDBInstance } from '@duckdb/node-api';

export interface Click {
  readonly user_id: string;
  readonly amount: number;
  /** Event time, epoch ms. */
  readonly ts: number;
}

/** The users clicks are spread over (five, so both shards of a two-shard stream get some). */
const USERS = ['ana', 'bo', 'cy', 'dee', 'eve'];

/** The `i`th click of a producer starting at `t0`: users in turn, event times 20 ms apart (so none is late). */
export function click(i: number, t0: number): Click {
  return { user_id: USERS[i % USERS.length]!, amount: (i * 7) % 100, ts: t0 + i * 20 };
}

/** One row of the answer as the tests compare rows: `[window start ms, user, count, total]` as JSON. */
function perSecondKey(startMs: number, user: unknown, n: unknown, total: unknown): string {
  return JSON.stringify([startMs, user, n, total]);
}

/** A row the query wrote (`window_start` as ISO-8601 text, `user_id`, `n`, `total`), as duckdbPerSecond's rows are. */
export function perSecondRowKey(row: Record<string, unknown>): string {
  return perSecondKey(Date.parse(String(row.window_start)), row.user_id, row.n, row.total);
}

/** DuckDB's answer over `records`: per second and user, how many and their total, each row as perSecondKey. */
export async function duckdbPerSecond(records: readonly Click[]): Promise<Set<string>> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const duck = await instance.connect();
  await duck.run('CREATE TABLE clicks (user_id VARCHAR, amount INTEGER, ts_ms BIGINT)');
  const appender = await duck.createAppender('clicks');
  for (const r of records) {
    appender.appendVarchar(r.user_id);
    appender.appendInteger(r.amount);
    appender.appendBigInt(BigInt(r.ts));
    appender.endRow();
  }
  appender.closeSync();
  const reader = await duck.runAndReadAll('SELECT ts_ms // 1000 * 1000 AS start_ms, user_id, COUNT(*) AS n, SUM(amount) AS total FROM clicks GROUP BY ALL');
  const rows = reader.getRowObjectsJS() as { start_ms: bigint; user_id: string; n: bigint; total: bigint }[];
  duck.closeSync();
  return new Set(rows.map((r) => perSecondKey(Number(r.start_ms), r.user_id, Number(r.n), Number(r.total))));
}
