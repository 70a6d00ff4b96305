// One query: what it is doing (rates, watermark per shard, idle shards, lag, late rows, decode errors,
// its last checkpoint and the last bad record) and its results, live: a table, and a chart for windowed results.

import { useEffect, useReducer, useState } from 'preact/hooks';
import { path } from './api-client.js';
import type { QueryStatus } from './api-types.js';
import { ErrorNote } from './error-note.js';
import { formatBytes, formatCount, formatDuration, formatRate, formatRecordData, formatTime, queryLabel } from './format.js';
import { JsonLink } from './json-link.js';
import { StopQuery } from './queries-table.js';
import { forgetResults, resultsOf, type ResultSubscription } from './result-subscriptions.js';
import { ResultsTable } from './results-table.js';
import { useLazy } from './use-lazy.js';
import { usePolled } from './use-polled.js';
import { href } from './use-route.js';

export function QueryView({ id }: { readonly id: string }) {
  const status = usePolled<QueryStatus>(path`/v1/queries/${id}`);
  const results = useResults(id);
  const q = status.data;
  const gone = status.error?.status === 404;
  return (
    <section class="view query-view">
      <header class="view-header">
        <h1>
          Query <span class="query-name">{q ? queryLabel(q) : id.slice(0, 8)}</span>
        </h1>
        {q && !gone ? <span class={`status ${q.status}`}>{q.status}</span> : null}
        {gone ? <span class="status stopped">stopped</span> : null}
        <JsonLink path={path`/v1/queries/${id}`} />
        {q && !gone ? (
          <StopQuery
            id={id}
            onStopped={() => {
              forgetResults(id);
              window.location.hash = href.sql();
            }}
          />
        ) : null}
      </header>
      {gone ? <p class="muted">This query is not running any more. The rows below are the last ones received.</p> : <ErrorNote error={status.error} />}
      {q ? <QueryFacts query={q} /> : null}
      {results ? <QueryResults results={results} /> : null}
    </section>
  );
}

/** When the query's progress was last saved, and how its checkpoints have gone since it started here. */
function describeCheckpoints(c: QueryStatus['checkpoints']): string {
  const last = c.lastCompletedAt === undefined ? 'none yet' : `${formatTime(c.lastCompletedAt)}${c.lastDurationMs === undefined ? '' : ` (took ${formatDuration(c.lastDurationMs)})`}`;
  return `${last}; ${formatCount(c.completed)} saved${c.failed > 0 ? `, ${formatCount(c.failed)} failed` : ''}`;
}

/** The query's live results; re-renders whenever rows arrive (at most once per frame). */
function useResults(id: string): ResultSubscription | undefined {
  const [subscription, setSubscription] = useState<ResultSubscription | undefined>(undefined);
  const [, rerender] = useReducer((n: number, _: void) => n + 1, 0);
  useEffect(() => {
    const s = resultsOf(id);
    setSubscription(s);
    return s.subscribe(() => rerender());
  }, [id]);
  return subscription;
}

function QueryFacts({ query: q }: { readonly query: QueryStatus }) {
  const bad = q.lastBadRecord;
  const shown = bad ? formatRecordData(bad) : undefined;
  return (
    <div class="query-facts">
      <pre class="query-sql">{q.sql}</pre>
      {q.error ? <p class="error-note">{q.error}</p> : null}
      <dl class="facts">
        <dt>Reads</dt>
        <dd>
          <a href={href.stream(q.stream)}>{q.stream}</a>
          {q.sink.kind === 'stream' && q.sink.stream ? <> → writes to <a href={href.stream(q.sink.stream)}>{q.sink.stream}</a></> : null}
        </dd>
        <dt>Results</dt>
        <dd>{describeShape(q)}</dd>
        <dt>Input</dt>
        <dd>
          {formatRate(q.inputRecordsPerSecond)} records/s ({formatCount(q.inputRecords)} in all)
        </dd>
        <dt>Output</dt>
        <dd>
          {formatRate(q.outputRowsPerSecond)} rows/s ({formatCount(q.outputRows)} in all)
        </dd>
        <dt>Watermark</dt>
        <dd>{formatTime(q.watermark)}</dd>
        <dt>Lag</dt>
        <dd>{formatDuration(q.lagMs)}</dd>
        <dt>Late rows</dt>
        <dd>{formatCount(q.lateRows)}</dd>
        <dt>Decode errors</dt>
        <dd>{formatCount(q.decodeErrors)}</dd>
        <dt>Started</dt>
        <dd>{formatTime(q.startedAt)}</dd>
        <dt>Last checkpoint</dt>
        <dd>{describeCheckpoints(q.checkpoints)}</dd>
      </dl>
      {q.shards.length > 0 ? (
        <table class="grid shard-watermarks">
          <thead>
            <tr>
              <th>Shard</th>
              <th>Watermark</th>
              <th>Idle</th>
              <th class="num">Lag</th>
            </tr>
          </thead>
          <tbody>
            {q.shards.map((s) => (
              <tr key={s.shardId} class={s.idle ? 'idle' : ''}>
                <td>{s.shardId}</td>
                <td>{formatTime(s.watermark)}</td>
                <td>{s.idle ? 'idle: not holding the watermark back' : 'active'}</td>
                <td class="num">{formatDuration(s.lagMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {bad && shown ? (
        <div class="bad-record" role="note" aria-label="Last record that did not decode">
          <h3>Last record that did not decode</h3>
          <p class="error-text">{bad.error}</p>
          <p class="muted">
            {bad.shardId}, sequence number {bad.sequenceNumber}, key {bad.partitionKey}, at {formatTime(bad.arrivalTime)}, {formatBytes(bad.bytes)}
            {bad.truncated ? ' (cut short)' : ''}
          </p>
          <pre class="record-data">{shown.shown}</pre>
        </div>
      ) : null}
    </div>
  );
}

function windowText(w: NonNullable<QueryStatus['result']['window']>): string {
  switch (w.kind) {
    case 'hop':
      return `hopping windows of ${formatDuration(w.sizeMs)} every ${formatDuration(w.slideMs)}`;
    case 'cumulate':
      return `cumulating windows growing by ${formatDuration(w.slideMs)} up to ${formatDuration(w.sizeMs)}`;
    case 'session':
      return `sessions ending after a gap of ${formatDuration(w.sizeMs)}`;
    default:
      return `tumbling windows of ${formatDuration(w.sizeMs)}`;
  }
}

function describeShape(q: QueryStatus): string {
  const r = q.result;
  const window = r.window ? `${windowText(r.window)}, emitted as they close` : '';
  if (r.changelog === 'retract') {
    const how = r.keys.length > 0 ? `updated in place by ${r.keys.join(', ')}` : 'updated in place (each change withdraws the row it replaces)';
    return window ? `${window}; late rows revise them, ${how}` : how;
  }
  return window || 'appended as they come';
}

const loadChart = () => import('./results-chart.js');

function QueryResults({ results }: { readonly results: ResultSubscription }) {
  const chart = useLazy(loadChart);
  return (
    <div class="results">
      {results.state === 'failed' ? <p class="error-note">Results: {results.message}</p> : null}
      {results.state === 'ended' ? <p class="muted">The query has stopped; no more rows will come.</p> : null}
      {results.series?.chartable && chart ? <chart.ResultsChart results={results} /> : null}
      <ResultsTable results={results} />
    </div>
  );
}
