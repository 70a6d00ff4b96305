#!/usr/bin/env node
// The clickstream demo, start to finish (`npm run demo:clickstream`):
//   1. an Eddy to talk to: the one at the endpoint, or one started in this process;
//   2. its own stream, sessions table, queries and delivery stream, all named demo_clickstream_…
//      (setup.sql, queries/*.sql, and a Firehose delivery stream to Parquet), after removing what an
//      earlier run left under that prefix and nothing else;
//   3. the console links of the queries to watch;
//   4. a shop's page views, add-to-cart and purchase events, put with @aws-sdk/client-kinesis at --rate
//      for --duration;
// then it waits until every window has closed and every event and session is in a Parquet file, and
// checks Eddy's figures against the generator's own count.
//
//   npm run demo:clickstream -- [--rate 200] [--duration 60] [--seed 42] [--endpoint http://127.0.0.1:4567] [--help]

import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, UpdateDestinationCommand } from '@aws-sdk/client-firehose';
import { tableFromIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import {
  closeWindows,
  COMMON_OPTIONS,
  count,
  deliveryStatus,
  fail,
  finish,
  firehoseClient,
  kinesisClient,
  listFiles,
  openEddy,
  parseOptions,
  percent,
  progress,
  putRecords,
  queryStatus,
  resetDemo,
  shownPath,
  sql,
  startQuery,
  streamArn,
  subscribe,
  waitFor,
  waitForWatermark,
} from '../shared/eddy-demo.mjs';
import { DEFAULT_START, WINDOWS, generateEvents, groundTruth, heartbeatFor, record } from './events.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PREFIX = 'demo_clickstream_';
const EVENTS = 'demo_clickstream_events';
const DELIVERY_STREAM = 'demo_clickstream_parquet';
/** The sessions table (setup.sql), a filesystem table: its delivery stream has its name. */
const SESSIONS = 'demo_clickstream_sessions';
/** Bucket names cannot hold underscores; this one is the demo's alone all the same. */
const BUCKET = 'demo-clickstream';
const ROLE = 'arn:aws:iam::000000000000:role/eddy-demo';

const options = parseOptions(
  {
    ...COMMON_OPTIONS,
    rate: { ...COMMON_OPTIONS.rate, default: 200, short: 3000 },
    duration: { ...COMMON_OPTIONS.duration, default: 60, short: 2 },
    minutes: { type: 'number', default: 60, short: 20, help: 'Minutes of event time the events span.' },
    start: { type: 'time', default: DEFAULT_START, help: 'Event time the events start at.' },
    'files-root': { type: 'string', help: "Where the server writes Firehose buckets, to read the Parquet files back (default: the in-process Eddy's, else ./eddy-data/files)." },
    'buffer-seconds': { type: 'number', default: 5, short: 1, help: 'Firehose BufferingHints.IntervalInSeconds: how long events and sessions wait before a file is written.' },
    timeout: { type: 'number', default: 120, help: 'Seconds to wait for the last windows to close and the last file to be written.' },
  },
  'Usage: npm run demo:clickstream -- [options]   (or node examples/clickstream/run.mjs [options])',
);

const hm = (ms) => new Date(ms).toISOString().slice(11, 16);
const hms = (ms) => new Date(ms).toISOString().slice(11, 19);
const query = (file) => readFile(join(here, 'queries', file), 'utf8');

async function main() {
  console.log('Clickstream analytics on Eddy');
  const eddy = await openEddy(options);
  let code = 1;
  try {
    const { endpoint } = eddy;
    const filesRoot = options['files-root'] ?? eddy.filesRoot;
    await resetDemo(endpoint, { prefix: PREFIX, filesRoot, buckets: [BUCKET] });

    for (const r of await sql(endpoint, await readFile(join(here, 'setup.sql'), 'utf8'))) console.log(`  ${r.message}`);
    const sessions = await startQuery(endpoint, await query('sessions.sql'), `${PREFIX}sessions`);
    const bySource = await startQuery(endpoint, await query('sessions-by-source.sql'), `${PREFIX}sessions_by_source`);
    const topPages = await startQuery(endpoint, await query('top-pages.sql'), `${PREFIX}top_pages`);
    const funnel = await startQuery(endpoint, await query('funnel.sql'), `${PREFIX}funnel`);
    const uniques = await startQuery(endpoint, await query('unique-visitors.sql'), `${PREFIX}unique_visitors`);
    console.log(`  5 queries running: queries/sessions.sql (into ${SESSIONS}), sessions-by-source.sql, top-pages.sql, funnel.sql, unique-visitors.sql`);

    const kinesis = kinesisClient(endpoint);
    const firehose = firehoseClient(endpoint);
    try {
      // The sessions table's delivery stream buffers as Firehose does unless told otherwise (300 s);
      // UpdateDestination makes it write its files as often as the events' delivery stream.
      const described = (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: SESSIONS }))).DeliveryStreamDescription;
      await firehose.send(
        new UpdateDestinationCommand({
          DeliveryStreamName: SESSIONS,
          CurrentDeliveryStreamVersionId: described.VersionId,
          DestinationId: described.Destinations[0].DestinationId,
          ExtendedS3DestinationUpdate: { BufferingHints: { IntervalInSeconds: Math.max(1, options['buffer-seconds']), SizeInMBs: 64 } },
        }),
      );

      // Every event to Parquet, one folder per event type. The schema is the stream's SQL schema (in place
      // of a Glue table); a stream-sourced delivery reads from LATEST, so it is created before any event.
      await firehose.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: DELIVERY_STREAM,
          DeliveryStreamType: 'KinesisStreamAsSource',
          KinesisStreamSourceConfiguration: { KinesisStreamARN: await streamArn(kinesis, EVENTS), RoleARN: ROLE },
          ExtendedS3DestinationConfiguration: {
            BucketARN: `arn:aws:s3:::${BUCKET}`,
            RoleARN: ROLE,
            Prefix: 'events/event_type=!{partitionKeyFromQuery:event_type}/',
            ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/',
            BufferingHints: { IntervalInSeconds: Math.max(1, options['buffer-seconds']), SizeInMBs: 64 },
            DynamicPartitioningConfiguration: { Enabled: true },
            ProcessingConfiguration: {
              Enabled: true,
              Processors: [{ Type: 'MetadataExtraction', Parameters: [{ ParameterName: 'MetadataExtractionQuery', ParameterValue: '{event_type: .event_type}' }, { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' }] }],
            },
            DataFormatConversionConfiguration: {
              Enabled: true,
              SchemaConfiguration: { DatabaseName: 'eddy', TableName: EVENTS, RoleARN: ROLE },
              InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
              OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
            },
          },
        }),
      );
      console.log(`  Firehose ${DELIVERY_STREAM}: every event → arn:aws:s3:::${BUCKET}/events/event_type=…/ as Parquet`);
      console.log(`  Firehose ${SESSIONS}: every session → arn:aws:s3:::${BUCKET}/sessions/ as Parquet, every ${Math.max(1, options['buffer-seconds'])} s`);

      console.log('\nWatch it in the web console:');
      console.log(`  top pages, the last 5 minutes every 10 s     ${eddy.consoleUrl(`#/queries/${topPages.id}`)}`);
      console.log(`  visitors and the funnel, per minute          ${eddy.consoleUrl(`#/queries/${funnel.id}`)}`);
      console.log(`  unique visitors so far this hour             ${eddy.consoleUrl(`#/queries/${uniques.id}`)}`);
      console.log(`  sessions by traffic source                   ${eddy.consoleUrl(`#/queries/${bySource.id}`)}`);
      console.log(`  the Parquet files being written              ${eddy.consoleUrl('#/delivery')}`);

      // This script follows the same queries over their WebSockets.
      const windows = new Map();
      let printedUpTo = -Infinity;
      const printTopPages = (before) => {
        for (const [end, rows] of [...windows].sort(([a], [b]) => a - b)) {
          if (end >= before) break;
          windows.delete(end);
          if (end % (5 * 60_000) !== 0 || end <= printedUpTo) continue;
          printedUpTo = end;
          const top = [...rows].sort((a, b) => a.place - b.place);
          console.log(`TOP PAGES ${hm(end - 5 * 60_000)}-${hm(end)}  ${top.map((r) => `${r.url} ${r.views}`).join(' · ')}`);
        }
      };
      const pagesFeed = await subscribe(endpoint, topPages.id, {
        onRows: (rows) => {
          let latest = -Infinity;
          for (const r of rows) {
            const end = Date.parse(r.window_end);
            windows.set(end, [...(windows.get(end) ?? []), r]);
            latest = Math.max(latest, end);
          }
          // A window's rows all come at once, so every window before the newest is complete.
          printTopPages(latest);
        },
      });
      const funnelFeed = await subscribe(endpoint, funnel.id, {
        onRows: (rows) => {
          for (const r of rows) {
            console.log(
              `MINUTE ${hm(Date.parse(r.window_start))}  ${String(r.visitors).padStart(4)} visitors ${String(r.page_views).padStart(5)} page views   ` +
                `product page ${r.viewed_product} → cart ${r.added_to_cart} → purchase ${r.purchased}`,
            );
          }
        },
      });
      const uniquesFeed = await subscribe(endpoint, uniques.id, {
        onRows: (rows) => {
          for (const r of rows) {
            const end = Date.parse(r.window_end);
            if (end % (5 * 60_000) === 0) console.log(`VISITORS ${hm(Date.parse(r.window_start))}-${hm(end)}  ${count(r.visitors)} unique so far this hour (APPROX_COUNT_DISTINCT)`);
          }
        },
      });
      const sourceFeed = await subscribe(endpoint, bySource.id);

      const total = Math.round(options.rate * options.duration);
      const run = generateEvents({ seed: options.seed, start: options.start, minutes: options.minutes, count: total });
      console.log(
        `\nSending ${count(total)} events of ${count(run.visits)} visits by ${count(run.visitors)} visitors, ${options.minutes} minutes of event time from ${hm(run.startMs)} UTC, ` +
          `at ${count(options.rate)}/s for ${options.duration} s (seed ${options.seed}).\n`,
      );
      let heartbeat;
      let shards;
      let sessionCount;
      try {
        const report = progress(10_000, (sent) => console.log(`  … ${count(sent)} of ${count(total)} sent, event time ${hms(run.events[sent - 1].ms)} UTC`));
        await putRecords(kinesis, EVENTS, run.events, { rate: options.rate, encode: (e) => ({ key: e.user_id, data: JSON.stringify(record(e)) }), onProgress: report });
        heartbeat = heartbeatFor(run.endMs);
        shards = await closeWindows(kinesis, EVENTS, heartbeat.data);
        console.log(`Sent ${count(total)} events, then a heartbeat to each of ${shards} shards dated ${hms(Date.parse(heartbeat.data.ts))} UTC to close the last windows.`);

        const timeoutMs = options.timeout * 1000;
        const statuses = await waitForWatermark(endpoint, [sessions.id, topPages.id, funnel.id, uniques.id], heartbeat.watermarkMs, { timeoutMs });
        const [sessionStatus, pagesStatus, funnelStatus, uniquesStatus] = statuses;
        sessionCount = sessionStatus.outputRows;
        await pagesFeed.until((rows) => rows.length >= pagesStatus.outputRows, `${pagesStatus.outputRows} top-page rows`);
        await funnelFeed.until((rows) => rows.length >= funnelStatus.outputRows, `${funnelStatus.outputRows} funnel rows`);
        await uniquesFeed.until((rows) => rows.length >= uniquesStatus.outputRows, `${uniquesStatus.outputRows} unique-visitor rows`);
        printTopPages(Infinity);
        // Sessions by source has read every session once its input has caught up with what sessions.sql wrote.
        await waitFor(async () => ((await queryStatus(endpoint, bySource.id)).inputRecords >= sessionStatus.outputRows ? true : undefined), {
          timeoutMs,
          what: `sessions by source to read ${sessionStatus.outputRows} sessions`,
        });
        await sourceFeed.until((rows) => (latestBySource(rows).get('all')?.sessions ?? 0) >= sessionStatus.outputRows, `${sessionStatus.outputRows} sessions by source`);
        const late = statuses.reduce((n, s) => n + s.lateRows, 0);
        const undecoded = statuses.reduce((n, s) => n + s.decodeErrors, 0);
        console.log(`All windows closed (${late} late events dropped, ${undecoded} that did not decode).`);
      } finally {
        pagesFeed.close();
        funnelFeed.close();
        uniquesFeed.close();
        sourceFeed.close();
      }

      // Delivery: every event and heartbeat, and every session, written, as far as the delivery streams' counters tell.
      const delivered = await deliveredAll(endpoint, DELIVERY_STREAM, total + shards, 'events');
      const sessionsDelivered = await deliveredAll(endpoint, SESSIONS, sessionCount, 'sessions');

      const truth = groundTruth(run.events, heartbeat.watermarkMs);
      const checks = [];
      checks.push(compareMinutes(funnelFeed.rows, truth.perMinute));
      checks.push(compareTopPages(pagesFeed.rows, truth.topPages));
      checks.push(compareVisitors(uniquesFeed.rows, truth.visitors));
      const sources = latestBySource(sourceFeed.rows);
      checks.push(compareSources(sources, truth.bySource));
      checks.push(await compareParquet(filesRoot, delivered, truth.byType, shards));
      checks.push(await compareSessionFiles(filesRoot, sessionsDelivered, truth.bySource));

      printSessions(sources, truth.sessions, run.visits);
      console.log("\nEddy's figures against the generator's own count (made from the events it sent, without Eddy):");
      for (const c of checks) console.log(`  ${c.ok ? (c.within ? 'within   ' : 'equal    ') : c.ok === undefined ? 'unchecked' : 'DIFFERENT'}  ${c.what}`);
      for (const c of checks) for (const d of c.differences ?? []) console.log(`    ${d}`);
      code = checks.every((c) => c.ok !== false) ? 0 : 1;

      const read = checks[checks.length - 1].ok !== undefined;
      const bucket = read ? shownPath(join(filesRoot, BUCKET)) : `<the server's files root>/${BUCKET}`;
      console.log(`\nAsk DuckDB about the Parquet files (the heartbeats are event_type 'heartbeat'):`);
      console.log(`  duckdb -c "SELECT url, count(*) AS views FROM read_parquet('${join(bucket, 'events', '*', '*.parquet')}', hive_partitioning = true) WHERE event_type = 'page_view' GROUP BY url ORDER BY views DESC LIMIT 5"`);
      console.log(`  duckdb -c "SELECT source, count(*) AS sessions, sum(purchases) AS purchases, sum(revenue) AS revenue FROM read_parquet('${join(bucket, 'sessions', '**', '*.parquet')}') GROUP BY source ORDER BY revenue DESC"`);
    } finally {
      firehose.destroy();
      kinesis.destroy();
    }
  } catch (e) {
    await eddy.close();
    throw e;
  }
  return finish(eddy, options, code);
}

/** Waits until a delivery stream has written (or put in its error prefix) `expected` records. */
async function deliveredAll(endpoint, name, expected, what) {
  return waitFor(
    async () => {
      const s = await deliveryStatus(endpoint, name);
      if (s.failing) throw new Error(`delivery of ${what} to Parquet fails: ${s.failing.code}: ${s.failing.message}`);
      return s.deliveredRecords + s.errorRecords >= expected ? s : undefined;
    },
    { timeoutMs: (options.timeout + options['buffer-seconds']) * 1000, intervalMs: 250, what: `${expected} ${what} delivered to Parquet` },
  );
}

const files = (n) => `${n} Parquet file${n === 1 ? '' : 's'}`;
const sum = (items, f) => [...items].reduce((n, x) => n + f(x), 0);

/** Sessions by source is updated in place: the newest row of each source (and of 'all') is its current figure. */
function latestBySource(rows) {
  const latest = new Map();
  for (const r of rows) {
    // A changelog: -U is the row a +U right after it replaces.
    if (r._op === '-D') latest.delete(r.source);
    else if (r._op !== '-U') latest.set(r.source, r);
  }
  return latest;
}

/** Each minute's visitors, page views and funnel steps, against the generator's. */
function compareMinutes(rows, perMinute) {
  const fields = ['visitors', 'page_views', 'viewed_product', 'added_to_cart', 'purchased'];
  const differences = [];
  const seen = new Set();
  for (const r of rows) {
    const at = Date.parse(r.window_start);
    seen.add(at);
    const want = perMinute.get(at);
    for (const f of fields) if (want?.[f] !== r[f]) differences.push(`minute ${hm(at)}: ${f} ${r[f]}, generator ${want?.[f]}`);
  }
  for (const at of perMinute.keys()) if (!seen.has(at)) differences.push(`minute ${hm(at)}: no row from Eddy`);
  const visitors = sum(rows, (r) => r.visitors);
  return {
    ok: differences.length === 0,
    what: `visitors, page views and funnel of each of ${rows.length} minutes (${count(visitors)} visitor-minutes, ${count(sum(rows, (r) => r.purchased))} buyers)`,
    differences: differences.slice(0, 10),
  };
}

/** The first five pages of every 5-minute window, their places and views, against the generator's. */
function compareTopPages(rows, topPages) {
  const differences = [];
  const seen = new Set();
  for (const r of rows) {
    const key = `${Date.parse(r.window_start)} ${r.url}`;
    seen.add(key);
    const want = topPages.get(key);
    if (want?.views !== r.views || want?.place !== r.place) {
      differences.push(`${hms(Date.parse(r.window_start))} ${r.url}: place ${r.place} with ${r.views} views, generator ${want ? `place ${want.place} with ${want.views}` : 'not in the first five'}`);
    }
  }
  for (const key of topPages.keys()) if (!seen.has(key)) differences.push(`${key}: no row from Eddy`);
  const windows = new Set(rows.map((r) => r.window_start)).size;
  return { ok: differences.length === 0, what: `the first ${WINDOWS.topPagesPlaces} pages and their views in each of ${count(windows)} top-pages windows (${count(rows.length)} rows)`, differences: differences.slice(0, 10) };
}

/**
 * Unique visitors so far this hour, by APPROX_COUNT_DISTINCT, against the generator's exact count: within
 * 3 standard errors (4.9% for its 4,096 registers) every time, as its documentation says for 99.7% of
 * counts.
 */
function compareVisitors(rows, visitors) {
  const bound = 0.049;
  const differences = [];
  const seen = new Set();
  let worst = 0;
  for (const r of rows) {
    const key = `${Date.parse(r.window_start)} ${Date.parse(r.window_end)}`;
    seen.add(key);
    const exact = visitors.get(key);
    const error = exact === undefined ? Infinity : Math.abs(r.visitors - exact) / exact;
    worst = Math.max(worst, error);
    if (!(error <= bound)) differences.push(`${hm(Date.parse(r.window_start))}-${hm(Date.parse(r.window_end))}: ${r.visitors} visitors, generator ${exact ?? 'no such window'}`);
  }
  for (const key of visitors.keys()) if (!seen.has(key)) differences.push(`${key}: no row from Eddy`);
  const last = [...rows].sort((a, b) => Date.parse(b.window_end) - Date.parse(a.window_end))[0];
  const exactLast = last && visitors.get(`${Date.parse(last.window_start)} ${Date.parse(last.window_end)}`);
  return {
    ok: differences.length === 0,
    within: true,
    what:
      `unique visitors so far this hour at each of ${rows.length} minutes: APPROX_COUNT_DISTINCT at most ${(100 * worst).toFixed(2)}% from the exact count (bound ${(100 * bound).toFixed(1)}%)` +
      (last ? `; ${count(last.visitors)} against ${count(exactLast)} by ${hm(Date.parse(last.window_end))}` : ''),
    differences: differences.slice(0, 10),
  };
}

/**
 * Sessions, visitors, bounces, pages, time, conversions and revenue of each source and of all, against
 * the generator's; the 90th percentile of session length (APPROX_PERCENTILE, by DDSketch) within 1% of
 * the exact one, as its documentation says.
 */
function compareSources(latest, bySource) {
  const fields = ['sessions', 'visitors', 'bounces', 'pages', 'duration_ms', 'converted', 'revenue'];
  const differences = [];
  for (const [source, want] of bySource) {
    const r = latest.get(source);
    for (const f of fields) if (r?.[f] !== want[f]) differences.push(`${source}: ${f} ${r?.[f]}, generator ${want[f]}`);
    if (!(Math.abs(r?.p90_ms - want.p90_ms) <= 0.01 * want.p90_ms)) differences.push(`${source}: p90_ms ${r?.p90_ms}, generator ${want.p90_ms} (more than 1% apart)`);
  }
  for (const source of latest.keys()) if (!bySource.has(source)) differences.push(`${source}: not a source the generator used`);
  return { ok: differences.length === 0, what: `sessions, visitors, bounces, pages, time, conversions and revenue of ${bySource.size - 1} traffic sources and all of them (the 90th percentile of length within 1%)`, differences };
}

/** Every Parquet file under a folder of the bucket, as Arrow tables; undefined when there is none to read. */
async function readParquetFiles(filesRoot, folder) {
  const dir = join(filesRoot, BUCKET, folder);
  const files = (await listFiles(dir)).filter((f) => f.endsWith('.parquet'));
  if (files.length === 0) return undefined;
  const tables = [];
  for (const f of files) tables.push(tableFromIPC(parquet.readParquet(await readFile(join(dir, f))).intoIPCStream()));
  return { dir, files, tables };
}

/** The rows of the events' Parquet files by event type, against the events sent (and the heartbeats). */
async function compareParquet(filesRoot, delivered, byType, heartbeats) {
  const read = await readParquetFiles(filesRoot, 'events');
  const what = `${count(delivered.deliveredRecords)} events delivered to Parquet`;
  if (!read) return { ok: undefined, what: `${what}; no files under ${join(filesRoot, BUCKET, 'events')} to read back (pass --files-root <the server's data dir>/files)` };
  const found = new Map();
  for (const table of read.tables) {
    const type = table.getChild('event_type');
    for (let i = 0; i < table.numRows; i++) found.set(type.get(i), (found.get(type.get(i)) ?? 0) + 1);
  }
  const want = new Map([...byType, ['heartbeat', heartbeats]]);
  const differences = [];
  for (const [type, n] of want) if (found.get(type) !== n) differences.push(`${type}: ${found.get(type) ?? 0} rows in Parquet, ${n} sent`);
  const rows = sum(found.values(), (n) => n);
  return {
    ok: differences.length === 0,
    what: `${count(rows)} rows in ${files(read.files.length)} under ${shownPath(read.dir)}: ${[...want].map(([t, n]) => `${count(n)} ${t}`).join(', ')}`,
    differences,
  };
}

/** The sessions table's Parquet files: sessions, pages and revenue of each source, against the generator's. */
async function compareSessionFiles(filesRoot, delivered, bySource) {
  const read = await readParquetFiles(filesRoot, 'sessions');
  const what = `${count(delivered.deliveredRecords)} sessions delivered to Parquet`;
  if (!read) return { ok: undefined, what: `${what}; no files under ${join(filesRoot, BUCKET, 'sessions')} to read back (pass --files-root <the server's data dir>/files)` };
  const found = new Map();
  for (const table of read.tables) {
    const [source, pages, revenue] = ['source', 'pages', 'revenue'].map((c) => table.getChild(c));
    for (let i = 0; i < table.numRows; i++) {
      for (const key of [source.get(i), 'all']) {
        const f = found.get(key) ?? { sessions: 0, pages: 0, revenue: 0 };
        f.sessions++;
        f.pages += Number(pages.get(i));
        f.revenue += revenue.get(i);
        found.set(key, f);
      }
    }
  }
  const differences = [];
  for (const [source, want] of bySource) {
    for (const field of ['sessions', 'pages', 'revenue']) {
      if (found.get(source)?.[field] !== want[field]) differences.push(`${source}: ${field} ${found.get(source)?.[field]} in Parquet, generator ${want[field]}`);
    }
  }
  const all = found.get('all');
  return {
    ok: differences.length === 0,
    what: `${count(all?.sessions ?? 0)} sessions in ${files(read.files.length)} under ${shownPath(read.dir)}: sessions, pages and revenue of each source`,
    differences,
  };
}

function printSessions(latest, sessions, visits) {
  console.log(`\nSessions by traffic source (a visitor's events until 30 minutes pass without one; ${count(sessions)} sessions from the generator's ${count(visits)} visits):`);
  console.log(`  ${'source'.padEnd(11)} ${'sessions'.padStart(8)} ${'visitors'.padStart(8)} ${'bounce'.padStart(7)} ${'pages'.padStart(6)} ${'length'.padStart(7)} ${'p90'.padStart(7)} ${'bought'.padStart(7)} ${'revenue'.padStart(9)}`);
  const rows = [...latest.values()].sort((a, b) => (a.source === 'all') - (b.source === 'all') || b.sessions - a.sessions);
  for (const r of rows) {
    console.log(
      `  ${r.source.padEnd(11)} ${count(r.sessions).padStart(8)} ${count(r.visitors).padStart(8)} ${`${r.bounce_pct.toFixed(1)}%`.padStart(7)} ` +
        `${r.pages_per_session.toFixed(2).padStart(6)} ${`${Math.round(r.avg_seconds)} s`.padStart(7)} ${`${Math.round(r.p90_ms / 1000)} s`.padStart(7)} ${percent(r.converted, r.sessions).padStart(7)} ${count(r.revenue).padStart(9)}`,
    );
  }
}

main().then(
  (code) => process.exit(code),
  (e) => fail(e.message),
);
