// One stream: its shards with their counts and iterator age, its readers (queries and consumers), a form to
// put a test record, the newest records of a shard, and deleting the stream.

import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, path } from './api-client.js';
import type { PeekedRecord, StreamDetail } from './api-types.js';
import { ErrorNote } from './error-note.js';
import { formatBytes, formatDuration, formatRecordData, formatTime, queryLabel } from './format.js';
import { JsonLink } from './json-link.js';
import { usePolled } from './use-polled.js';
import { href } from './use-route.js';

export function StreamDetailView({ name, onDeleted }: { readonly name: string; readonly onDeleted: () => void }) {
  const detail = usePolled<StreamDetail>(path`/v1/streams/${name}`);
  const d = detail.data;
  const [peekTick, setPeekTick] = useState(0);
  if (detail.error?.status === 404) {
    return (
      <section class="panel stream-detail">
        <p class="empty">Stream {name} does not exist (any more).</p>
      </section>
    );
  }
  return (
    <section class="panel stream-detail" aria-label={`Stream ${name}`}>
      <header class="panel-header">
        <h2>{name}</h2>
        {d ? <span class="muted">{d.arn}</span> : null}
        <JsonLink path={path`/v1/streams/${name}`} />
        <DeleteStream name={name} onDeleted={onDeleted} />
      </header>
      <ErrorNote error={detail.error} />
      {d ? (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>{d.status}</dd>
            <dt>Mode</dt>
            <dd>{d.mode === 'ON_DEMAND' ? 'on-demand' : 'provisioned'}</dd>
            <dt>Open shards</dt>
            <dd>{d.openShardCount}</dd>
            <dt>Retention</dt>
            <dd>{d.retentionPeriodHours} h</dd>
            <dt>Created</dt>
            <dd>{formatTime(d.createdAt)}</dd>
            <dt>Schema</dt>
            <dd>
              {d.schema
                ? `${d.schema.columns.map((c) => `${c.name} ${c.type}`).join(', ')} (${d.schema.format.kind}${d.schema.watermark ? `, watermark ${d.schema.watermark.column} − ${d.schema.watermark.delayMs} ms` : ''})`
                : 'none: CREATE STREAM in SQL attaches one'}
            </dd>
          </dl>
          <h3>Shards</h3>
          <table class="grid shards-table">
            <thead>
              <tr>
                <th>Shard</th>
                <th>State</th>
                <th>Parent</th>
                <th class="num">Records in</th>
                <th class="num">Bytes in</th>
                <th class="num">Iterator age (GetRecords)</th>
              </tr>
            </thead>
            <tbody>
              {d.shards.map((s) => (
                <tr key={s.shardId}>
                  <td>{s.shardId}</td>
                  <td>{s.open ? 'open' : 'closed'}</td>
                  <td>{[s.parentShardId, s.adjacentParentShardId].filter(Boolean).join(', ') || '—'}</td>
                  <td class="num">{s.incomingRecords}</td>
                  <td class="num">{formatBytes(s.incomingBytes)}</td>
                  <td class="num">{formatDuration(s.iteratorAgeMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Readers</h3>
          {d.queries.length === 0 && d.consumers.length === 0 ? <p class="muted">No queries or registered consumers read this stream.</p> : null}
          <ul class="readers">
            {d.queries.map((q) => (
              <li key={q.id}>
                query <a href={href.query(q.id)}>{queryLabel(q)}</a> ({q.status}), {formatDuration(q.lagMs)} behind
              </li>
            ))}
            {d.consumers.map((c) => (
              <li key={c.name}>
                consumer {c.name} ({c.status}), registered {formatTime(c.createdAt)}
              </li>
            ))}
          </ul>
          <div class="two-columns">
            <PutRecordForm stream={name} onPut={() => setPeekTick((t) => t + 1)} />
            <LatestRecords stream={name} shards={d.shards.map((s) => s.shardId)} refresh={peekTick} />
          </div>
        </>
      ) : null}
    </section>
  );
}

function DeleteStream({ name, onDeleted }: { readonly name: string; readonly onDeleted: () => void }) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const remove = async (): Promise<void> => {
    try {
      await api('DELETE', path`/v1/streams/${name}`);
      onDeleted();
      window.location.hash = href.streams();
    } catch (e) {
      setError(e instanceof ApiError ? e : undefined);
    }
  };
  if (!asking) {
    return (
      <button type="button" class="danger" onClick={() => setAsking(true)}>
        Delete stream
      </button>
    );
  }
  return (
    <span class="confirm">
      Delete {name} and its records?
      <button type="button" class="danger" onClick={remove}>
        Delete {name}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Keep it
      </button>
      <ErrorNote error={error} />
    </span>
  );
}

function PutRecordForm({ stream, onPut }: { readonly stream: string; readonly onPut: () => void }) {
  const [partitionKey, setPartitionKey] = useState('key-1');
  const [data, setData] = useState('{"hello": "world"}');
  const [answer, setAnswer] = useState<{ shardId: string; sequenceNumber: string } | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      setAnswer(await api<{ shardId: string; sequenceNumber: string }>('POST', path`/v1/streams/${stream}/records`, { partitionKey, data }));
      setError(undefined);
      onPut();
    } catch (err) {
      setError(err instanceof ApiError ? err : undefined);
    }
  };
  return (
    <form class="stacked-form put-record" onSubmit={submit} aria-label="Put a test record">
      <h3>Put a test record</h3>
      <label>
        Partition key
        <input name="partitionKey" required value={partitionKey} onInput={(e) => setPartitionKey(e.currentTarget.value)} />
      </label>
      <label>
        Data (text)
        <textarea name="data" rows={4} value={data} onInput={(e) => setData(e.currentTarget.value)} />
      </label>
      <button type="submit">Put record</button>
      {answer ? (
        <p class="ok" role="status">
          Stored in {answer.shardId} as {answer.sequenceNumber}
        </p>
      ) : null}
      <ErrorNote error={error} />
    </form>
  );
}

function LatestRecords({ stream, shards, refresh }: { readonly stream: string; readonly shards: readonly string[]; readonly refresh: number }) {
  const [shard, setShard] = useState(shards[0] ?? '');
  const [records, setRecords] = useState<readonly PeekedRecord[] | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [asText, setAsText] = useState(false);
  const current = shards.includes(shard) ? shard : (shards[0] ?? '');
  const peekPath = path`/v1/streams/${stream}/shards/${current}/records` + '?limit=20';

  const load = async (): Promise<void> => {
    if (!current) return;
    try {
      setRecords((await api<{ records: PeekedRecord[] }>('GET', peekPath)).records);
      setError(undefined);
    } catch (e) {
      setError(e instanceof ApiError ? e : undefined);
    }
  };
  useEffect(() => {
    void load();
  }, [current, refresh]);

  return (
    <div class="latest-records">
      <h3>Latest records</h3>
      <div class="toolbar">
        <select aria-label="Shard to peek at" value={current} onChange={(e) => setShard(e.currentTarget.value)}>
          {shards.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
        <label class="check">
          <input type="checkbox" checked={asText} onChange={(e) => setAsText(e.currentTarget.checked)} /> raw text
        </label>
        <JsonLink path={peekPath} />
      </div>
      <ErrorNote error={error} />
      {records && records.length === 0 ? <p class="muted">No records in {current}.</p> : null}
      <ol class="records">
        {(records ?? []).map((r) => {
          const shown = asText && r.text !== null ? { kind: 'text' as const, shown: r.text } : formatRecordData(r);
          return (
            <li key={r.sequenceNumber}>
              <div class="record-meta">
                <span title="sequence number">#{r.sequenceNumber.slice(-8)}</span> key <b>{r.partitionKey}</b> at {formatTime(r.arrivalTime)}, {formatBytes(r.bytes)}
                {r.truncated ? ' (cut short)' : ''} <span class="tag">{shown.kind}</span>
              </div>
              <pre class={`record-data ${shown.kind}`}>{shown.shown}</pre>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
