// `WITH (bad_records = 'stream')`: records a query cannot decode are written to a stream of their own, one
// JSON record each, so they can be looked at, counted or put right and sent again. Each says where the
// record was (shard, sequence number, partition key, arrival time), what was wrong, and holds at most the
// record's first 4 KiB (base64, and as text when UTF-8); the whole record stays in its shard, which its
// sequence number finds. So a stream of garbage costs the bad-records stream a bounded copy per record.
import type { QueryStore } from './query-store.js';
import { EddyError } from '../errors.js';
import { formatTimestamp } from '../batch/timestamp.js';
import { utf8TextOrNull } from '../batch/utf8.js';
import type { BadRecord } from './pipeline.js';
import { putWithRetries } from './stream-sink.js';

const MAX_RECORDS_PER_PUT = 500;

/** One bad record as written to the stream. */
export interface BadRecordEntry {
  /** The query that could not decode it, and the stream it read it from. */
  readonly query: string;
  readonly stream: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber?: number;
  readonly partitionKey: string;
  readonly arrivalTime: string;
  readonly error: string;
  /** The record's size; only its first 4 KiB are copied (`truncated`). */
  readonly bytes: number;
  readonly truncated: boolean;
  readonly dataBase64: string;
  readonly text: string | null;
}

export class BadRecordSink {
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly store: QueryStore,
    readonly stream: string,
    private readonly queryId: string,
    private readonly source: string,
  ) {
    if (stream === source) throw new EddyError('ValidationException', `a query cannot send its bad records to the stream it reads ('${stream}')`);
    store.describeStream(stream);
  }

  async write(records: readonly BadRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += MAX_RECORDS_PER_PUT) {
      const chunk = records.slice(i, i + MAX_RECORDS_PER_PUT).map((r) => ({ partitionKey: r.partitionKey, data: this.encoder.encode(JSON.stringify(this.entry(r))) }));
      await putWithRetries(this.store, this.stream, chunk, 'bad records');
    }
  }

  private entry(r: BadRecord): BadRecordEntry {
    const truncated = r.bytes > r.data.length;
    return {
      query: this.queryId,
      stream: this.source,
      shardId: r.shardId,
      sequenceNumber: r.sequenceNumber,
      ...(r.subSequenceNumber === undefined ? {} : { subSequenceNumber: r.subSequenceNumber }),
      partitionKey: r.partitionKey,
      arrivalTime: formatTimestamp(r.arrivalTimestamp),
      error: r.error,
      bytes: r.bytes,
      truncated,
      dataBase64: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.length).toString('base64'),
      text: utf8TextOrNull(r.data, truncated),
    };
  }
}
