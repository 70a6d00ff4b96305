#!/usr/bin/env node
// The whole fraud-detection pipeline against a running Eddy, start to finish:
//   1. streams and alert queries from fraud-detection.sql (POST /v1/sql),
//   2. a Firehose delivery stream archiving `alerts` as JSON lines files (@aws-sdk/client-firehose),
//   3. a watcher printing alerts from a WebSocket as they are raised,
//   4. the producer putting transactions with planted fraud (@aws-sdk/client-kinesis),
// then waits until every window has closed and every alert is in a file, prints a summary and exits.
//
//   node examples/fraud-detection/run.mjs [--endpoint http://127.0.0.1:4567] [--seed 42] [--help]

import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import {
  fail,
  firehoseClient,
  kinesisClient,
  listFiles,
  parseOptions,
  resetDemo,
  sql,
  startedQueries,
  streamArn,
  waitFor,
  waitForWatermark,
} from '../shared/eddy-demo.mjs';
import { PRODUCER_OPTIONS, produce } from './produce.mjs';
import { formatAlert, watchAlerts } from './watch-alerts.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const DELIVERY_STREAM = 'fraud-alerts-archive';
const BUCKET = 'fraud-alerts';

const options = parseOptions(
  {
    ...PRODUCER_OPTIONS,
    'files-root': { type: 'string', default: './eddy-data/files', help: "Where the server writes Firehose buckets (its data directory's files/)." },
    'buffer-seconds': { type: 'number', default: 5, help: 'Firehose BufferingHints.IntervalInSeconds: how long alerts wait before a file is written.' },
    timeout: { type: 'number', default: 120, help: 'Seconds to wait for windows to close and files to appear.' },
  },
  'Usage: node examples/fraud-detection/run.mjs [options]',
);
const { endpoint } = options;
const timeoutMs = options.timeout * 1000;

async function main() {
  console.log(`Fraud detection on Eddy at ${endpoint}`);
  await resetDemo(endpoint, { streams: ['transactions', 'alerts'], deliveryStreams: [DELIVERY_STREAM] });

  const script = await readFile(join(here, 'fraud-detection.sql'), 'utf8');
  const results = await sql(endpoint, script);
  const rules = startedQueries(results);
  for (const r of results.filter((r) => r.kind === 'createStream')) console.log(`  ${r.message}`);
  console.log(`  ${rules.length} alert queries running (velocity, spend, geo): ${rules.map((q) => q.id).join(', ')}`);

  // Created before any alert exists: a stream-sourced delivery starts reading at LATEST.
  const kinesis = kinesisClient(endpoint);
  const firehose = firehoseClient(endpoint);
  try {
    await firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: DELIVERY_STREAM,
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: { KinesisStreamARN: await streamArn(kinesis, 'alerts'), RoleARN: 'arn:aws:iam::000000000000:role/eddy-demo' },
        ExtendedS3DestinationConfiguration: {
          BucketARN: `arn:aws:s3:::${BUCKET}`,
          RoleARN: 'arn:aws:iam::000000000000:role/eddy-demo',
          Prefix: 'alerts/!{timestamp:yyyy/MM/dd/HH}/',
          ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/',
          BufferingHints: { IntervalInSeconds: options['buffer-seconds'], SizeInMBs: 1 },
          CompressionFormat: 'UNCOMPRESSED',
          ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
        },
      }),
    );
  } finally {
    firehose.destroy();
    kinesis.destroy();
  }
  console.log(`  Firehose ${DELIVERY_STREAM}: alerts → arn:aws:s3:::${BUCKET} (JSON lines, every ${options['buffer-seconds']} s)`);

  // Files of earlier runs stay in the bucket; this run counts only its own.
  const bucketDir = join(options['files-root'], BUCKET, 'alerts');
  const earlier = new Set(await listFiles(bucketDir));

  const alerts = [];
  const watcher = await watchAlerts(endpoint, {
    onAlert: (a) => {
      alerts.push(a);
      console.log(formatAlert(a));
    },
  });
  try {
    console.log('');
    const run = await produce(options);
    console.log('');

    // Every window holding data has closed once each rule's watermark reaches the heartbeat's; then
    // the watcher has seen all the alerts the rules wrote.
    const statuses = await waitForWatermark(endpoint, rules.map((q) => q.id), run.watermarkMs, { timeoutMs });
    const raised = statuses.reduce((n, s) => n + s.outputRows, 0);
    await watcher.results.until((rows) => rows.length >= raised, `${raised} alerts`);
    const late = statuses.reduce((n, s) => n + s.lateRows, 0);

    console.log(`Summary: ${alerts.length} alerts for ${new Set(alerts.map((a) => a.card_id)).size} cards (${late} late transactions dropped)`);
    let caught = 0;
    for (const p of run.planted) {
      const hits = alerts.filter((a) => a.card_id === p.card_id && a.rule === p.rule).length;
      if (hits > 0) caught++;
      console.log(`  ${hits > 0 ? 'caught' : 'MISSED'}  ${p.card_id}  ${p.pattern.padEnd(12)} ${p.rule.padEnd(8)} in ${hits} window${hits === 1 ? '' : 's'}`);
    }
    const plantedCards = new Set(run.planted.map((p) => p.card_id));
    const falseAlarms = [...new Set(alerts.filter((a) => !plantedCards.has(a.card_id)).map((a) => a.card_id))];
    console.log(`Planted fraud caught: ${caught}/${run.planted.length}; cards alerted without planted fraud: ${falseAlarms.length === 0 ? 'none' : falseAlarms.join(', ')}`);

    // The delivery writes a file once its buffer interval has passed.
    console.log(`Waiting for Firehose to write the ${raised} alerts under ${bucketDir}/ …`);
    const files = await waitFor(
      async () => {
        const found = (await listFiles(bucketDir)).filter((f) => !earlier.has(f)).map((f) => join(bucketDir, f));
        let lines = 0;
        for (const f of found) lines += (await readFile(f, 'utf8')).split('\n').filter((l) => l.trim() !== '').length;
        return lines >= raised ? { found, lines } : undefined;
      },
      {
        timeoutMs: timeoutMs + options['buffer-seconds'] * 1000,
        intervalMs: 250,
        what: `files under ${bucketDir}/ (if the server runs with another data directory, pass --files-root <data-dir>/files)`,
      },
    );
    for (const f of files.found) console.log(`  ${relative(process.cwd(), f)}`);
    console.log(`Delivered: ${files.lines} alerts in ${files.found.length} file${files.found.length === 1 ? '' : 's'} (JSON lines)`);
    return caught === run.planted.length && falseAlarms.length === 0 ? 0 : 1;
  } finally {
    await watcher.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => fail(e.message),
);
