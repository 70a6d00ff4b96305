// `npm run demo:clickstream` as a newcomer runs it with no server running: short and seeded, with Eddy
// started in the demo's own process. The demo checks every figure of Eddy's queries against the
// generator's own count; the test checks that it says so, that the unique visitors it printed
// (APPROX_COUNT_DISTINCT) are within the sketch's documented error of the exact count made here, and
// asks DuckDB the README's questions of the Parquet files (the events Firehose wrote, and the sessions
// the filesystem table wrote) against page views and sessions counted here from the generator's events.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleModule, runExample } from './example-harness.js';

interface ClickEvent {
  readonly user_id: string;
  readonly event_type: string;
  readonly url: string | null;
  readonly amount: number | null;
  readonly source: string;
  readonly ms: number;
}
interface Generator {
  generateEvents(options: { seed: number; minutes: number; count: number }): { events: ClickEvent[] };
}

let dataDir: string;

/**
 * Sessions counted here from the events, as a SESSION window with a 30-minute gap makes them (a
 * visitor's events until 30 minutes pass without one; the source the alphabetically first), by source.
 */
function sessionsBySource(events: readonly ClickEvent[]): { source: string; sessions: number; pages: number; revenue: number }[] {
  const gap = 30 * 60_000;
  const byUser = new Map<string, ClickEvent[]>();
  for (const e of events) byUser.set(e.user_id, [...(byUser.get(e.user_id) ?? []), e]);
  const totals = new Map<string, { source: string; sessions: number; pages: number; revenue: number }>();
  for (const list of byUser.values()) {
    list.sort((a, b) => a.ms - b.ms);
    let session: ClickEvent[] = [];
    const close = () => {
      const source = session.map((e) => e.source).sort()[0]!;
      const t = totals.get(source) ?? { source, sessions: 0, pages: 0, revenue: 0 };
      t.sessions++;
      t.pages += session.filter((e) => e.event_type === 'page_view').length;
      t.revenue += session.reduce((n, e) => n + (e.amount ?? 0), 0);
      totals.set(source, t);
    };
    for (const e of list) {
      if (session.length > 0 && e.ms - session[session.length - 1]!.ms >= gap) {
        close();
        session = [];
      }
      session.push(e);
    }
    close();
  }
  return [...totals.values()].sort((a, b) => (a.source < b.source ? -1 : 1));
}

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

    const checks = run.lines.filter((l) => /^ {2}(equal|within|unchecked|DIFFERENT) /.test(l));
    expect(checks).toHaveLength(6);
    for (const c of checks) expect(c).toMatch(/^ {2}(equal|within) /);
    expect(checks[0]).toContain('of each of 20 minutes');
    expect(checks[2]).toMatch(/^ {2}within {5}unique visitors so far this hour/);
    expect(checks[4]).toMatch(/^ {2}equal {6}6,002 rows in \d+ Parquet files? under .*: [\d,]+ page_view, [\d,]+ add_to_cart, [\d,]+ purchase, 2 heartbeat$/);

    const { generateEvents } = await exampleModule<Generator>('clickstream/events.mjs');
    const { events } = generateEvents({ seed: 11, minutes: 20, count: 3000 * 2 });

    // Unique visitors so far this hour, as printed every 5 minutes: HyperLogLog with 4,096 registers is
    // within 3 standard errors (4.9%) of the exact count in 99.7% of cases; the seed is fixed.
    const printed = run.lines.flatMap((l) => {
      const m = /^VISITORS (\d\d:\d\d)-(\d\d:\d\d) +([\d,]+) unique so far this hour/.exec(l);
      return m ? [{ from: m[1]!, to: m[2]!, visitors: Number(m[3]!.replace(/,/g, '')) }] : [];
    });
    expect(printed.map((p) => `${p.from}-${p.to}`).slice(0, 4)).toEqual(['09:00-09:05', '09:00-09:10', '09:00-09:15', '09:00-09:20']);
    for (const p of printed) {
      const end = Date.parse(`2025-01-06T${p.to}:00Z`);
      const exact = new Set(events.filter((e) => e.ms < end).map((e) => e.user_id)).size;
      expect(Math.abs(p.visitors - exact) / exact, `${p.from}-${p.to}: ${p.visitors} against ${exact}`).toBeLessThanOrEqual(0.049);
    }

    // The README's DuckDB queries, over the files the demo points at.
    const globs = [...run.stdout.matchAll(/read_parquet\('([^']+)'/g)].map((m) => m[1]);
    expect(globs).toEqual([join(dataDir, 'files', 'demo-clickstream', 'events', '*', '*.parquet'), join(dataDir, 'files', 'demo-clickstream', 'sessions', '**', '*.parquet')]);
    const duckdb = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      const pages = await duckdb.runAndReadAll(
        `SELECT url, count(*) AS views FROM read_parquet('${globs[0]!}', hive_partitioning = true) WHERE event_type = 'page_view' GROUP BY url ORDER BY views DESC, url`,
      );
      const views = new Map<string, number>();
      for (const e of events) if (e.event_type === 'page_view') views.set(e.url!, (views.get(e.url!) ?? 0) + 1);
      const expectedViews = [...views].map(([url, n]) => ({ url, views: n })).sort((a, b) => b.views - a.views || a.url.localeCompare(b.url));
      expect(pages.getRowObjectsJS().map((r) => ({ url: r['url'], views: Number(r['views']) }))).toEqual(expectedViews);

      const sessions = await duckdb.runAndReadAll(
        `SELECT source, count(*) AS sessions, sum(pages) AS pages, sum(revenue) AS revenue FROM read_parquet('${globs[1]!}') GROUP BY source ORDER BY source`,
      );
      expect(sessions.getRowObjectsJS().map((r) => ({ source: r['source'], sessions: Number(r['sessions']), pages: Number(r['pages']), revenue: Number(r['revenue']) }))).toEqual(
        sessionsBySource(events),
      );
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
