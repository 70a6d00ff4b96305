// The newest records of a shard, for someone peeking at a stream: found from the shard's last sequence
// number, whose offset says where the last `limit` records start, so nothing before them is read.

import { formatSequenceNumber, parseSequenceNumber } from './sequence-number.js';
import type { ShardCursor, StreamRecord, StreamStore } from './stream-store.js';

/** Up to `limit` of the shard's newest retained records, newest first. */
export async function latestRecords(store: StreamStore, streamName: string, shardId: string, limit: number): Promise<StreamRecord[]> {
  const end = store.openCursor(streamName, shardId, { type: 'LATEST' });
  const last = end.continuationSequenceNumber;
  end.close();
  const position = last === undefined ? undefined : parseSequenceNumber(last);
  if (last === undefined || position === undefined || limit < 1) return [];
  const first = formatSequenceNumber(position.shardIndex, Math.max(0, position.offset - limit + 1));
  const cursor = store.openCursor(streamName, shardId, { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: first });
  try {
    return (await readThrough(cursor, last, limit)).reverse();
  } finally {
    cursor.close();
  }
}

/** Reads up to and including `last`; a read may stop short at its byte limit, so it reads on. */
async function readThrough(cursor: ShardCursor, last: string, limit: number): Promise<StreamRecord[]> {
  const kept: StreamRecord[] = [];
  for (;;) {
    const { records } = await cursor.read({ maxRecords: limit });
    for (const r of records) if (r.sequenceNumber <= last) kept.push(r);
    if (records.length === 0 || records[records.length - 1]!.sequenceNumber >= last) return kept.slice(-limit);
  }
}
