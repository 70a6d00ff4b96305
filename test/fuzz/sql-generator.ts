// SQL scripts for fuzzing `/v1/sql`: statements that the engine accepts over the fuzzing streams, then cut,
// spliced and repeated at word boundaries, plus texts written to cost the server: deep nesting, long flat
// chains, LIKE and regular-expression patterns that backtrack, huge literals.

import type { SeededRandom } from './seeded-random.js';

const STATEMENTS = [
  "CREATE STREAM IF NOT EXISTS fz_sql (k VARCHAR, v DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (shards = 1, format = 'json')",
  'SELECT k, v FROM fz_sql WHERE v > 1',
  "SELECT k, COUNT(*) AS n, SUM(v) FROM TABLE(TUMBLE(TABLE fz_sql, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k",
  "SELECT window_start, MAX(v) FROM TABLE(HOP(TABLE fz_sql, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '1' MINUTE)) GROUP BY window_start, window_end",
  "SELECT k FROM fz_sql WHERE k LIKE '%a%b_' OR REGEXP_LIKE(k, '^x+y$')",
  'SELECT k, COUNT(DISTINCT v) FROM fz_sql GROUP BY k',
  "SELECT CASE WHEN v > 0 THEN 'p' ELSE 'n' END AS s, CAST(v AS INT), SUBSTRING(k FROM 2 FOR 3) FROM fz_sql",
  'SHOW STREAMS',
  'SHOW QUERIES',
  'DESCRIBE fz_sql',
  'EXPLAIN SELECT k FROM fz_sql',
  'DROP STREAM IF EXISTS fz_sql_gone',
  'SELECT "__proto__", k FROM (SELECT k AS "__proto__", k FROM fz_sql) AS t',
];

const WORDS = ['(', ')', ',', ';', 'SELECT', 'FROM', 'WHERE', 'GROUP BY', 'NULL', "'", '"', '*', '--', '/*', 'INTERVAL', "'1'", 'TABLE', 'k', 'v', 'ts', '1e309', '-', "E'\\x00'", '\u0000'];

/** Texts meant to cost the server: each must be refused or run without stalling it. */
function costly(random: SeededRandom): string {
  const r = random;
  const n = r.int(100, 5_000);
  switch (r.int(0, 6)) {
    case 0:
      return `SELECT ${'('.repeat(n)}1${')'.repeat(n)} FROM fz_sql`;
    case 1:
      return `SELECT ${Array.from({ length: n * 4 }, () => '1').join(' + ')} FROM fz_sql`;
    case 2:
      return `SELECT k FROM fz_sql WHERE k LIKE '${'%a'.repeat(r.int(5, 40))}%b'`;
    case 3:
      return `SELECT k FROM fz_sql WHERE REGEXP_LIKE(k, '${r.pick(['(a+)+$', '(a|a)*b', '(x+x+)+y', '^(a?){30}a{30}$'])}')`;
    case 4:
      return `SELECT '${'x'.repeat(r.int(10_000, 500_000))}' FROM fz_sql`;
    case 5:
      return `SELECT k FROM ${'(SELECT k FROM '.repeat(Math.min(n, 2_000))}fz_sql${') AS t'.repeat(Math.min(n, 2_000))}`;
    default:
      return `SELECT k FROM fz_sql WHERE ${Array.from({ length: n }, () => "k = 'a'").join(' AND ')}`;
  }
}

export function sqlText(random: SeededRandom): string {
  const r = random;
  if (r.chance(0.1)) return costly(r);
  const words = r.pick(STATEMENTS).split(' ');
  for (let edits = r.chance(0.3) ? 0 : r.int(1, 4); edits > 0; edits--) {
    const at = r.int(0, words.length - 1);
    switch (r.int(0, 3)) {
      case 0:
        words.splice(at, 1);
        break;
      case 1:
        words.splice(at, 0, r.pick(WORDS));
        break;
      case 2:
        words.splice(at, 0, ...words.slice(at, at + r.int(1, 5)));
        break;
      default:
        words.length = at;
    }
  }
  return words.join(' ');
}
