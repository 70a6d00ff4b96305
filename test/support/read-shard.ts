// Reads a shard from its start to its end the way a Kinesis consumer must: an answer with no records
// is the end only when it says it is caught up (MillisBehindLatest 0). A shared store's shard answers
// nothing, behind, while its cluster cannot be reached in time (a node restarting, a replica catching
// up); reading on from the same iterator loses nothing.
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';

export interface ReadRecord {
  readonly data: string;
  readonly sequenceNumber: string;
}

/** Empty answers that are behind, in a row, after which the read gives up (each waits up to ~2 s). */
const MAX_EMPTY_BEHIND = 30;

export async function readShard(kinesis: KinesisClient, stream: string, shardId: string, limit = 10_000): Promise<ReadRecord[]> {
  let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const out: ReadRecord[] = [];
  let emptyBehind = 0;
  while (iterator !== undefined) {
    const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
    const records = got.Records ?? [];
    for (const r of records) out.push({ data: Buffer.from(r.Data!).toString(), sequenceNumber: r.SequenceNumber! });
    iterator = got.NextShardIterator;
    if (records.length > 0) emptyBehind = 0;
    else if (got.MillisBehindLatest === 0) break;
    else if (++emptyBehind >= MAX_EMPTY_BEHIND) throw new Error(`${stream} ${shardId}: still behind after ${MAX_EMPTY_BEHIND} empty reads (${out.length} records read)`);
  }
  return out;
}
