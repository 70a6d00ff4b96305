#!/usr/bin/env node
// The whole clickstream pipeline against a running Eddy, start to finish:
//   1. the `clicks` stream and two continuous queries from clickstream.sql (POST /v1/sql): page views
//      per minute (tumbling) and active users over the last five minutes, every minute (hopping),
//   2. a Firehose delivery stream converting raw clicks to Parquet, partitioned by hour
//      (@aws-sdk/client-firehose, DataFormatConversionConfiguration),
//   3. both queries' results followed over their WebSockets,
//   4. page views put with @aws-sdk/client-kinesis,
// then waits until every window has closed and every click is in a Parquet file, prints a summary
// and exits.
//
//   node examples/clickstream/run.mjs [--endpoint http://127.0.0.1:4567] [--seed 42] [--help]

import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import { tableFromIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import {
  closeWindows,
  DEFAULT_ENDPOINT,
  deleteQuery,
  fail,
  firehoseClient,
  kinesisClient,
  listFiles,
  parseOptions,
  putRecords,
  resetDemo,
  sql,
  startedQueries,
  streamArn,
  subscribe,
  waitFor,
  waitForWatermark,
} from '../shared/eddy-demo.mjs';
import { DEFAULT_START, generateClicks, heartbeatFor } from './clicks.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const DELIVERY_STREAM = 'clicks-to-parquet';
const BUCKET = 'clickstream';

const options = parseOptions(
  {
    endpoint: { type: 'string', default: DEFAULT_ENDPOINT, help: 'Eddy to talk to.' },
    seed: { type: 'number', default: 42, help: 'Seed of the generator: the same seed, the same clicks.' },
    start: { type: 'time', default: DEFAULT_START, help: 'Event time of the first click.' },
    minutes: { type: 'number', default: 10, help: 'Minutes of event time to generate.' },
    users: { type: 'number', default: 200, help: 'Visitors.' },
    rate: { type: 'number', default: 200, help: 'Records per second to send (0: as fast as possible).' },
    'files-root': { type: 'string', default: './eddy-data/files', help: "Where the server writes Firehose buckets (its data directory's files/)." },
    'buffer-seconds': { type: 'number', default: 5, help: 'Firehose BufferingHints.IntervalInSeconds: how long clicks wait before a file is written.' },
    timeout: { type: 'number', default: 120, help: 'Seconds to wait for windows to close and files to appear.' },
  },
  'Usage: node examples/clickstream/run.mjs [options]',
);
const { endpoint } = options;
const timeoutMs = options.timeout * 1000;
const hm = (iso) => iso.slice(11, 16);

/** `PAGES  09:03  87 views  / 17, /pricing 12, …`: every page of one minute, busiest first. */
function formatMinute(windowStart, rows) {
  const total = rows.reduce((n, r) => n + r.views, 0);
  const pages = [...rows].sort((a, b) => b.views - a.views || a.url.localeCompare(b.url)).map((r) => `${r.url} ${r.views}`);
  return `PAGES  ${hm(windowStart)}  ${String(total).padStart(3)} views  ${pages.join(', ')}`;
}

async function main() {
  console.log(`Clickstream analytics on Eddy at ${endpoint}`);
  await resetDemo(endpoint, { streams: ['clicks'], deliveryStreams: [DELIVERY_STREAM] });

  const script = await readFile(join(here, 'clickstream.sql'), 'utf8');
  const results = await sql(endpoint, script);
  const [pageViews, activeUsers] = startedQueries(results);
  for (const r of results.filter((r) => r.kind === 'createStream')) console.log(`  ${r.message}`);
  console.log(`  page views per minute: query ${pageViews.id}`);
  console.log(`  active users, 5-minute window every minute: query ${activeUsers.id}`);

  // Raw clicks to Parquet. The schema comes from the stream's SQL schema (in place of a Glue table);
  // a stream-sourced delivery reads from LATEST, so it is created before any click is sent.
  const kinesis = kinesisClient(endpoint);
  const firehose = firehoseClient(endpoint);
  try {
    await firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: DELIVERY_STREAM,
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: { KinesisStreamARN: await streamArn(kinesis, 'clicks'), RoleARN: 'arn:aws:iam::000000000000:role/eddy-demo' },
        ExtendedS3DestinationConfiguration: {
          BucketARN: `arn:aws:s3:::${BUCKET}`,
          RoleARN: 'arn:aws:iam::000000000000:role/eddy-demo',
          Prefix: 'clicks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
          ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
          BufferingHints: { IntervalInSeconds: options['buffer-seconds'], SizeInMBs: 64 },
          DataFormatConversionConfiguration: {
            Enabled: true,
            SchemaConfiguration: { DatabaseName: 'eddy', TableName: 'clicks', RoleARN: 'arn:aws:iam::000000000000:role/eddy-demo' },
            InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
            OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
          },
        },
      }),
    );
    console.log(`  Firehose ${DELIVERY_STREAM}: clicks → arn:aws:s3:::${BUCKET} (Parquet, partitioned by hour, every ${options['buffer-seconds']} s)`);

    // Files of earlier runs stay in the bucket; this run counts only its own.
    const bucketDir = join(options['files-root'], BUCKET, 'clicks');
    const earlier = new Set(await listFiles(bucketDir));

    // A minute's page rows all come when that minute closes; it is printed once a later minute shows
    // up (or at the end), so its line is complete.
    const minutes = new Map();
    const printMinutesBefore = (limit) => {
      for (const [ws, rows] of [...minutes].sort(([a], [b]) => a.localeCompare(b))) {
        if (ws >= limit) break;
        console.log(formatMinute(ws, rows));
        minutes.delete(ws);
      }
    };
    const pages = await subscribe(endpoint, pageViews.id, {
      onRows: (rows) => {
        for (const r of rows) minutes.set(r.window_start, [...(minutes.get(r.window_start) ?? []), r]);
        printMinutesBefore(rows.reduce((max, r) => (r.window_start > max ? r.window_start : max), ''));
      },
    });
    const active = await subscribe(endpoint, activeUsers.id, {
      onRows: (rows) => {
        for (const r of rows) console.log(`ACTIVE ${hm(r.window_start)}-${hm(r.window_end)}  ${String(r.active_users).padStart(3)} users  ${String(r.views).padStart(3)} views`);
      },
    });

    try {
      const { clicks, endMs } = generateClicks(options);
      console.log(`\nSending ${clicks.length} page views from ${options.users} visitors over ${options.minutes} minutes of event time (seed ${options.seed}).`);
      await putRecords(kinesis, 'clicks', clicks, { partitionKey: (c) => c.user_id, rate: options.rate });
      const heartbeat = heartbeatFor(endMs);
      const shards = await closeWindows(kinesis, 'clicks', heartbeat.record);
      console.log(`Sent ${clicks.length} page views, then a heartbeat to each of ${shards} shards at ${heartbeat.record.ts} to close the last windows.`);

      const statuses = await waitForWatermark(endpoint, [pageViews.id, activeUsers.id], heartbeat.watermarkMs, { timeoutMs });
      await pages.until((rows) => rows.length >= statuses[0].outputRows, `${statuses[0].outputRows} page rows`);
      await active.until((rows) => rows.length >= statuses[1].outputRows, `${statuses[1].outputRows} active-user rows`);
      printMinutesBefore('\uffff');

      const views = pages.rows.reduce((n, r) => n + r.views, 0);
      const perMinute = new Map();
      for (const r of pages.rows) perMinute.set(r.window_start, (perMinute.get(r.window_start) ?? 0) + r.views);
      const busiest = [...perMinute].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
      const peak = [...active.rows].sort((a, b) => b.active_users - a.active_users)[0];
      const late = statuses.reduce((n, s) => n + s.lateRows, 0);
      console.log(`\nSummary: ${views} page views counted in ${new Set(pages.rows.map((r) => r.window_start)).size} minutes (${late} late clicks dropped)`);
      if (busiest) console.log(`  busiest minute ${hm(busiest[0])} with ${busiest[1]} views`);
      if (peak) console.log(`  most active users: ${peak.active_users} in ${hm(peak.window_start)}-${hm(peak.window_end)}`);

      // The heartbeats are clicks too, so they are in the files with the rest.
      const expected = clicks.length + shards;
      console.log(`Waiting for Firehose to write the ${expected} raw clicks (with ${shards} heartbeats) as Parquet under ${bucketDir}/ …`);
      const delivered = await waitFor(
        async () => {
          const files = (await listFiles(bucketDir)).filter((f) => !earlier.has(f) && f.endsWith('.parquet'));
          let rows = 0;
          let schema;
          for (const f of files) {
            const table = tableFromIPC(parquet.readParquet(await readFile(join(bucketDir, f))).intoIPCStream());
            rows += table.numRows;
            schema ??= table.schema;
          }
          return rows >= expected ? { files, rows, schema } : undefined;
        },
        {
          timeoutMs: timeoutMs + options['buffer-seconds'] * 1000,
          intervalMs: 250,
          what: `Parquet files under ${bucketDir}/ (if the server runs with another data directory, pass --files-root <data-dir>/files)`,
        },
      );
      for (const f of delivered.files) console.log(`  ${relative(process.cwd(), join(bucketDir, f))}`);
      console.log(`Delivered: ${delivered.rows} clicks in ${delivered.files.length} Parquet file${delivered.files.length === 1 ? '' : 's'}`);
      console.log(`  columns: ${delivered.schema.fields.map((f) => `${f.name} ${f.type}`).join(', ')}`);
      return 0;
    } finally {
      // The results were for this script alone; the stream and the delivery stream keep running.
      pages.close();
      active.close();
      await deleteQuery(endpoint, pageViews.id).catch(() => undefined);
      await deleteQuery(endpoint, activeUsers.id).catch(() => undefined);
    }
  } finally {
    firehose.destroy();
    kinesis.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => fail(e.message),
);
