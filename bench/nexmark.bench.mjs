#!/usr/bin/env node
// Nexmark on Eddy: the published queries q0–q22 (bench/nexmark/queries) over events of the Nexmark
// generator already in Eddy's streams person, auction and bid, from the stream to results, each query in
// a process of its own on one core. For every query Eddy runs: events/s and events per CPU second (what
// "per core" means in the published figures), counting events as the suite does (every event of the
// run, whichever streams the query reads), records read per CPU second, the resident memory it peaks at
// while it runs (and had at its start), the rate of JSON.parse alone over the records the query reads in
// the same run, and the per-core figures Flink and RisingWave publish for the same query. Queries Eddy
// cannot run yet are listed with the error it gives. Figures also go to bench/results/nexmark.json.
//
//   npm run bench -- nexmark             10,000,000 events (after npm run build)
//   npm run bench -- nexmark --quick     500,000 events: the whole run in under two minutes
//   node bench/nexmark.bench.mjs --events=5000000 --queries=q0,q1,q2 --rate=10000000 --seed=1
//
// --rate is the generator's event-time rate (events per second of event time; the published suite's
// 10,000,000 by default): it sets how many windows the events span, not how fast they are read.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openStreamStore } from '../dist/engine/index.js';
import { loadNexmark } from './nexmark/load.mjs';
import { compileQuery, userFunctions } from './nexmark/query-setup.mjs';
import { FLINK, RISINGWAVE, TARGETS } from './nexmark/published.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    events: { type: 'string' },
    queries: { type: 'string' },
    rate: { type: 'string' },
    seed: { type: 'string' },
  },
  allowPositionals: true,
});
const EVENTS = Number(values.events ?? (values.quick ? 500_000 : 10_000_000));
const RATE = Number(values.rate ?? 10_000_000);
const SEED = Number(values.seed ?? 1);
const allQueries = readdirSync(join(here, 'nexmark', 'queries'))
  .map((f) => /^(q\d+)\.sql$/.exec(f)?.[1])
  .filter((q) => q !== undefined)
  .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
const QUERIES = values.queries ? values.queries.split(',') : allQueries;

const nexmark = await loadNexmark();
const dataDir = mkdtempSync(join(tmpdir(), 'eddy-nexmark-'));
try {
  // The events, once, into a store on disk that every measurement opens on its own.
  const generator = new nexmark.NexmarkGenerator({ events: EVENTS, eventsPerSecond: RATE, seed: SEED });
  const store = await openStreamStore({ dataDir, shardLimits: false, log: { fsync: 'never' } });
  for (const s of nexmark.NEXMARK_STREAMS) await store.createStream(s, { shardCount: 1 });
  const t = performance.now();
  await nexmark.writeToStore(store, generator);
  await nexmark.writeToEveryShard(store, nexmark.closingEvents(generator, 1));
  const counts = Object.fromEntries(nexmark.NEXMARK_STREAMS.map((s) => [s, 0]));
  for (let n = 0; n < EVENTS; n++) counts[generator.kindOf(n)]++;
  // With the closing event of each stream.
  const records = nexmark.NEXMARK_STREAMS.map((s) => `${s}=${counts[s] + 1}`).join(',');
  await store.close();
  console.log(
    `${EVENTS.toLocaleString('en-US')} Nexmark events (seed ${SEED}, ${RATE.toLocaleString('en-US')} events/s of event time: ${(EVENTS / RATE).toFixed(1)} s), ` +
      `${Object.entries(counts).map(([s, n]) => `${n.toLocaleString('en-US')} ${s}`).join(', ')}, plus one later event per stream to close the windows; ` +
      `generated and written in ${((performance.now() - t) / 1000).toFixed(1)} s\n`,
  );

  const child = (args) => {
    const run = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=32', join(here, 'nexmark', 'run-query.mjs'), '--data-dir', dataDir, '--records', records, ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    const line = run.stdout.trim().split('\n').pop();
    if (run.status !== 0 || !line) return { error: `exit ${run.status}: ${run.stderr.trim().split('\n').slice(-3).join(' ')}` };
    return JSON.parse(line);
  };

  const baselines = new Map();
  const baselineFor = (inputs) => {
    const key = [...inputs].sort().join(',');
    if (!baselines.has(key)) baselines.set(key, child(['--baseline', key]));
    return baselines.get(key);
  };

  const results = [];
  const failures = [];
  const functions = userFunctions();
  for (const query of QUERIES) {
    // Compiled here first, so a query Eddy cannot compile yet costs no process of its own.
    try {
      await compileQuery(query, functions);
    } catch (e) {
      failures.push({ query, error: `${e.code ?? 'Error'}: ${e.message}` });
      continue;
    }
    const r = child(['--query', query]);
    if (r.error) {
      failures.push({ query, error: r.error });
      continue;
    }
    const base = baselineFor(r.inputs);
    // Events as the Nexmark suite counts them: every event of the run (the closing ones too), whichever
    // of the three streams the query reads; JSON.parse is timed over the records the query reads.
    const events = EVENTS + nexmark.NEXMARK_STREAMS.length;
    results.push({
      query,
      inputs: r.inputs,
      events,
      recordsRead: r.records,
      outputRows: r.outputRows,
      seconds: r.ms / 1000,
      cpuSeconds: r.cpuMs / 1000,
      eventsPerSecond: events / (r.ms / 1000),
      eventsPerCpuSecond: events / (r.cpuMs / 1000),
      recordsReadPerCpuSecond: r.records / (r.cpuMs / 1000),
      rssBeforeBytes: r.rssBefore,
      peakRssBytes: r.peakRss,
      peakStateEntries: r.peakState,
      lateRows: r.lateRows,
      decodeErrors: r.decodeErrors,
      jsonParseCpuSeconds: base.cpuMs / 1000,
      jsonParseEventsPerCpuSecond: events / (base.cpuMs / 1000),
      target: TARGETS[query] ?? null,
      flinkPerCore: FLINK.perCore[query] ?? null,
      risingWavePerCore: RISINGWAVE.perCore[query] ?? null,
    });
  }

  const k = (n) => (n === null || n === undefined ? '–' : n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`);
  const rows = results.map((r) => [
    r.query,
    `${r.inputs.join('+')} (${r.recordsRead.toLocaleString('en-US')})`,
    r.seconds.toFixed(2),
    k(r.eventsPerSecond),
    k(r.eventsPerCpuSecond),
    k(r.jsonParseEventsPerCpuSecond),
    `${((100 * r.eventsPerCpuSecond) / r.jsonParseEventsPerCpuSecond).toFixed(0)}%`,
    k(r.recordsReadPerCpuSecond),
    `${(r.peakRssBytes / 2 ** 20).toFixed(0)} (${(r.rssBeforeBytes / 2 ** 20).toFixed(0)}) MiB`,
    r.peakStateEntries.toLocaleString('en-US'),
    k(r.target),
    k(r.flinkPerCore),
    k(r.risingWavePerCore),
  ]);
  const header = ['query', 'reads (records)', 's', 'events/s', 'per CPU-s', 'JSON.parse per CPU-s', 'query/JSON.parse', 'records read per CPU-s', 'peak RSS (at start)', 'peak state entries', 'target', 'Flink/core', 'RisingWave/core'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  for (const r of results) {
    if (r.lateRows !== 0 || r.decodeErrors !== 0) {
      console.error(`${r.query}: unexpected ${r.lateRows} late rows, ${r.decodeErrors} decode errors`);
      process.exitCode = 1;
    }
  }
  const missed = results.filter((r) => r.target !== null && r.eventsPerCpuSecond < r.target).map((r) => r.query);
  if (missed.length > 0) console.log(`\nBelow target (events per CPU second): ${missed.join(', ')}`);
  if (failures.length > 0) {
    console.log(`\nNot runnable yet (${failures.length}):`);
    for (const f of failures) console.log(`  ${f.query}: ${f.error.split('\n')[0]}`);
  }
  console.log(`\nFlink: ${FLINK.what}. ${FLINK.source}`);
  console.log(`RisingWave: ${RISINGWAVE.what}. ${RISINGWAVE.source}`);
  console.log(
    `Events are the run's ${(EVENTS + nexmark.NEXMARK_STREAMS.length).toLocaleString('en-US')} events, as the suite counts them, whichever streams a query reads; ` +
      'Flink and RisingWave count the same way, their source\'s work (generating, or reading Kafka, and filtering every event) included, on several cores; Eddy runs on one core of this machine.',
  );

  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(
    join(here, 'results', 'nexmark.json'),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        events: EVENTS,
        eventsPerSecondOfEventTime: RATE,
        seed: SEED,
        streams: counts,
        queries: results,
        notRunnable: failures,
        published: { flink: { source: FLINK.source, what: FLINK.what }, risingWave: { source: RISINGWAVE.source, what: RISINGWAVE.what } },
      },
      null,
      2,
    )}\n`,
  );
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
