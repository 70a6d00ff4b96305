#!/usr/bin/env node
// Takes the README's pictures of the web console (docs/console-*.png) against a running Eddy while the
// clickstream demo feeds it: headless Chromium (Debian's package, driven by playwright-core) opens each
// main view as a visitor would and photographs it once it shows the demo's data.
//
//   npm start                                   # in one terminal
//   node scripts/console-screenshots.mjs [--endpoint http://127.0.0.1:4567] [--out docs]

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { endpoint: { type: 'string', default: 'http://127.0.0.1:4567' }, out: { type: 'string', default: 'docs' } } });
const endpoint = values.endpoint.replace(/\/+$/, '');
const out = resolve(values.out);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`);

/** The demo, with its output watched for the console links it prints. */
function startDemo() {
  const child = spawn(process.execPath, [join(repo, 'examples', 'clickstream', 'run.mjs'), '--endpoint', endpoint, '--rate', '250', '--duration', '48', '--exit'], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  const waiters = new Set();
  child.stdout.setEncoding('utf8').on('data', (d) => {
    text += d;
    for (const w of [...waiters]) w();
  });
  const exited = new Promise((done) => child.once('close', done));
  return {
    exited,
    /** Resolves with the first match of `pattern` in what the demo printed. */
    printed(pattern) {
      return new Promise((done, fail) => {
        const check = () => {
          const m = pattern.exec(text);
          if (m) {
            waiters.delete(check);
            done(m);
          }
        };
        waiters.add(check);
        check();
        void exited.then(() => fail(new Error(`the demo ended without printing ${pattern}:\n${text}`)));
      });
    },
  };
}

async function typeInEditor(page, text) {
  await page.locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
}

const shoot = (page, name, fullPage = false) => page.screenshot({ path: join(out, `console-${name}.png`), fullPage });

async function main() {
  await mkdir(out, { recursive: true });
  const profile = await mkdtemp(join(tmpdir(), 'eddy-screenshots-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const demo = startDemo();
    const [, funnel] = await demo.printed(/visitors and the funnel, per minute +(\S+)/);

    // The query: the chart of visitors per minute, window after window, as lines.
    const query = await context.newPage();
    await query.goto(funnel);
    await query.getByRole('button', { name: 'lines' }).click();
    // By 09:30 the minutes show the newsletter's readers arriving, a third of the way into the hour.
    await demo.printed(/^TOP PAGES 09:25-09:30 /m);
    await query.waitForFunction(() => Number(document.querySelector('.chart')?.getAttribute('data-windows') ?? 0) >= 30, null, { timeout: 120_000 });

    // The stream being written, its rates and the newest records of a shard.
    const streams = await context.newPage();
    await streams.goto(`${endpoint}/#/streams/demo_clickstream_events`);
    await streams.locator('.shards-table tbody tr').nth(1).waitFor();
    await streams.getByLabel('Shard to peek at').selectOption('shardId-000000000001');
    await streams.locator('.records .record-data.json').first().waitFor();
    await shoot(streams, 'streams', true);
    await shoot(query, 'query');

    // The SQL view: a query typed and run, and the running queries with their rates.
    const sqlPage = await context.newPage();
    await sqlPage.goto(`${endpoint}/#/sql`);
    await typeInEditor(
      sqlPage,
      "SELECT window_start, source, COUNT(DISTINCT user_id) AS visitors\nFROM TABLE(TUMBLE(TABLE demo_clickstream_events, DESCRIPTOR(ts), INTERVAL '5' MINUTE))\nGROUP BY window_start, window_end, source",
    );
    await sqlPage.getByRole('button', { name: 'Run' }).click();
    const started = decodeURIComponent((await sqlPage.locator('.query-link').first().getAttribute('href')).split('#/queries/')[1]);
    await sqlPage.locator('svg.sparkline:not([data-peak="0"])').first().waitFor();
    await shoot(sqlPage, 'sql', true);

    // A mistake, marked where it is.
    await typeInEditor(sqlPage, "SELECT url, COUNT(*) AS views\nFROM demo_clickstream_events\nWHERE event_type = 'page_view'\nGROUP BY urll");
    await sqlPage.getByRole('button', { name: 'Run' }).click();
    await sqlPage.locator('.cm-lintRange-error').waitFor();
    await shoot(sqlPage, 'sql-error');
    // The query run for the picture was for the picture alone.
    await fetch(`${endpoint}/v1/queries/${encodeURIComponent(started)}`, { method: 'DELETE' });

    // Delivery, once the Parquet files are being written.
    const delivery = await context.newPage();
    await delivery.goto(`${endpoint}/#/delivery`);
    const row = delivery.locator('tr[data-delivery-stream="demo_clickstream_parquet"]');
    await row.waitFor();
    await delivery.waitForFunction(() => Number(document.querySelector('tr[data-delivery-stream="demo_clickstream_parquet"] td.num')?.textContent?.replace(/,/g, '') ?? 0) > 0, null, { timeout: 120_000 });
    const box = await delivery.locator('main').boundingBox();
    const width = await delivery.evaluate(() => document.documentElement.scrollWidth);
    await delivery.screenshot({ path: join(out, 'console-delivery.png'), fullPage: true, clip: { x: 0, y: 0, width, height: Math.ceil(box.y + box.height + 16) } });

    const code = await demo.exited;
    if (code !== 0) throw new Error(`the demo exited with ${code}`);
    console.log(`Screenshots written to ${out}: console-{streams,query,sql,sql-error,delivery}.png`);
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
