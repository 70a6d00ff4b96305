// An OVER aggregate over a Top-N's changelog (Nexmark q6's shape), compiled from SQL and run as a query
// runs it: stopped at a checkpoint (written as checkpoint files write it) and restored in a new pipeline,
// it leaves the same rows as the run that never stopped, and no -U or -D names a row it did not emit.
import { describe, expect, it } from 'vitest';
import { compileSql, staticCatalog } from '../../../src/sql/index.js';
import type { StreamSchema } from '../../../src/engine/plan/schema.js';
import type { StreamRecord } from '../../../src/engine/stream/stream-store.js';
import { Pipeline } from '../../../src/engine/query/pipeline.js';
import { checkpointJson, parseCheckpointJson } from '../../../src/engine/plan/checkpoint.js';
import { batchToRows, type Row } from '../../../src/engine/batch/rows.js';

const clicks: StreamSchema = {
  name: 'clicks',
  columns: [
    { name: 'user_id', type: 'VARCHAR' },
    { name: 'url', type: 'VARCHAR' },
    { name: 'amount', type: 'BIGINT' },
    { name: 'ts', type: 'TIMESTAMP' },
  ],
  format: { kind: 'json' },
  watermark: { column: 'ts', delayMs: 1000 },
};

// Per url its largest click; per user the mean of their last three urls' largest clicks, by the click's time.
const SQL = `SELECT user_id, url, AVG(amount) OVER (PARTITION BY user_id ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS recent
FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY url ORDER BY amount DESC) AS rn FROM clicks WHERE rn <= 1)`;

function plan() {
  const [statement] = compileSql(SQL, staticCatalog([clicks]));
  if (statement?.kind !== 'query') throw new Error('expected a query');
  return statement.plan;
}

const enc = new TextEncoder();
function records(count: number): StreamRecord[] {
  let s = 17;
  const random = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  return Array.from({ length: count }, (_v, i) => {
    const url = `u${Math.floor(random() * 80)}`;
    const row = { user_id: `user${Number(url.slice(1)) % 6}`, url, amount: Math.floor(random() * 10_000), ts: new Date(1_700_000_000_000 + i * 100).toISOString() };
    return { sequenceNumber: String(i + 1), arrivalTimestamp: 0, partitionKey: url, data: enc.encode(JSON.stringify(row)) };
  });
}

function rowsOut(pipeline: Pipeline): Row[] {
  return pipeline.takeOutput().flatMap((b) => batchToRows(b, pipeline.outputColumns));
}

/** The rows a changelog leaves; a -U or -D of a row not held fails. */
function fold(rows: readonly Row[]): string[] {
  const held = new Map<string, number>();
  for (const { _op, ...row } of rows) {
    const key = JSON.stringify(row);
    const n = held.get(key) ?? 0;
    if (_op === '+I' || _op === '+U') held.set(key, n + 1);
    else {
      expect(n, `${String(_op)} of a row not held: ${key}`).toBeGreaterThan(0);
      held.set(key, n - 1);
    }
  }
  return [...held].flatMap(([key, n]) => Array.from({ length: n }, () => key)).sort();
}

describe('an OVER aggregate over a Top-N, across a checkpoint', () => {
  it('leaves the same rows as the run that never stopped', () => {
    const input = records(3000);
    const whole = new Pipeline(plan());
    whole.ingest(input, 'shardId-000000000000');
    const expected = fold(rowsOut(whole));
    expect(expected.length).toBe(80);

    const first = new Pipeline(plan());
    first.ingest(input.slice(0, 1700), 'shardId-000000000000');
    const before = rowsOut(first);
    const saved = parseCheckpointJson(checkpointJson(first.checkpointState())) as { operators: Parameters<Pipeline['restore']>[0] };
    const second = new Pipeline(plan());
    second.restore(saved.operators);
    second.ingest(input.slice(1700), 'shardId-000000000000');
    expect(fold([...before, ...rowsOut(second)])).toEqual(expected);
  });
});
