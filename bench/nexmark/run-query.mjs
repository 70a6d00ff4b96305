#!/usr/bin/env node
// One measurement of the Nexmark benchmark, in a process of its own so that its peak resident memory is
// its own (nexmark.bench.mjs starts one per query). Opens the stream store the benchmark filled, then
// either runs one published query until it has read every record of the streams it reads, or, with
// --baseline, only reads those streams and runs JSON.parse on each record. Prints one JSON line.
//
// A query runs as the file holds it, the DDL of its result stream and its INSERT INTO compiled as they
// are, with the user functions and side input the tests give it (query-setup.mjs), but its rows go nowhere, as in the published runs, whose results go to Flink's blackhole connector:
// each batch of result rows is computed in full and dropped, rather than turned into JSON records and
// written to a stream. It keeps no checkpoints (the published Flink runs take one every 3 minutes, which
// none of these runs lasts).
//
//   node bench/nexmark/run-query.mjs --data-dir DIR --query q5 [--records person=20001,auction=60001,bid=920001]
//   node bench/nexmark/run-query.mjs --data-dir DIR --baseline bid,auction
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStreamStore, QueryManager } from '../../dist/engine/index.js';
import { loadNexmark } from './load.mjs';
import { compileQuery, loadTables, userFunctions } from './query-setup.mjs';

const { values } = parseArgs({
  options: { 'data-dir': { type: 'string' }, query: { type: 'string' }, baseline: { type: 'string' }, records: { type: 'string' } },
});
/** Records in each stream, as `--records person=20001,auction=60001,bid=920001` says (else counted here). */
const known = Object.fromEntries((values.records ?? '').split(',').filter(Boolean).map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));

/** How often the run's end is checked for and resident memory sampled. */
const POLL_MS = 10;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Every stream a plan reads: each node of kind `source`, wherever it sits in the tree. */
/** The streams a plan's sources read, once per source: q7 reads bid twice, and counts its records twice. */
function sourcesOf(node, found = []) {
  if (Array.isArray(node)) for (const n of node) sourcesOf(n, found);
  else if (node !== null && typeof node === 'object') {
    if (node.kind === 'source' && typeof node.stream === 'string') found.push(node.stream);
    for (const v of Object.values(node)) sourcesOf(v, found);
  }
  return found;
}

async function recordsIn(store, stream) {
  if (known[stream] !== undefined) return known[stream];
  let n = 0;
  for (const s of store.describeStream(stream).shards) {
    const cursor = store.openCursor(stream, s.shardId, { type: 'TRIM_HORIZON' });
    for (let r = await cursor.read({ maxRecords: 10_000 }); r.records.length > 0; r = await cursor.read({ maxRecords: 10_000 })) n += r.records.length;
    cursor.close();
  }
  return n;
}

/** Reads the streams and parses each record: what merely reading the input costs. */
async function baseline(store, streams) {
  const decoder = new TextDecoder();
  let records = 0;
  let touched = 0;
  const c = cpuMs();
  const t = performance.now();
  for (const stream of streams) {
    for (const s of store.describeStream(stream).shards) {
      const cursor = store.openCursor(stream, s.shardId, { type: 'TRIM_HORIZON' });
      for (let r = await cursor.read({ maxRecords: 4096 }); r.records.length > 0; r = await cursor.read({ maxRecords: 4096 })) {
        for (const record of r.records) if (JSON.parse(decoder.decode(record.data)).dateTime !== undefined) touched++;
        records += r.records.length;
      }
      cursor.close();
    }
  }
  return { records, touched, ms: performance.now() - t, cpuMs: cpuMs() - c };
}

async function runQuery(store, name) {
  const functions = userFunctions();
  let text;
  let statements;
  let tables;
  try {
    ({ text, statements } = await compileQuery(name, functions));
    // The engine's own place for table files: <data dir>/tables.
    tables = await loadTables(statements, join(values['data-dir'], 'tables'), await loadNexmark());
  } catch (e) {
    return { error: `${e.code ?? 'Error'}: ${e.message}` };
  }
  const insert = statements.find((s) => s.kind === 'insert');
  if (!insert) return { error: 'the query file holds no INSERT INTO' };
  const plan = { ...insert.plan, sink: { kind: 'subscribers' } };
  const inputs = [...sourcesOf(plan.root)];
  let expected = 0;
  for (const s of inputs) expected += await recordsIn(store, s);
  // State as large as the run needs, and time for the run's one big watermark step: q18 and q19 keep a
  // row per bidder and auction, or per auction, past the default bound of 1,000,000 keys at 10M events,
  // and q18 emits each last bid once the watermark passes it, so the closing event's watermark releases
  // millions of rows in one step, past the default budget of 5 s a step. A server raises both with
  // --max-query-state-keys and --max-batch-ms.
  const manager = new QueryManager({ store, tables, userFunctions: functions, maxStateKeys: 100_000_000, maxBatchMillis: 600_000 });
  // Resident memory is sampled while the query runs: the process's high-water mark would be opening the
  // store's logs (their newest segments are read at start-up), not the query. Every POLL_MS, with the
  // check for the end of the run: both cost CPU time the process counts as the query's (at 1 ms they took
  // 2–4% of q0's), and resident memory moves far slower than that.
  globalThis.gc?.();
  const rssBefore = process.memoryUsage.rss();
  let peakRss = rssBefore;
  // Rows, groups and keys the query's operators hold (its status's stateEntries), at most while it ran.
  let peakState = 0;
  const c = cpuMs();
  const t = performance.now();
  let status;
  try {
    const q = await manager.startQuery(plan, { sql: text });
    for (;;) {
      status = manager.queryStatus(q.id);
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      peakState = Math.max(peakState, status.stateEntries);
      if (status.status !== 'running') return { error: `query ${status.status}: ${status.error ?? ''}` };
      if (status.inputRecords >= expected) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } catch (e) {
    return { error: `${e.code ?? 'Error'}: ${e.message}` };
  }
  const ms = performance.now() - t;
  const cpu = cpuMs() - c;
  await manager.close();
  return { inputs, records: status.inputRecords, outputRows: status.outputRows, lateRows: status.lateRows, decodeErrors: status.decodeErrors, ms, cpuMs: cpu, rssBefore, peakRss, peakState, endState: status.stateEntries };
}

const store = await openStreamStore({ dataDir: values['data-dir'], shardLimits: false, log: { fsync: 'never' } });
const result = values.baseline !== undefined ? await baseline(store, values.baseline.split(',')) : await runQuery(store, values.query);
await store.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
