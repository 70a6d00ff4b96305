#!/usr/bin/env node
// The clickstream demo, start to finish (`npm run demo:clickstream`):
//   1. an Eddy to talk to: the one at the endpoint, or one started in this process;
//   2. its own streams, queries and delivery stream, all named demo_clickstream_… (setup.sql,
//      queries/*.sql, and a Firehose delivery stream to Parquet), after removing what an earlier run left
//      under that prefix and nothing else;
//   3. the console links of the queries to watch;
//   4. a shop's page views, add-to-cart and purchase events, put with @aws-sdk/client-kinesis at --rate
//      for --duration;
// then it waits until every window has closed and every event is in a Parquet file, and checks Eddy's
// figures against the generator's own count.
//
//   npm run demo:clickstream -- [--rate 200] [--duration 60] [--seed 42] [--endpoint http://127.0.0.1:4567] [--help]

import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateDeliveryStreamCommand } from '@aws-sdk/client-firehose';
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
import { DEFAULT_START, generateEvents, groundTruth, heartbeatFor, record } from './events.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PREFIX = 'demo_clickstream_';
const EVENTS = 'demo_clickstream_events';
const DELIVERY_STREAM = 'demo_clickstream_parquet';
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
    'buffer-seconds': { type: 'number', default: 5, short: 1, help: 'Firehose BufferingHints.IntervalInSeconds: how long events wait before a file is written.' },
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
    console.log(`  4 queries running: queries/sessions.sql (into ${PREFIX}sessions), sessions-by-source.sql, top-pages.sql, funnel.sql`);

    // Every event to Parquet, one folder per event type. The schema is the stream's SQL schema (in place
    // of a Glue table); a stream-sourced delivery reads from LATEST, so it is created before any event.
    const kinesis = kinesisClient(endpoint);
    const firehose = firehoseClient(endpoint);
    try {
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

      console.log('\nWatch it in the web console:');
      console.log(`  top pages, the last 5 minutes every 10 s     ${eddy.consoleUrl(`#/queries/${topPages.id}`)}`);
      console.log(`  visitors and the funnel, per minute          ${eddy.consoleUrl(`#/queries/${funnel.id}`)}`);
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
          const top = [...rows].sort((a, b) => b.views - a.views || a.url.localeCompare(b.url)).slice(0, 4);
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
      const sourceFeed = await subscribe(endpoint, bySource.id);

      const total = Math.round(options.rate * options.duration);
      const run = generateEvents({ seed: options.seed, start: options.start, minutes: options.minutes, count: total });
      console.log(
        `\nSending ${count(total)} events of ${count(run.visits)} visits by ${count(run.visitors)} visitors, ${options.minutes} minutes of event time from ${hm(run.startMs)} UTC, ` +
          `at ${count(options.rate)}/s for ${options.duration} s (seed ${options.seed}).\n`,
      );
      let heartbeat;
      let shards;
      try {
        const report = progress(10_000, (sent) => console.log(`  … ${count(sent)} of ${count(total)} sent, event time ${hms(run.events[sent - 1].ms)} UTC`));
        await putRecords(kinesis, EVENTS, run.events, { rate: options.rate, encode: (e) => ({ key: e.user_id, data: JSON.stringify(record(e)) }), onProgress: report });
        heartbeat = heartbeatFor(run.endMs);
        shards = await closeWindows(kinesis, EVENTS, heartbeat.data);
        console.log(`Sent ${count(total)} events, then a heartbeat to each of ${shards} shards dated ${hms(Date.parse(heartbeat.data.ts))} UTC to close the last windows.`);

        const timeoutMs = options.timeout * 1000;
        const statuses = await waitForWatermark(endpoint, [sessions.id, topPages.id, funnel.id], heartbeat.watermarkMs, { timeoutMs });
        const [sessionStatus, pagesStatus, funnelStatus] = statuses;
        await pagesFeed.until((rows) => rows.length >= pagesStatus.outputRows, `${pagesStatus.outputRows} top-page rows`);
        await funnelFeed.until((rows) => rows.length >= funnelStatus.outputRows, `${funnelStatus.outputRows} funnel rows`);
        printTopPages(Infinity);
        // Sessions by source has read every session once its input has caught up with what sessions.sql wrote.
        await waitFor(async () => ((await queryStatus(endpoint, bySource.id)).inputRecords >= sessionStatus.outputRows ? true : undefined), {
          timeoutMs,
          what: `sessions by source to read ${sessionStatus.outputRows} sessions`,
        });
        await sourceFeed.until((rows) => sum(latestBySource(rows).values(), (r) => r.sessions) >= sessionStatus.outputRows, `${sessionStatus.outputRows} sessions by source`);
        const late = statuses.reduce((n, s) => n + s.lateRows, 0);
        const undecoded = statuses.reduce((n, s) => n + s.decodeErrors, 0);
        console.log(`All windows closed (${late} late events dropped, ${undecoded} that did not decode).`);
      } finally {
        pagesFeed.close();
        funnelFeed.close();
        sourceFeed.close();
      }

      // Delivery: every event and heartbeat written, as far as the delivery stream's counters tell.
      const expected = total + shards;
      const delivered = await waitFor(
        async () => {
          const s = await deliveryStatus(endpoint, DELIVERY_STREAM);
          if (s.failing) throw new Error(`delivery to Parquet fails: ${s.failing.code}: ${s.failing.message}`);
          return s.deliveredRecords + s.errorRecords >= expected ? s : undefined;
        },
        { timeoutMs: (options.timeout + options['buffer-seconds']) * 1000, intervalMs: 250, what: `${expected} events delivered to Parquet` },
      );

      const truth = groundTruth(run.events);
      const checks = [];
      checks.push(compareMinutes(funnelFeed.rows, truth.perMinute));
      checks.push(compareTopPages(pagesFeed.rows, truth.topPages));
      const sources = latestBySource(sourceFeed.rows);
      checks.push(compareSources(sources, truth.bySource));
      checks.push(await compareParquet(filesRoot, delivered, truth.byType, shards));

      printSessions(sources, truth.sessions, run.visits);
      console.log("\nEddy's figures against the generator's own count (made from the events it sent, without Eddy):");
      for (const c of checks) console.log(`  ${c.ok ? 'equal    ' : c.ok === undefined ? 'unchecked' : 'DIFFERENT'}  ${c.what}`);
      for (const c of checks) for (const d of c.differences ?? []) console.log(`    ${d}`);
      code = checks.every((c) => c.ok !== false) ? 0 : 1;

      const parquetCheck = checks[checks.length - 1];
      const glob = parquetCheck.ok === undefined ? `<the server's files root>/${BUCKET}/events/*/*.parquet` : join(shownPath(join(filesRoot, BUCKET)), 'events', '*', '*.parquet');
      console.log(`\nAsk DuckDB about the Parquet files (the heartbeats are event_type 'heartbeat'):`);
      console.log(`  duckdb -c "SELECT url, count(*) AS views FROM read_parquet('${glob}', hive_partitioning = true) WHERE event_type = 'page_view' GROUP BY url ORDER BY views DESC LIMIT 5"`);
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

const sum = (items, f) => [...items].reduce((n, x) => n + f(x), 0);

/** Sessions by source is updated in place: the newest row of each source is its current figure. */
function latestBySource(rows) {
  const latest = new Map();
  for (const r of rows) latest.set(r.source, r);
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

/** Every page's views in every 5-minute window, against the generator's. */
function compareTopPages(rows, topPages) {
  const differences = [];
  const seen = new Set();
  for (const r of rows) {
    const key = `${Date.parse(r.window_start)} ${r.url}`;
    seen.add(key);
    if (topPages.get(key) !== r.views) differences.push(`${hms(Date.parse(r.window_start))} ${r.url}: ${r.views} views, generator ${topPages.get(key)}`);
  }
  for (const key of topPages.keys()) if (!seen.has(key)) differences.push(`${key}: no row from Eddy`);
  const windows = new Set(rows.map((r) => r.window_start)).size;
  return { ok: differences.length === 0, what: `page views of each page in each of ${count(windows)} top-pages windows (${count(rows.length)} counts)`, differences: differences.slice(0, 10) };
}

/** Sessions, visitors, bounces, pages, time and conversions of each source, against the generator's. */
function compareSources(latest, bySource) {
  const fields = ['sessions', 'visitors', 'bounces', 'pages', 'duration_ms', 'converted'];
  const differences = [];
  for (const [source, want] of bySource) {
    const r = latest.get(source);
    for (const f of fields) if (r?.[f] !== want[f]) differences.push(`${source}: ${f} ${r?.[f]}, generator ${want[f]}`);
  }
  for (const source of latest.keys()) if (!bySource.has(source)) differences.push(`${source}: not a source the generator used`);
  return { ok: differences.length === 0, what: `sessions, visitors, bounces, pages, time and conversions of ${bySource.size} traffic sources`, differences };
}

/** The rows of the Parquet files by event type, against the events sent (and the heartbeats). */
async function compareParquet(filesRoot, delivered, byType, heartbeats) {
  const dir = join(filesRoot, BUCKET, 'events');
  const files = (await listFiles(dir)).filter((f) => f.endsWith('.parquet'));
  const what = `${count(delivered.deliveredRecords)} events delivered to Parquet`;
  if (files.length === 0) {
    return { ok: undefined, what: `${what}; no files under ${dir} to read back (pass --files-root <the server's data dir>/files)` };
  }
  const found = new Map();
  for (const f of files) {
    const table = tableFromIPC(parquet.readParquet(await readFile(join(dir, f))).intoIPCStream());
    const type = table.getChild('event_type');
    for (let i = 0; i < table.numRows; i++) found.set(type.get(i), (found.get(type.get(i)) ?? 0) + 1);
  }
  const want = new Map([...byType, ['heartbeat', heartbeats]]);
  const differences = [];
  for (const [type, n] of want) if (found.get(type) !== n) differences.push(`${type}: ${found.get(type) ?? 0} rows in Parquet, ${n} sent`);
  const rows = sum(found.values(), (n) => n);
  return {
    ok: differences.length === 0,
    what: `${count(rows)} rows in ${files.length} Parquet files under ${shownPath(dir)}: ${[...want].map(([t, n]) => `${count(n)} ${t}`).join(', ')}`,
    differences,
  };
}

function printSessions(latest, sessions, visits) {
  console.log(`\nSessions by traffic source (a visitor's events in one 30-minute window; ${count(sessions)} sessions from the generator's ${count(visits)} visits):`);
  console.log(`  ${'source'.padEnd(11)} ${'sessions'.padStart(8)} ${'visitors'.padStart(8)} ${'bounce'.padStart(7)} ${'pages'.padStart(6)} ${'length'.padStart(7)} ${'bought'.padStart(7)}`);
  for (const r of [...latest.values()].sort((a, b) => b.sessions - a.sessions)) {
    console.log(
      `  ${r.source.padEnd(11)} ${count(r.sessions).padStart(8)} ${count(r.visitors).padStart(8)} ${`${r.bounce_pct.toFixed(1)}%`.padStart(7)} ` +
        `${r.pages_per_session.toFixed(2).padStart(6)} ${`${Math.round(r.avg_seconds)} s`.padStart(7)} ${percent(r.converted, r.sessions).padStart(7)}`,
    );
  }
}

main().then(
  (code) => process.exit(code),
  (e) => fail(e.message),
);
