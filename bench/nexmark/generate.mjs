#!/usr/bin/env node
// Sends Nexmark events to a running Eddy through the Kinesis API (the AWS SDK's PutRecords), declaring
// the streams person, auction and bid first (bench/nexmark/queries/ddl.sql through POST /v1/sql). Event
// time follows the wall clock by default: the first event is dated when sending starts and time advances
// at --rate, so windows close as they would with live traffic. At the end one later event per shard
// closes the last windows (leave it out with --no-close).
//
//   npm start                                         # an Eddy at http://127.0.0.1:4567, in another terminal
//   node bench/nexmark/generate.mjs --events 1000000 --rate 20000
//   node bench/nexmark/generate.mjs --endpoint http://127.0.0.1:4567 --events 50000 --rate 5000 --seed 7
//
// Then run any query file that Eddy runs, e.g. `npx eddy sql "$(cat bench/nexmark/queries/q1.sql)"`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KinesisClient, ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { loadNexmark } from './load.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const here = dirname(fileURLToPath(import.meta.url));
const usage = `Usage: node bench/nexmark/generate.mjs [options]

  --endpoint URL      the Eddy to send to (default http://127.0.0.1:4567)
  --events N          events to send (default 1000000)
  --rate N            events per second of wall-clock time (default 10000; 0: as fast as Eddy takes them)
  --event-rate N      events per second of event time (default: --rate, or 10000000 with --rate 0)
  --seed N            seed of the generator: the same seed, the same events (default 1)
  --base-time ISO     event time of the first event (default: when sending starts)
  --shards N          shards of each stream, when the streams are created here (default 1)
  --no-close          leave out the later events that close the last windows
  --help`;

const { values } = parseArgs({
  options: {
    endpoint: { type: 'string', default: 'http://127.0.0.1:4567' },
    events: { type: 'string', default: '1000000' },
    rate: { type: 'string', default: '10000' },
    'event-rate': { type: 'string' },
    seed: { type: 'string', default: '1' },
    'base-time': { type: 'string' },
    shards: { type: 'string', default: '1' },
    'no-close': { type: 'boolean' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const number = (name) => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} expects a number ≥ 0, got ${values[name]}\n\n${usage}`);
    process.exit(1);
  }
  return n;
};
const endpoint = values.endpoint.replace(/\/+$/, '');
const events = number('events');
const rate = number('rate') === 0 ? Infinity : number('rate');
const baseTime = values['base-time'] === undefined ? Date.now() : Date.parse(values['base-time']);
if (Number.isNaN(baseTime)) {
  console.error(`--base-time expects an ISO-8601 time such as 2026-01-01T00:00:00Z, got ${values['base-time']}`);
  process.exit(1);
}
const eventRate = values['event-rate'] !== undefined ? number('event-rate') : Number.isFinite(rate) ? rate : 10_000_000;

async function sql(text) {
  const res = await fetch(`${endpoint}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: text }) });
  const body = await res.json();
  if (!res.ok) throw new Error(`${body.error?.code ?? res.status}: ${body.error?.message ?? JSON.stringify(body)}`);
  return body.results;
}

const nexmark = await loadNexmark();
const kinesis = new KinesisClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'nexmark', secretAccessKey: 'nexmark' }, maxAttempts: 3 });
try {
  // Creates the streams that do not exist yet, with --shards shards, and declares their columns.
  const shards = number('shards');
  const ddl = readFileSync(join(here, 'queries', 'ddl.sql'), 'utf8').replace(/\) WITH \(format = 'json'\);/g, `) WITH (format = 'json', shards = ${shards});`);
  for (const r of await sql(ddl)) console.log(r.message);

  const generator = new nexmark.NexmarkGenerator({ events, eventsPerSecond: eventRate, seed: number('seed'), baseTime });
  const started = performance.now();
  let shown = 0;
  await nexmark.putThroughKinesis(kinesis, generator, {
    rate,
    onProgress: (sent) => {
      if (sent - shown >= 100_000 || sent === events) {
        shown = sent;
        const s = (performance.now() - started) / 1000;
        console.log(`${sent.toLocaleString('en-US')} events sent in ${s.toFixed(1)} s (${Math.round(sent / s).toLocaleString('en-US')}/s)`);
      }
    },
  });
  if (!values['no-close']) {
    // One later event on each open shard of each stream, so every shard's watermark passes the last windows.
    for (const stream of nexmark.NEXMARK_STREAMS) {
      const open = ((await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []).filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined);
      const closing = nexmark.closingEvents(generator, open.length).filter((e) => e.kind === stream);
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: open.map((s, i) => {
            const r = nexmark.encode(closing[i]);
            return { PartitionKey: r.partitionKey, ExplicitHashKey: s.HashKeyRange.StartingHashKey, Data: r.data };
          }),
        }),
      );
    }
    console.log('sent one later event per shard to close the last windows');
  }
} finally {
  kinesis.destroy();
}
