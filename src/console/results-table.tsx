// A query's rows as a live table: newest first, at most MAX_TABLE_ROWS, updated in place for changelogs, and
// pausable (the shown rows stay put while new ones keep arriving behind them).

import { useState } from 'preact/hooks';
import { formatValue } from './format.js';
import { MAX_TABLE_ROWS, type ResultSubscription } from './result-subscriptions.js';
import type { ShownRow } from './result-table.js';

export function ResultsTable({ results }: { readonly results: ResultSubscription }) {
  const [paused, setPaused] = useState<{ rows: ShownRow[]; received: number } | undefined>(undefined);
  const table = results.table;
  const rows = paused?.rows ?? table.rows();
  const columns = table.shownColumns;
  const behind = paused ? table.receivedRows - paused.received : 0;
  return (
    <div class="results-table-panel">
      <div class="toolbar">
        <h2>Rows</h2>
        <span class="muted" data-received={table.receivedRows}>
          {table.receivedRows} received{table.updatesInPlace ? ', updated in place by key' : ''}; showing the newest {Math.min(rows.length, MAX_TABLE_ROWS)}
        </span>
        <button type="button" class="pause" onClick={() => setPaused(paused ? undefined : { rows: table.rows(), received: table.receivedRows })}>
          {paused ? `Resume${behind > 0 ? ` (${behind} new)` : ''}` : 'Pause'}
        </button>
      </div>
      {columns.length === 0 ? <p class="muted">Waiting for the result stream…</p> : null}
      {columns.length > 0 ? (
        <div class="table-scroll">
          <table class="grid results-table">
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.name} title={c.type}>
                    {c.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 ? (
                <tr class="waiting">
                  <td colSpan={columns.length}>No rows yet. Windows emit when the watermark passes their end.</td>
                </tr>
              ) : null}
              {rows.map((row) => (
                <tr key={row.id} class={row.updates > 0 ? 'updated' : ''} title={row.updates > 0 ? `updated ${row.updates} time${row.updates === 1 ? '' : 's'}` : undefined}>
                  {columns.map((c) => (
                    <td key={c.name} class={typeof row.values[c.name] === 'number' ? 'num' : ''}>
                      {formatValue(row.values[c.name])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
