#!/usr/bin/env node
// The fraud-detection demo, start to finish (`npm run demo:fraud`):
//   1. an Eddy to talk to: the one at the endpoint, or one started in this process;
//   2. its own streams, its table of cards (a CSV file under the server's tables directory) and rules, all
//      named demo_fraud_… (setup.sql, rules/*.sql), after removing what an earlier run left under that
//      prefix and nothing else;
//   3. two queries to watch in the web console (console/*.sql), whose links it prints;
//   4. card transactions with labelled fraud, put with @aws-sdk/client-kinesis at --rate for --duration;
// then it waits until every window has closed and scores each rule's alerts against the labels.
//
//   npm run demo:fraud -- [--rate 500] [--duration 60] [--seed 42] [--endpoint http://127.0.0.1:4567] [--help]

import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  closeWindows,
  COMMON_OPTIONS,
  count,
  fail,
  finish,
  kinesisClient,
  openEddy,
  parseOptions,
  percent,
  progress,
  putRecords,
  resetDemo,
  shownPath,
  sql,
  startedQueries,
  startQuery,
  subscribe,
  waitForWatermark,
} from '../shared/eddy-demo.mjs';
import { scoreRules } from './score.mjs';
import { DEFAULT_START, PATTERNS, cardsCsv, generateTransactions, heartbeatFor, record } from './transactions.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PREFIX = 'demo_fraud_';
const TRANSACTIONS = 'demo_fraud_transactions';
const ALERTS = 'demo_fraud_alerts';
/** The cards table's file, relative to the server's tables directory (as setup.sql names it). */
const CARDS_FILE = join('demo_fraud', 'cards.csv');

const options = parseOptions(
  {
    ...COMMON_OPTIONS,
    rate: { ...COMMON_OPTIONS.rate, default: 500, short: 3000 },
    duration: { ...COMMON_OPTIONS.duration, default: 60, short: 2 },
    days: { type: 'number', default: 2, help: 'Days of event time the transactions span.' },
    start: { type: 'time', default: DEFAULT_START, help: 'Event time the transactions start at.' },
    frauds: { type: 'number', default: 4, help: 'Instances of each fraud pattern to plant.' },
    timeout: { type: 'number', default: 120, help: 'Seconds to wait for the last windows to close.' },
    'tables-dir': { type: 'string', help: "The server's tables directory, where the table of cards is written (default: the in-process Eddy's, else ./eddy-data/tables)." },
  },
  'Usage: npm run demo:fraud -- [options]   (or node examples/fraud-detection/run.mjs [options])',
);

const day = (ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

async function main() {
  console.log('Fraud detection on Eddy');
  const eddy = await openEddy(options);
  let code = 1;
  try {
    const { endpoint } = eddy;
    await resetDemo(endpoint, { prefix: PREFIX });

    // The generator makes the cards before their transactions: the issuer's table of them is written
    // where the server reads reference tables, before setup.sql declares the table.
    const total = Math.round(options.rate * options.duration);
    const run = generateTransactions({ seed: options.seed, start: options.start, days: options.days, count: total, frauds: options.frauds });
    const cardsFile = join(eddy.tablesRoot, CARDS_FILE);
    await mkdir(dirname(cardsFile), { recursive: true });
    await writeFile(cardsFile, cardsCsv(run.cards));
    console.log(`  ${count(run.cards.length)} cards written to ${shownPath(cardsFile)}`);
    let setup;
    try {
      setup = await sql(endpoint, await readFile(join(here, 'setup.sql'), 'utf8'));
    } catch (e) {
      if (!/demo_fraud\/cards\.csv/.test(e.message)) throw e;
      throw new Error(`${e.message}\nThe server reads tables from another directory than ${shownPath(eddy.tablesRoot)}: pass --tables-dir <the server's tables directory>`);
    }
    for (const r of setup) console.log(`  ${r.message}`);
    // A server with another tables directory may hold a file of that name from an earlier run of its own.
    const table = setup.find((r) => r.kind === 'createTable');
    if (table?.rows !== run.cards.length) {
      throw new Error(`the server read ${table?.rows} cards from ${CARDS_FILE} in its own tables directory, not the ${run.cards.length} written to ${shownPath(cardsFile)}: pass --tables-dir <the server's tables directory>`);
    }
    const ruleFiles = (await readdir(join(here, 'rules'))).filter((f) => f.endsWith('.sql')).sort();
    const rules = [];
    for (const file of ruleFiles) {
      const name = `${PREFIX}rule_${file.replace(/\.sql$/, '').replace(/-/g, '_')}`;
      rules.push(await startQuery(endpoint, await readFile(join(here, 'rules', file), 'utf8'), name));
    }
    console.log(`  ${rules.length} rules running, each writing alerts to ${ALERTS}: ${ruleFiles.map((f) => `rules/${f}`).join(', ')}`);

    // Queries for people: they keep running, and the console shows their rows and charts.
    const feed = await startQuery(endpoint, await readFile(join(here, 'console', 'alerts.sql'), 'utf8'), `${PREFIX}console_alerts`);
    const hourly = await startQuery(endpoint, await readFile(join(here, 'console', 'hourly-by-country.sql'), 'utf8'), `${PREFIX}console_hourly`);
    console.log('\nWatch it in the web console:');
    console.log(`  alerts as the rules raise them              ${eddy.consoleUrl(`#/queries/${feed.id}`)}`);
    console.log(`  transactions per hour in each country       ${eddy.consoleUrl(`#/queries/${hourly.id}`)}`);

    // This script's own view of the alerts: it ends with this script.
    const [watch] = startedQueries(await sql(endpoint, `SELECT * FROM ${ALERTS}`, { ephemeral: true }));
    const shown = new Set();
    const alerts = await subscribe(endpoint, watch.id, {
      onRows: (rows) => {
        for (const a of rows) {
          const key = `${a.rule} ${a.card_id ?? a.device_id}`;
          if (shown.has(key)) continue;
          shown.add(key);
          console.log(`ALERT ${a.rule.padEnd(17)} ${(a.card_id ?? a.device_id).padEnd(12)} ${day(Date.parse(a.last_ts))}  ${a.detail}`);
        }
      },
    });

    const planted = run.transactions.filter((t) => t.label !== null).length;
    console.log(
      `\nSending ${count(total)} transactions of ${count(run.cards.length)} cards at ${count(run.merchants)} merchants, ${options.days} days of event time from ${day(run.startMs)} UTC, ` +
        `at ${count(options.rate)}/s for ${options.duration} s (seed ${options.seed}).`,
    );
    console.log(`Planted among them: ${options.frauds} instances of each of ${new Set(PATTERNS.map((p) => p.pattern)).size} fraud patterns, ${count(planted)} transactions in all.\n`);
    const kinesis = kinesisClient(endpoint);
    try {
      const report = progress(10_000, (sent) => console.log(`  … ${count(sent)} of ${count(total)} sent, event time ${day(run.transactions[sent - 1].ms)} UTC, ${count(alerts.rows.length)} alerts so far`));
      await putRecords(kinesis, TRANSACTIONS, run.transactions, { rate: options.rate, encode: (t) => ({ key: t.card_id, data: JSON.stringify(record(t)) }), onProgress: report });
      const heartbeat = heartbeatFor(run.endMs);
      const shards = await closeWindows(kinesis, TRANSACTIONS, heartbeat.data);
      console.log(`Sent ${count(total)} transactions, then a heartbeat to each of ${shards} shards dated ${day(Date.parse(heartbeat.data.ts))} UTC to close the last windows.`);

      // Once every rule's watermark has passed the heartbeat's, each has raised all its alerts.
      const statuses = await waitForWatermark(endpoint, rules.map((q) => q.id), heartbeat.watermarkMs, { timeoutMs: options.timeout * 1000 });
      const raised = statuses.reduce((n, s) => n + s.outputRows, 0);
      await alerts.until((rows) => rows.length >= raised, `${raised} alerts`);
      const late = statuses.reduce((n, s) => n + s.lateRows, 0);
      const undecoded = statuses.reduce((n, s) => n + s.decodeErrors, 0);
      console.log(`${count(raised)} alerts raised (${late} late transactions dropped, ${undecoded} that did not decode).`);
    } finally {
      kinesis.destroy();
      alerts.close();
    }

    const score = scoreRules(run.transactions, run.instances, alerts.rows);
    console.log('\nEach rule against the labels, transaction by transaction (an alert flags its card\'s or device\'s transactions in its time span):');
    const header = `  ${'rule'.padEnd(18)} ${'flagged'.padStart(8)} ${'fraudulent'.padStart(10)} ${'precision'.padStart(9)}   ${'recall (of its pattern)'.padEnd(24)} instances found`;
    console.log(header);
    for (const r of score.rows) {
      console.log(
        `  ${r.rule.padEnd(18)} ${count(r.flagged).padStart(8)} ${count(r.fraudulent).padStart(10)} ${percent(r.fraudulent, r.flagged).padStart(9)}   ` +
          `${`${percent(r.caught, r.patternTransactions)} (${r.caught} of ${r.patternTransactions})`.padEnd(24)} ${r.found}/${r.instances}`,
      );
    }
    const a = score.any;
    console.log(
      `  ${'any rule'.padEnd(18)} ${count(a.flagged).padStart(8)} ${count(a.fraudulent).padStart(10)} ${percent(a.fraudulent, a.flagged).padStart(9)}   ` +
        `${`${percent(a.caught, a.patternTransactions)} (${a.caught} of ${a.patternTransactions})`.padEnd(24)} (of all fraud)`,
    );
    const missed = score.rows.flatMap((r) => r.missed.map((m) => ({ ...m, rule: r.rule })));
    const found = score.rows.reduce((n, r) => n + r.found, 0);
    const instances = score.rows.reduce((n, r) => n + r.instances, 0);
    for (const m of missed) console.log(`  MISSED by ${m.rule}: ${m.id}: ${m.description}`);
    console.log(
      missed.length === 0
        ? `Every planted fraud was found by every rule written for its pattern (${found}/${instances}).`
        : `Planted fraud found by the rules written for its pattern: ${found}/${instances}.`,
    );
    code = missed.length === 0 ? 0 : 1;
  } catch (e) {
    await eddy.close();
    throw e;
  }
  return finish(eddy, options, code);
}

main().then(
  (code) => process.exit(code),
  (e) => fail(e.message),
);
