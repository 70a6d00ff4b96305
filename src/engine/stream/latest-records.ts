// The newest records of a shard, for someone peeking at a stream: found from the shard's last sequence
// number, whose offset says where the last `limit` records start, so nothing before them is read.

import { parseSequenceNumber, sequenceNumberAtOffset } from './sequence-number.js';
import type { ShardCursor, StreamRecord, StreamStore } from './stream-store.js';

/** Up to `limit` of the shard's newest retained records, newest first. */
export function latestRecords(store: StreamStore, streamName: string, shardId: string, limit: number): StreamRecord[] {
  const end = store.openCursor(streamName, shardId, { type: 'LATEST' });
  const last = end.continuationSequenceNumber;
  end.close();
  const position = last === undefined ? undefined : parseSequenceNumber(last);
  if (last === undefined || position === undefined || limit < 1) return [];
  const first = sequenceNumberAtOffset(last, Math.max(0, position.offset - limit + 1));
  if (first === undefined) return [];
  const cursor = store.openCursor(streamName, shardId, { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: first });
  try {
    return readThrough(cursor, position.offset, limit).reverse();
  } finally {
    cursor.close();
  }
}

const offsetOf = (r: StreamRecord): number => parseSequenceNumber(r.sequenceNumber)?.offset ?? Number.POSITIVE_INFINITY;

/** Reads up to and including offset `last`; a read may stop short at its byte limit, so it reads on. */
function readThrough(cursor: ShardCursor, last: number, limit: number): StreamRecord[] {
  const kept: StreamRecord[] = [];
  for (;;) {
    const { records } = cursor.read({ maxRecords: limit });
    for (const r of records) if (offsetOf(r) <= last) kept.push(r);
    if (records.length === 0 || offsetOf(records[records.length - 1]!) >= last) return kept.slice(-limit);
  }
}
