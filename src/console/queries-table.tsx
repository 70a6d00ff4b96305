// Running (and failed) queries: status, input and output rates, watermark, lag, late rows and decode
// errors, with a button to stop each.

import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, path } from './api-client.js';
import type { QueryStatus } from './api-types.js';
import { ErrorNote } from './error-note.js';
import { formatCount, formatDuration, formatRate, formatTime, queryLabel } from './format.js';
import { JsonLink } from './json-link.js';
import { Sparkline } from './sparkline.js';
import { usePolled } from './use-polled.js';
import { href } from './use-route.js';

export function QueriesTable({ refresh }: { readonly refresh: number }) {
  const queries = usePolled<{ queries: QueryStatus[] }>('/v1/queries');
  const reload = queries.reload;
  useEffect(() => reload(), [refresh, reload]);
  const list = queries.data?.queries ?? [];
  return (
    <>
      <ErrorNote error={queries.error} />
      {queries.data && list.length === 0 ? <p class="muted">No queries are running.</p> : null}
      {list.length > 0 ? (
        <table class="grid queries-table">
          <thead>
            <tr>
              <th>Query</th>
              <th>Status</th>
              <th>Reads</th>
              <th>Input/s</th>
              <th>Output/s</th>
              <th>Watermark</th>
              <th class="num">Lag</th>
              <th class="num">Late rows</th>
              <th class="num">Decode errors</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((q) => (
              <QueryRow key={q.id} query={q} onStopped={reload} />
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

function QueryRow({ query: q, onStopped }: { readonly query: QueryStatus; readonly onStopped: () => void }) {
  const idle = q.shards.filter((s) => s.idle).length;
  return (
    <tr data-query={q.id}>
      <td>
        <a href={href.query(q.id)} title={q.sql}>
          {queryLabel(q)}
        </a>
        <div class="muted sql-preview">{q.sql}</div>
      </td>
      <td>
        <span class={`status ${q.status}`}>{q.status}</span>
        {q.error ? <div class="error-text">{q.error}</div> : null}
      </td>
      <td>
        <a href={href.stream(q.stream)}>{q.stream}</a>
        {q.sink.kind === 'stream' && q.sink.stream ? <span> → {q.sink.stream}</span> : null}
      </td>
      <td class="rate">
        <Sparkline values={q.history.map((p) => p.inputRecordsPerSecond)} label="input records per second, last minute" width={80} />
        <span class="rate-value">{formatRate(q.inputRecordsPerSecond)}</span>
      </td>
      <td class="rate">
        <Sparkline values={q.history.map((p) => p.outputRowsPerSecond)} label="output rows per second, last minute" width={80} />
        <span class="rate-value">{formatRate(q.outputRowsPerSecond)}</span>
      </td>
      <td class="watermarks">
        {formatTime(q.watermark)}
        <ShardWatermarks query={q} />
        {idle > 0 ? <div class="muted">{idle} idle shard{idle === 1 ? '' : 's'}</div> : null}
      </td>
      <td class="num">{formatDuration(q.lagMs)}</td>
      <td class="num">{formatCount(q.lateRows)}</td>
      <td class="num" title={q.lastDecodeError}>
        {formatCount(q.decodeErrors)}
      </td>
      <td class="actions">
        <StopQuery id={q.id} onStopped={onStopped} />
        <JsonLink path={path`/v1/queries/${q.id}`} />
      </td>
    </tr>
  );
}

/** Shards shown per query in the list; the query's own view shows them all. */
const SHARDS_LISTED = 4;

function ShardWatermarks({ query: q }: { readonly query: QueryStatus }) {
  if (q.shards.length < 2) return null;
  return (
    <ul class="shard-list">
      {q.shards.slice(0, SHARDS_LISTED).map((s) => (
        <li key={s.shardId} class={s.idle ? 'idle' : ''} title={s.idle ? 'idle: not holding the watermark back' : undefined}>
          {s.shardId.replace(/^shardId-0*(?=\d)/, '#')} {s.watermark ? formatTime(s.watermark).slice(11) : '—'}
          {s.idle ? ' (idle)' : ''}
        </li>
      ))}
      {q.shards.length > SHARDS_LISTED ? (
        <li>
          <a href={href.query(q.id)}>{q.shards.length - SHARDS_LISTED} more shards</a>
        </li>
      ) : null}
    </ul>
  );
}

export function StopQuery({ id, onStopped }: { readonly id: string; readonly onStopped: () => void }) {
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const stop = async (): Promise<void> => {
    setBusy(true);
    try {
      await api('DELETE', path`/v1/queries/${id}`);
      onStopped();
    } catch (e) {
      setError(e instanceof ApiError ? e : undefined);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class="danger stop-query" onClick={() => void stop()} disabled={busy}>
        Stop
      </button>
      <ErrorNote error={error} />
    </>
  );
}
