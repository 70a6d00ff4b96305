// Streams: every stream with its shards, mode, retention and live incoming rates; a form to create one;
// the selected stream's detail below.

import { useState } from 'preact/hooks';
import { api, ApiError, path } from './api-client.js';
import type { StreamDetail, StreamListing } from './api-types.js';
import { ErrorNote } from './error-note.js';
import { formatBytes, formatDuration, formatRate } from './format.js';
import { JsonLink } from './json-link.js';
import { Sparkline } from './sparkline.js';
import { StreamDetailView } from './stream-detail.js';
import { usePolled } from './use-polled.js';
import { href } from './use-route.js';

/** More streams than this are listed without their live detail, to keep polling light. */
const MAX_DETAILED = 50;

export function StreamsView({ selected }: { readonly selected?: string | undefined }) {
  const listing = usePolled<{ streams: StreamListing[] }>('/v1/streams');
  const streams = [...(listing.data?.streams ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <section class="view streams-view">
      <header class="view-header">
        <h1>Streams</h1>
        <JsonLink path="/v1/streams" />
      </header>
      <CreateStreamForm onCreated={listing.reload} />
      <ErrorNote error={listing.error} />
      {listing.data && streams.length === 0 ? <p class="empty">No streams yet. Create one above, or with CREATE STREAM in SQL.</p> : null}
      {streams.length > 0 ? (
        <table class="grid streams-table">
          <thead>
            <tr>
              <th>Stream</th>
              <th>Status</th>
              <th>Mode</th>
              <th class="num">Shards</th>
              <th class="num">Retention</th>
              <th>Records/s</th>
              <th>Bytes/s</th>
              <th class="num">Iterator age</th>
              <th>Schema</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {streams.map((s, i) => (
              <StreamRow key={s.name} listing={s} detailed={i < MAX_DETAILED} selected={s.name === selected} />
            ))}
          </tbody>
        </table>
      ) : null}
      {selected ? <StreamDetailView key={selected} name={selected} onDeleted={listing.reload} /> : null}
    </section>
  );
}

function StreamRow({ listing, detailed, selected }: { readonly listing: StreamListing; readonly detailed: boolean; readonly selected: boolean }) {
  const detail = usePolled<StreamDetail>(detailed ? path`/v1/streams/${listing.name}` : null);
  const d = detail.data;
  const records = d?.history.map((p) => p.incomingRecordsPerSecond) ?? [];
  const bytes = d?.history.map((p) => p.incomingBytesPerSecond) ?? [];
  const iteratorAge = d ? Math.max(0, ...d.shards.map((s) => s.iteratorAgeMs), ...d.queries.map((q) => q.lagMs)) : undefined;
  return (
    <tr class={selected ? 'selected' : ''} data-stream={listing.name}>
      <td>
        <a href={href.stream(listing.name)} class="name">
          {listing.name}
        </a>
      </td>
      <td>{listing.status}</td>
      <td>{d ? (d.mode === 'ON_DEMAND' ? 'on-demand' : 'provisioned') : ''}</td>
      <td class="num">{listing.shards}</td>
      <td class="num">{d ? `${d.retentionPeriodHours} h` : ''}</td>
      <td class="rate">
        <Sparkline values={records} label={`${listing.name} records per second, last minute`} />
        <span class="rate-value" data-rate="records">{d ? formatRate(d.incomingRecordsPerSecond) : ''}</span>
      </td>
      <td class="rate">
        <Sparkline values={bytes} label={`${listing.name} bytes per second, last minute`} />
        <span class="rate-value">{d ? formatBytes(d.incomingBytesPerSecond) : ''}</span>
      </td>
      <td class="num">{iteratorAge === undefined ? '' : formatDuration(iteratorAge)}</td>
      <td>{listing.schema ? `${listing.schema.format.kind}, ${listing.schema.columns.length} columns` : <span class="muted">none</span>}</td>
      <td>
        <JsonLink path={path`/v1/streams/${listing.name}`} />
      </td>
    </tr>
  );
}

function CreateStreamForm({ onCreated }: { readonly onCreated: () => void }) {
  const [name, setName] = useState('');
  const [shards, setShards] = useState(1);
  const [mode, setMode] = useState<'PROVISIONED' | 'ON_DEMAND'>('PROVISIONED');
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    try {
      await api('POST', '/v1/streams', { name: name.trim(), ...(mode === 'ON_DEMAND' ? { mode } : { shardCount: shards }) });
      setError(undefined);
      onCreated();
      window.location.hash = href.stream(name.trim());
      setName('');
    } catch (err) {
      setError(err instanceof ApiError ? err : undefined);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="inline-form create-stream" onSubmit={submit} aria-label="Create a stream">
      <label>
        Name
        <input name="name" required maxLength={128} pattern="[a-zA-Z0-9_.\-]+" value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="clicks" />
      </label>
      <label>
        Mode
        <select name="mode" value={mode} onChange={(e) => setMode(e.currentTarget.value as 'PROVISIONED' | 'ON_DEMAND')}>
          <option value="PROVISIONED">provisioned</option>
          <option value="ON_DEMAND">on-demand</option>
        </select>
      </label>
      <label>
        Shards
        <input name="shards" type="number" min={1} max={500} value={shards} disabled={mode === 'ON_DEMAND'} onInput={(e) => setShards(Number(e.currentTarget.value))} />
      </label>
      <button type="submit" disabled={busy || name.trim() === ''}>
        Create stream
      </button>
      <ErrorNote error={error} />
    </form>
  );
}
