// The web console in a real headless Chromium against a real server: a user loads the page, creates a
// stream, puts a record, types a windowed query in the editor and runs it, watches rows fill the table and
// points appear in the chart as windows close, sees a SQL error marked where it is, and stops the query.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsoleBundle, launchBrowser, navigationTiming, screenshot, startConsoleServer, type Browser, type BuiltConsole, type ConsoleServer } from './console-harness.js';

let bundle: BuiltConsole;
let browser: Browser;
let server: ConsoleServer;
let filesRoot: string;

beforeAll(async () => {
  bundle = await buildConsoleBundle();
  filesRoot = await mkdtemp(join(tmpdir(), 'eddy-console-files-'));
  server = await startConsoleServer(bundle.dir, { engine: { filesRoot } });
  browser = await launchBrowser();
  const total = bundle.files.reduce((sum, f) => sum + f.gzipBytes, 0);
  console.log(`console bundle: ${bundle.files.map((f) => `${f.path} ${f.gzipBytes} B gzipped`).join(', ')}; ${(total / 1024).toFixed(1)} KiB gzipped in all`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await bundle?.remove();
  if (filesRoot) await rm(filesRoot, { recursive: true, force: true });
});

const T0 = Date.parse('2026-11-25T10:00:00Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();
const USERS = ['ann', 'bob', 'cat'] as const;
/** Hash keys that put a record on the first or the second of two shards. */
const SHARD_KEYS = ['0', (2n ** 127n).toString()] as const;

const SCRIPT = [
  "CREATE STREAM clicks (user_id VARCHAR, url VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (format = 'json');",
  'SELECT window_start, user_id, COUNT(*) AS clicks, SUM(amount) AS spent',
  "FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND))",
  'GROUP BY window_start, window_end, user_id',
].join('\n');

/** Clicks in four 10-second windows: user u clicks (u + w) % 3 + 1 times in window w, each worth w + 1. */
function clicks(): { user: string; seconds: number; amount: number }[] {
  const out: { user: string; seconds: number; amount: number }[] = [];
  for (let w = 0; w < 4; w++) {
    USERS.forEach((user, u) => {
      for (let k = 0; k < ((u + w) % 3) + 1; k++) out.push({ user, seconds: w * 10 + 1 + k, amount: w + 1 });
    });
  }
  return out;
}

async function put(user: string, seconds: number, amount: number): Promise<void> {
  // ann and cat on the first shard, bob on the second, so both shards move the watermark.
  const explicitHashKey = SHARD_KEYS[user === 'bob' ? 1 : 0];
  const data = JSON.stringify({ user_id: user, url: `/p/${seconds % 4}`, amount, ts: at(seconds) });
  const res = await server.api('POST', '/v1/streams/clicks/records', { partitionKey: user, data, explicitHashKey });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
}

async function typeInEditor(page: Page, text: string): Promise<void> {
  const editor = page.locator('.cm-content');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
}

async function tableRows(page: Page): Promise<string[][]> {
  return page.locator('.results-table tbody tr:not(.waiting)').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}

describe('the web console', () => {
  it('runs a windowed query typed in the editor and shows its rows and chart live, marks a SQL error, and stops the query', async () => {
    const page = await browser.newPage();

    // Load: the page and its first view, timed.
    const started = performance.now();
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Streams' }).waitFor();
    const ready = performance.now() - started;
    const timing = await navigationTiming(page);
    console.log(`console page, first load: DOMContentLoaded ${timing.domContentLoaded.toFixed(0)} ms, load event ${timing.load.toFixed(0)} ms, streams view shown after ${ready.toFixed(0)} ms`);
    // Again, with the hashed assets in the browser's cache (they are immutable); only the page is revalidated.
    const again = performance.now();
    await page.reload();
    await page.getByRole('heading', { name: 'Streams' }).waitFor();
    const warm = (await navigationTiming(page)).load;
    console.log(`console page, reloaded: load event ${warm.toFixed(0)} ms, streams view shown after ${(performance.now() - again).toFixed(0)} ms`);
    await page.getByText('No streams yet').waitFor();

    // Create a stream with the form.
    await page.getByLabel('Name').fill('clicks');
    await page.locator('input[name=shards]').fill('2');
    await page.getByRole('button', { name: 'Create stream' }).click();
    await page.getByRole('heading', { name: 'clicks' }).waitFor();
    await page.locator('.shards-table tbody tr').nth(1).waitFor();
    expect(await page.locator('.shards-table tbody tr').count()).toBe(2);
    expect((await server.api('GET', '/v1/streams/clicks')).json).toMatchObject({ openShardCount: 2, mode: 'PROVISIONED' });

    // Put a test record through the form, and see it among the shard's newest records.
    await page.getByLabel('Partition key').fill('dan');
    await page.getByLabel('Data (text)').fill(JSON.stringify({ user_id: 'dan', url: '/', amount: 1, ts: at(5) }));
    await page.getByRole('button', { name: 'Put record' }).click();
    const stored = await page.getByRole('status').textContent();
    const shardOfDan = /Stored in (shardId-\d+)/.exec(stored ?? '')?.[1];
    expect(shardOfDan).toMatch(/^shardId-00000000000[01]$/);
    await page.getByLabel('Shard to peek at').selectOption(shardOfDan!);
    await page.locator('.records .record-data.json').filter({ hasText: '"user_id": "dan"' }).waitFor();

    // A delivery stream archives the stream's records as files from here on.
    await server.engine.delivery!.createDeliveryStream({
      DeliveryStreamName: 'clicks-archive',
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: { KinesisStreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks', RoleARN: 'arn:aws:iam::000000000000:role/firehose' },
      ExtendedS3DestinationConfiguration: {
        RoleARN: 'arn:aws:iam::000000000000:role/firehose',
        BucketARN: 'arn:aws:s3:::archive',
        Prefix: 'clicks/',
        ErrorOutputPrefix: 'errors/',
        BufferingHints: { IntervalInSeconds: 0 },
        CompressionFormat: 'GZIP',
      },
    });

    // Type the windowed query in the editor and run the script.
    await page.getByRole('link', { name: 'SQL', exact: true }).click();
    await typeInEditor(page, SCRIPT);
    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByText("Schema attached to the existing stream 'clicks'").waitFor();
    await page.locator('.query-link').click();
    await page.waitForURL(/#\/queries\//);
    const queryId = decodeURIComponent(page.url().split('#/queries/')[1]!);
    await page.getByRole('heading', { name: 'Rows' }).waitFor();

    // Records arrive; a later one on each shard moves both shards' watermarks past the fourth window.
    const sent = clicks();
    for (const c of sent) await put(c.user, c.seconds, c.amount);
    await put('ann', 45, 1);
    await put('bob', 45, 1);

    // The stream's page shows the burst in its rate over the last minute, and the query among its readers.
    await page.locator('.query-facts').getByRole('link', { name: 'clicks' }).click();
    const recordsRate = page.locator('tr[data-stream="clicks"] svg.sparkline').first();
    await expect.poll(async () => Number(await recordsRate.getAttribute('data-peak')), { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
    await page.locator('.readers').getByRole('link', { name: queryId.slice(0, 8) }).waitFor();
    await screenshot(page, 'streams');
    // Back on the query, the rows that arrived meanwhile are there: its result stream stayed open.
    await page.goBack();
    await page.waitForURL(/#\/queries\//);

    const expected = [
      ['2026-11-25 10:00:00.000', 'dan', '1', '1'],
      ...[0, 1, 2, 3].flatMap((w) =>
        USERS.map((user, u) => {
          const n = ((u + w) % 3) + 1;
          return [`2026-11-25 10:00:${String(w * 10).padStart(2, '0')}.000`, user, String(n), String(n * (w + 1))];
        }),
      ),
    ];
    await page.locator(`[data-received="${expected.length}"]`).waitFor();
    const rows = await tableRows(page);
    expect(rows.slice().sort()).toEqual(expected.slice().sort());
    // Newest first: the last window to close is at the top.
    expect(rows[0]![0]).toBe('2026-11-25 10:00:30.000');

    // The chart has one series per user and a point per user and window.
    await page.locator(`.chart[data-windows="4"][data-series="4"][data-points="${expected.length}"]`).waitFor();
    for (const user of ['ann', 'bob', 'cat', 'dan']) await page.locator('.chart .u-legend').getByText(user, { exact: true }).waitFor();
    await page.locator('.query-facts').getByText('tumbling windows of 10.0 s, emitted as they close').waitFor();
    await page.locator('.shard-watermarks tbody tr').nth(1).waitFor();
    await page.locator('.query-facts').getByText(`(${expected.length} in all)`).waitFor();
    // Whether its progress is saved: its last checkpoint (none in its first 5 s) and how many it saved.
    await page.locator('.query-facts').getByText(/^(none yet|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \(took \d+ ms\)); \d+ saved$/).waitFor();
    await screenshot(page, 'query');
    await page.getByRole('button', { name: 'lines' }).click();
    await page.locator(`.chart[data-points="${expected.length}"]`).waitFor();
    await page.getByRole('button', { name: 'bars' }).click();

    // Back in the SQL view, the last run's results are still there, and the query's progress is listed.
    await page.getByRole('link', { name: 'SQL', exact: true }).click();
    await page.getByText("Schema attached to the existing stream 'clicks'").waitFor();
    await page.locator(`tr[data-query="${queryId}"]`).getByText('2026-11-25 10:00:44.000').waitFor();
    // Its input rate over the last minute, measured by the server, shows the records it read.
    await page.locator(`tr[data-query="${queryId}"] svg.sparkline:not([data-peak="0"])`).first().waitFor();
    await screenshot(page, 'sql');

    // A mistake in the SQL is marked at its line and column in the editor.
    await typeInEditor(page, 'SELECT user_id,\n  COUNT(*) AS n\nFROM clicks\nGROUP BY usr_id');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('.sql-error').getByText('line 4, column 10').waitFor();
    expect(await page.locator('.sql-error').textContent()).toContain("Unknown column 'usr_id'");
    const marked = page.locator('.cm-lintRange-error');
    await marked.waitFor();
    expect(await marked.textContent()).toBe('usr_id');
    // The mark sits on the fourth line of the editor.
    const markedLine = await marked.evaluate((el) => {
      let n = 0;
      for (let line = el.closest('.cm-line'); line; line = line.previousElementSibling) n++;
      return n;
    });
    expect(markedLine).toBe(4);
    await screenshot(page, 'sql-error');

    // The delivery view shows the files written.
    await page.getByRole('link', { name: 'Delivery', exact: true }).click();
    const archive = page.locator('tr[data-delivery-stream="clicks-archive"]');
    await archive.waitFor();
    await expect.poll(async () => Number(await archive.locator('td.num').first().textContent()), { timeout: 60_000 }).toBeGreaterThan(0);
    await screenshot(page, 'delivery');

    // Stop the query from the list of queries.
    await page.getByRole('link', { name: 'SQL', exact: true }).click();
    const row = page.locator(`tr[data-query="${queryId}"]`);
    await row.waitFor();
    await row.getByRole('button', { name: 'Stop' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await server.api('GET', '/v1/queries')).json.queries).toEqual([]);

    expect(browser.pageErrors).toEqual([]);
    await page.close();
  }, 180_000);
});
