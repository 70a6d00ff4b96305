// Delivery streams: where each writes (bucket, prefix, format), how much it has written, how fresh its files
// are, the error it is retrying now or last had, and the records it sent to its error prefix.

import { path } from './api-client.js';
import type { DeliveryStream } from './api-types.js';
import { ErrorNote } from './error-note.js';
import { formatBytes, formatCount, formatDuration, formatTime } from './format.js';
import { JsonLink } from './json-link.js';
import { usePolled } from './use-polled.js';
import { href } from './use-route.js';

export function DeliveryView() {
  const list = usePolled<{ enabled: boolean; deliveryStreams: DeliveryStream[] }>('/v1/delivery-streams');
  const streams = list.data?.deliveryStreams ?? [];
  return (
    <section class="view delivery-view">
      <header class="view-header">
        <h1>Delivery streams</h1>
        <JsonLink path="/v1/delivery-streams" />
      </header>
      <ErrorNote error={list.error} />
      {list.data && !list.data.enabled ? <p class="muted">Delivery is off: this server has no data directory or files root to write files to.</p> : null}
      {list.data?.enabled && streams.length === 0 ? <p class="muted">No delivery streams. Create them with the Firehose API (CreateDeliveryStream).</p> : null}
      {streams.length > 0 ? (
        <table class="grid delivery-table">
          <thead>
            <tr>
              <th>Delivery stream</th>
              <th>Source</th>
              <th>Destination</th>
              <th class="num">Files</th>
              <th class="num">Delivered</th>
              <th class="num">Freshness</th>
              <th class="num">Error prefix</th>
              <th>Errors</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {streams.map((d) => (
              <tr key={d.name} data-delivery-stream={d.name}>
                <td>
                  <b>{d.name}</b>
                  <div class="muted">{d.status}</div>
                </td>
                <td>{d.sourceStream ? <a href={href.stream(d.sourceStream)}>{d.sourceStream}</a> : 'Direct PUT'}</td>
                <td>
                  <code>
                    {d.destination.bucketARN.replace(/^arn:aws:s3:::/, 's3://')}/{d.destination.prefix}
                  </code>
                  <div class="muted">
                    {d.destination.format === 'records' ? `records, ${d.destination.compression.toLowerCase()}` : d.destination.format}
                    {d.destination.bufferIntervalSeconds !== null ? `, every ${d.destination.bufferIntervalSeconds} s` : ''}
                    {d.destination.bufferSizeMiB !== null ? ` or ${d.destination.bufferSizeMiB} MiB` : ''}
                  </div>
                </td>
                <td class="num">{formatCount(d.filesWritten)}</td>
                <td class="num">
                  {formatCount(d.deliveredRecords)} records
                  <div class="muted">{formatBytes(d.deliveredBytes)}</div>
                </td>
                <td class="num">{formatDuration(d.dataFreshnessMs)}</td>
                <td class="num">
                  {formatCount(d.errorRecords)} records
                  <div class="muted">
                    {d.errorFilesWritten} file{d.errorFilesWritten === 1 ? '' : 's'}
                    {d.destination.errorOutputPrefix ? ` in ${d.destination.errorOutputPrefix}` : ''}
                  </div>
                </td>
                <td class="delivery-errors">
                  {d.failing ? <div class="error-text">retrying: {d.failing.message}</div> : null}
                  {!d.failing && d.lastError ? (
                    <div class="muted">
                      last error {formatTime(d.lastError.at)}: {d.lastError.message}
                    </div>
                  ) : null}
                  {!d.failing && !d.lastError ? <span class="muted">none</span> : null}
                  {d.deliveryErrors > 0 ? <div class="muted">{d.deliveryErrors} failed attempts</div> : null}
                </td>
                <td>
                  <JsonLink path={path`/v1/delivery-streams/${d.name}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
