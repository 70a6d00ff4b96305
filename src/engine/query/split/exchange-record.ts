// One record of a split query's exchange stream: what one sending part sends one receiving part in one
// step. Its data is a header line, then one JSON object per row, each on a line of its own, so the
// receiver hands the rows to its source's JSON decoder as they are (views of the record, not copies).
// The header says which part sent it, the watermark that part had reached once these rows were sent
// (null on all but the last record of a step), and where each row came from in the source.
import { EddyError } from '../../errors.js';

/** Where a row came from: its source shard's index in `shards`, its sequence number and sub-sequence number. */
export type RowOrigin = readonly [shard: number, sequence: string, sub: number];

export interface ExchangeHeader {
  /** The sending part, 0-based. */
  readonly p: number;
  /** Its watermark once the rows of this step were sent (epoch ms), on the last record of a step; else null. */
  readonly w: number | null;
  /**
   * Present (1) when every shard the sending part reads has gone idle: it holds no part's watermark back
   * (as an idle shard holds no query's), until it sends a record without it.
   */
  readonly i?: 1;
  /** Source shard ids the origins refer to. */
  readonly s: readonly string[];
  /** One origin per row, in order. */
  readonly o: readonly RowOrigin[];
}

/** Records stay well under Kinesis's 1 MiB, so a put is never refused for its size. */
export const MAX_EXCHANGE_RECORD_BYTES = 512 * 1024;

const NEWLINE = 0x0a;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A record's data from its header and its rows' JSON texts (which hold no line feed: JSON escapes them). */
export function encodeExchangeRecord(header: ExchangeHeader, rows: readonly string[]): Uint8Array {
  return encoder.encode(`${JSON.stringify(header)}\n${rows.length === 0 ? '' : `${rows.join('\n')}\n`}`);
}

/** The header and each row's bytes (views into `data`). */
export function decodeExchangeRecord(data: Uint8Array): { header: ExchangeHeader; rows: Uint8Array[] } {
  let end = data.indexOf(NEWLINE);
  if (end < 0) throw new EddyError('InternalFailure', 'an exchange record has no header line', 'internal');
  const header = JSON.parse(decoder.decode(data.subarray(0, end))) as ExchangeHeader;
  const rows: Uint8Array[] = [];
  for (let start = end + 1; start < data.length; start = end + 1) {
    end = data.indexOf(NEWLINE, start);
    if (end < 0) end = data.length;
    rows.push(data.subarray(start, end));
  }
  if (rows.length !== header.o.length) throw new EddyError('InternalFailure', `an exchange record holds ${rows.length} rows and ${header.o.length} origins`, 'internal');
  return { header, rows };
}

/** Orders Kinesis sequence numbers (decimal digits, shorter is smaller). */
export function compareSequence(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
