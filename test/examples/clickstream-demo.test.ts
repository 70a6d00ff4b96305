// `npm run demo:clickstream` as a newcomer runs it with no server running: short and seeded, with Eddy
// started in the demo's own process. The demo checks every figure of Eddy's queries against the
// generator's own count; the test checks that it says so, and asks DuckDB the README's question of the
// Parquet files Firehose wrote, against page views counted here from the generator's events.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleModule, runExample } from './example-harness.js';

interface ClickEvent {
  readonly event_type: string;
  readonly url: string | null;
}
interface Generator {
  generateEvents(options: { seed: number; minutes: number; count: number }): { events: ClickEvent[] };
}

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'eddy-clickstream-demo-'));
});

afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('npm run demo:clickstream', () => {
  it('starts Eddy in its own process, prints the console links, and finds every figure equal to the generator’s; DuckDB reads the Parquet files', async () => {
    const run = await runExample('clickstream', ['--short', '--seed', '11', '--data-dir', dataDir, '--port', '0']);
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/^Started Eddy in this process at http:\/\/127\.0\.0\.1:\d+ /m);
    expect(run.stdout).toMatch(/top pages, the last 5 minutes every 10 s +http:\/\/127\.0\.0\.1:\d+\/#\/queries\/[0-9a-f-]{36}$/m);

    const checks = run.lines.filter((l) => /^ {2}(equal|unchecked|DIFFERENT) /.test(l));
    expect(checks).toHaveLength(4);
    for (const c of checks) expect(c).toMatch(/^ {2}equal /);
    expect(checks[0]).toContain('of each of 20 minutes');
    expect(checks[3]).toMatch(/^ {2}equal {6}6,002 rows in \d+ Parquet files under .*: [\d,]+ page_view, [\d,]+ add_to_cart, [\d,]+ purchase, 2 heartbeat$/);

    // The README's DuckDB query, over the files the demo points at.
    const glob = /read_parquet\('([^']+)'/.exec(run.stdout)?.[1];
    expect(glob).toBe(join(dataDir, 'files', 'demo-clickstream', 'events', '*', '*.parquet'));
    const duckdb = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      const reader = await duckdb.runAndReadAll(
        `SELECT url, count(*) AS views FROM read_parquet('${glob!}', hive_partitioning = true) WHERE event_type = 'page_view' GROUP BY url ORDER BY views DESC, url`,
      );
      const fromParquet = reader.getRowObjectsJS().map((r) => ({ url: r['url'], views: Number(r['views']) }));

      const { generateEvents } = await exampleModule<Generator>('clickstream/events.mjs');
      const views = new Map<string, number>();
      for (const e of generateEvents({ seed: 11, minutes: 20, count: 3000 * 2 }).events) {
        if (e.event_type === 'page_view') views.set(e.url!, (views.get(e.url!) ?? 0) + 1);
      }
      const expected = [...views].map(([url, n]) => ({ url, views: n })).sort((a, b) => b.views - a.views || a.url.localeCompare(b.url));
      expect(fromParquet).toEqual(expected);
    } finally {
      duckdb.closeSync();
    }
  }, 90_000);

  it('says where it looked and how to start Eddy when --endpoint does not answer, and exits 1', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const run = await runExample('clickstream', ['--endpoint', `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: cannot reach Eddy at http://127.0.0.1:${port}; start it with \`npm start\`, or leave out --endpoint to start one in this process\n`);
  });
});
