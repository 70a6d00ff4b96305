// `WITH (late_rows = 'stream')`: rows too late for every window they belong to are written to a stream of
// their own, one JSON record each, instead of only being counted, so nothing a window drops disappears
// without a trace. Each record says where the row came from (when the window reads the stream directly:
// its shard, sequence number and partition key), why it was late (the end of the last window it belonged
// to, the watermark it met, the allowed lateness), and the row itself.
import type { QueryStore } from './query-store.js';
import type { LateRows } from '../operators/operator.js';
import { batchToRows, type Row } from '../batch/rows.js';
import { toJson } from '../batch/json-text.js';
import { formatTimestamp } from '../batch/timestamp.js';
import { durationText } from '../plan/explain.js';
import { ARRIVAL_TIME_COLUMN, SYSTEM_COLUMNS } from '../plan/schema.js';
import { EddyError } from '../errors.js';
import { putWithRetries } from './stream-sink.js';

const MAX_RECORDS_PER_PUT = 500;

/** One late row as written to the stream. */
export interface LateRowEntry {
  /** The query that dropped it, and the stream it reads. */
  readonly query: string;
  readonly stream: string;
  /** Where the row came from, when the window read the stream's records directly. */
  readonly shardId?: string;
  readonly sequenceNumber?: string;
  readonly partitionKey?: string;
  readonly arrivalTime?: string;
  /** The row's event time, the end of the last window it belonged to, and the watermark it met. */
  readonly eventTime: string | null;
  readonly windowEnd: string;
  readonly watermark: string;
  readonly allowedLatenessMs: number;
  readonly reason: string;
  /** The row's columns as the window read them (system columns left out: they are above). */
  readonly row: Row;
}

const SYSTEM_NAMES = new Set(SYSTEM_COLUMNS.map((c) => c.name));

/** The entries of rows an operator handed over as late, in the order it gave them. */
export function lateRowEntries(late: LateRows, query: string, stream: string): LateRowEntry[] {
  const timeColumn = late.columns[late.timeColumn]?.name ?? '';
  const rows = batchToRows(late.batch, late.columns);
  const lateness = late.allowedLatenessMs > 0 ? ` plus the allowed lateness of ${durationText(late.allowedLatenessMs)}` : '';
  return rows.map((values, i) => {
    const windowEnd = formatTimestamp(late.windowEnds[i]!);
    const watermark = formatTimestamp(late.watermarkMs);
    const row: Row = {};
    for (const [k, v] of Object.entries(values)) if (!SYSTEM_NAMES.has(k)) row[k] = v;
    const text = (name: string) => (typeof values[name] === 'string' ? { [name]: values[name] } : {});
    const eventTime = values[timeColumn];
    return {
      query,
      stream,
      ...rename(text('_shard_id'), 'shardId'),
      ...rename(text('_sequence_number'), 'sequenceNumber'),
      ...rename(text('_partition_key'), 'partitionKey'),
      ...rename(text(ARRIVAL_TIME_COLUMN), 'arrivalTime'),
      eventTime: typeof eventTime === 'string' ? eventTime : null,
      windowEnd,
      watermark,
      allowedLatenessMs: late.allowedLatenessMs,
      reason: `every window of the row had closed: the last one ended at ${windowEnd}, and the watermark was ${watermark}, past that end${lateness}`,
      row,
    };
  });
}

function rename(fields: Record<string, unknown>, to: string): Record<string, string> {
  const v = Object.values(fields)[0];
  return typeof v === 'string' ? { [to]: v } : {};
}

export class LateRowSink {
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly store: QueryStore,
    readonly stream: string,
    source: string,
  ) {
    if (stream === source) throw new EddyError('ValidationException', `a query cannot send its late rows to the stream it reads ('${stream}')`);
    store.describeStream(stream);
  }

  async write(entries: readonly LateRowEntry[]): Promise<void> {
    for (let i = 0; i < entries.length; i += MAX_RECORDS_PER_PUT) {
      const chunk = entries.slice(i, i + MAX_RECORDS_PER_PUT).map((e) => ({ partitionKey: e.partitionKey ?? e.query, data: this.encoder.encode(toJson(e)) }));
      await putWithRetries(this.store, this.stream, chunk, 'late rows');
    }
  }
}
