#!/usr/bin/env node
// Prints fraud alerts as they happen: starts `SELECT * FROM alerts` through POST /v1/sql and follows its
// rows over the WebSocket ws://host:port/v1/queries/:id/results. Ctrl-C stops the query and exits.
//
//   node examples/fraud-detection/watch-alerts.mjs [--endpoint http://127.0.0.1:4567]

import { pathToFileURL } from 'node:url';
import { DEFAULT_ENDPOINT, deleteQuery, fail, parseOptions, sql, startedQueries, subscribe } from '../shared/eddy-demo.mjs';

/** One line per alert, e.g. `ALERT velocity card-1293  window 09:03-09:08  7 txns  18.34 spent  1 country`. */
export function formatAlert(a) {
  const hm = (iso) => iso.slice(11, 16);
  const countries = `${a.countries} ${a.countries === 1 ? 'country' : 'countries'}`;
  return `ALERT ${a.rule.padEnd(8)} ${a.card_id}  window ${hm(a.window_start)}-${hm(a.window_end)}  ${String(a.txn_count).padStart(2)} txns  ${a.total_amount.toFixed(2).padStart(8)} spent  ${countries}`;
}

/**
 * Starts the query over `alerts` and subscribes to it. Rows a query produces before its first
 * subscriber connects are held for that subscriber, so nothing between the two steps is lost.
 */
export async function watchAlerts(endpoint, { onAlert }) {
  const [query] = startedQueries(await sql(endpoint, 'SELECT card_id, rule, window_start, window_end, txn_count, total_amount, countries FROM alerts'));
  const results = await subscribe(endpoint, query.id, { onRows: (rows) => rows.forEach(onAlert) });
  return {
    queryId: query.id,
    results,
    async stop() {
      results.close();
      await deleteQuery(endpoint, query.id).catch(() => undefined);
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const options = parseOptions(
    { endpoint: { type: 'string', default: DEFAULT_ENDPOINT, help: 'Eddy to connect to.' } },
    'Usage: node examples/fraud-detection/watch-alerts.mjs [options]',
  );
  try {
    const watcher = await watchAlerts(options.endpoint, { onAlert: (a) => console.log(formatAlert(a)) });
    console.log(`Watching alerts (query ${watcher.queryId}); Ctrl-C to stop.`);
    const stop = async () => {
      await watcher.stop();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await watcher.results.until(() => false, 'the end').catch((e) => fail(e.message));
  } catch (e) {
    fail(e.message);
  }
}
