// Views through the statement executor: kept in the catalog and persisted across a restart (temporary
// ones only until the engine closes), listed by SHOW VIEWS, dropped by DROP VIEW, and compiled into the
// queries that read them, so a view whose stream is gone is reported where a query names it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { SqlError } from '../../src/sql/index.js';
import { StatementExecutor } from '../../src/statements/index.js';

let dir: string;
let engine: Engine;
let statements: StatementExecutor;

async function open(): Promise<void> {
  engine = await createEngine({ dataDir: dir, shardLimits: false, fsync: 'never' });
  statements = new StatementExecutor(engine);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eddy-views-'));
  await open();
});

afterEach(async () => {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

const views = async () => {
  const [shown] = await statements.execute('SHOW VIEWS');
  return shown?.kind === 'showViews' ? shown.rows : [];
};

describe('views', () => {
  it('are kept across a restart, temporary ones only until the engine closes', async () => {
    const results = await statements.execute(
      "CREATE STREAM bids (auction BIGINT, price DOUBLE, `dateTime` TIMESTAMP, WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND); " +
        'CREATE VIEW big_bids (item, amount, at) AS SELECT auction, price, `dateTime` FROM bids WHERE price > 100; ' +
        'CREATE TEMPORARY VIEW cheap AS SELECT auction FROM bids WHERE price < 1; ' +
        'CREATE VIEW IF NOT EXISTS cheap AS SELECT price FROM bids',
    );
    expect(results.slice(1).map((r) => (r.kind === 'createView' ? `${r.view} ${r.action}` : r.kind))).toEqual(['big_bids created', 'cheap created', 'cheap unchanged']);
    expect(await views()).toEqual([
      { name: 'big_bids', temporary: false, columns: 'item BIGINT, amount DOUBLE, at TIMESTAMP', query: 'SELECT auction, price, `dateTime` FROM bids WHERE price > 100' },
      { name: 'cheap', temporary: true, columns: 'auction BIGINT', query: 'SELECT auction FROM bids WHERE price < 1' },
    ]);

    await engine.close();
    await open();
    expect((await views()).map((v) => v.name)).toEqual(['big_bids']);
    // The view's time attribute passes through it: a window table over the view runs on bids' watermark.
    const [explained] = await statements.execute(
      "EXPLAIN SELECT window_start, COUNT(*) AS n, MAX(amount) AS top FROM TABLE(TUMBLE(TABLE big_bids, DESCRIPTOR(at), INTERVAL '10' SECOND)) GROUP BY window_start, window_end",
    );
    expect(explained?.kind === 'explain' && explained.text).toMatch(/Filter: \(price@1 > 100\.0\)[\s\S]*Source: bids .* event_time=dateTime@2 watermark_delay=4 s/);
  });

  it('are dropped by DROP VIEW, which IF EXISTS makes quiet about a missing one', async () => {
    await statements.execute('CREATE STREAM s (v INT); CREATE VIEW w AS SELECT v FROM s');
    const results = await statements.execute('DROP VIEW w; DROP VIEW IF EXISTS w');
    expect(results.map((r) => r.kind === 'dropView' && r.dropped)).toEqual([true, false]);
    await engine.close();
    await open();
    expect(await views()).toEqual([]);
    await expect(statements.execute('DROP VIEW w')).rejects.toThrow("Unknown view 'w'");
  });

  it('report a view whose stream was dropped where a query names it', async () => {
    await statements.execute('CREATE STREAM s (v INT); CREATE VIEW w AS SELECT v FROM s; DROP STREAM s');
    const error = await statements.execute('SELECT v FROM w').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlError);
    expect((error as SqlError).message).toMatch(/^View 'w' no longer compiles: Unknown stream or view 's'/);
    expect((error as SqlError).column).toBe(15);
  });

  it('report a view whose stream changed its columns', async () => {
    await statements.execute('CREATE STREAM s (v INT); CREATE VIEW w AS SELECT v FROM s; DROP STREAM s; CREATE STREAM s (v VARCHAR)');
    await expect(statements.execute('SELECT v FROM w')).rejects.toThrow("View 'w' was created with columns (v INT) but its query now gives (v VARCHAR)");
  });

  it('share one namespace with streams', async () => {
    await statements.execute('CREATE STREAM s (v INT); CREATE VIEW w AS SELECT v FROM s');
    await expect(statements.execute('CREATE VIEW s AS SELECT v FROM s')).rejects.toThrow("'s' names a stream; a view needs a name of its own");
    await expect(statements.execute('CREATE STREAM w (v INT)')).rejects.toThrow("'w' names a view; a stream needs a name of its own");
  });
});
