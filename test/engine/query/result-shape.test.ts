import { describe, expect, it } from 'vitest';
import { resultShape } from '../../../src/engine/query/result-shape.js';
import { compileSql, staticCatalog } from '../../../src/sql/index.js';

const catalog = staticCatalog(
  compileSql(
    "CREATE STREAM clicks (user_id VARCHAR, url VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)",
    staticCatalog([]),
  ).flatMap((s) => (s.kind === 'createStream' ? [s.schema] : [])),
);

function shapeOf(sql: string) {
  const [statement] = compileSql(sql, catalog);
  if (statement?.kind !== 'query') throw new Error(`not a query: ${sql}`);
  return resultShape(statement.plan);
}

const TUMBLE = "FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))";

describe('the result shape of a query', () => {
  it('is an unkeyed append for a filter', () => {
    expect(shapeOf('SELECT user_id, amount FROM clicks WHERE amount > 10')).toEqual({ changelog: 'append', keys: [] });
  });

  it('is an append keyed by the window and the groups for a tumbling window, naming the window columns', () => {
    expect(shapeOf(`SELECT window_start, window_end, user_id, COUNT(*) AS n ${TUMBLE} GROUP BY window_start, window_end, user_id`)).toEqual({
      changelog: 'append',
      keys: ['window_start', 'window_end', 'user_id'],
      window: { kind: 'tumble', sizeMs: 60_000, slideMs: 60_000, startColumn: 'window_start', endColumn: 'window_end' },
    });
  });

  it('follows renamed and reordered columns through the projection', () => {
    expect(shapeOf(`SELECT COUNT(*) AS n, user_id AS who, window_start AS minute ${TUMBLE} GROUP BY window_start, window_end, user_id`)).toEqual({
      changelog: 'append',
      keys: ['minute', 'who'],
      window: { kind: 'tumble', sizeMs: 60_000, slideMs: 60_000, startColumn: 'minute' },
    });
  });

  it('gives a hopping window its slide', () => {
    const shape = shapeOf(
      "SELECT window_end, COUNT(*) AS n FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '1' MINUTE)) GROUP BY window_start, window_end",
    );
    expect(shape).toEqual({ changelog: 'append', keys: ['window_end'], window: { kind: 'hop', sizeMs: 60_000, slideMs: 10_000, endColumn: 'window_end' } });
  });

  it('is a changelog keyed by the GROUP BY columns without a window, also under HAVING', () => {
    expect(shapeOf('SELECT url, user_id, SUM(amount) AS spent FROM clicks GROUP BY user_id, url HAVING SUM(amount) > 1')).toEqual({
      changelog: 'retract',
      keys: ['user_id', 'url'],
    });
  });

  it('has no keys when a GROUP BY column is not selected, as its rows cannot be told apart', () => {
    expect(shapeOf('SELECT SUM(amount) AS spent FROM clicks GROUP BY user_id')).toEqual({ changelog: 'retract', keys: [] });
  });

  it('does not count a computed column as a key', () => {
    expect(shapeOf('SELECT UPPER(user_id) AS u, COUNT(*) AS n FROM clicks GROUP BY user_id')).toEqual({ changelog: 'retract', keys: [] });
  });

  it('is an unkeyed append for OVER aggregates: one row out per row in', () => {
    expect(shapeOf('SELECT user_id, SUM(amount) OVER (PARTITION BY user_id ORDER BY ts) AS spent FROM clicks')).toEqual({ changelog: 'append', keys: [] });
  });

  it('is a changelog keyed by the partition and the rank for a Top-N, an append for a window Top-N', () => {
    expect(shapeOf('SELECT * FROM (SELECT user_id, url, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY amount DESC) AS rn FROM clicks) WHERE rn <= 3')).toEqual({
      changelog: 'retract',
      keys: ['user_id', 'rn'],
    });
    expect(
      shapeOf(`SELECT * FROM (SELECT *, RANK() OVER (PARTITION BY window_start, window_end ORDER BY n DESC) AS place FROM (
        SELECT window_start, window_end, user_id, COUNT(*) AS n ${TUMBLE} GROUP BY window_start, window_end, user_id)) WHERE place <= 3`),
    ).toEqual({
      changelog: 'append',
      keys: ['window_start', 'window_end', 'place'],
      // The ranked rows carry the aggregate's window, so they chart as its rows do.
      window: { kind: 'tumble', sizeMs: 60_000, slideMs: 60_000, startColumn: 'window_start', endColumn: 'window_end' },
    });
  });

  it('is keyed by the partition for deduplication: an append keeping the first row, a changelog keeping the last', () => {
    expect(shapeOf('SELECT user_id, url FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY ts) AS rn FROM clicks) WHERE rn = 1')).toEqual({
      changelog: 'append',
      keys: ['user_id'],
    });
    expect(shapeOf('SELECT user_id, url FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY ts DESC) AS rn FROM clicks) WHERE rn = 1')).toEqual({
      changelog: 'retract',
      keys: ['user_id'],
    });
  });
});
