// Reading a shard from an offset: the shared core of GetRecords and in-process cursors. Records past
// retention are skipped here, because logs reclaim space in whole segments and may still hold them.
// Damaged records are not: a read that would start with them fails, naming them.

import { DamagedRecordsError } from './log/damaged-range.js';
import { ShardUnreachableError } from './log/shard-unreachable-error.js';
import type { LogRecord, ReadLimits, ShardLog } from './log/shard-log.js';
import type { ShardSequenceNumbers } from './sequence-number.js';
import type { Shard } from './shard.js';
import { damagedRecordsError, type Account } from './stream-errors.js';
import type { StreamRecord } from './stream-store.js';
import type { Stream } from './stream.js';

export interface ShardRead {
  readonly records: StreamRecord[];
  /** Where the next read starts. */
  readonly nextOffset: number;
  /** Data plus partition key bytes of the records returned. */
  readonly bytes: number;
  readonly endOfShard: boolean;
  readonly millisBehindLatest: number;
  /** The log could not be read in time (a shared log's cluster did not answer): records may lie past nextOffset. */
  readonly stalled: boolean;
}

/**
 * A record as a read returns it. Its sequence number, 56 digits made from the offset and arrival time, is
 * made the first time it is asked for: a query reading a stream asks for one per batch (the position it
 * checkpoints), not one per record, and making them was a tenth of its time. It is a getter on the
 * prototype, so a copy of a record must name it (`{ ...r }` alone leaves it out).
 */
class ShardRecord implements StreamRecord {
  private number: string | undefined = undefined;

  constructor(
    private readonly numbers: ShardSequenceNumbers,
    private readonly offset: number,
    readonly arrivalTimestamp: number,
    readonly partitionKey: string,
    readonly data: Uint8Array,
  ) {}

  get sequenceNumber(): string {
    return (this.number ??= this.numbers.at(this.offset, this.arrivalTimestamp));
  }

  /** What JSON.stringify shows: the record's fields, the sequence number among them. */
  toJSON(): StreamRecord {
    return { sequenceNumber: this.sequenceNumber, arrivalTimestamp: this.arrivalTimestamp, partitionKey: this.partitionKey, data: this.data };
  }

  /** Where the record is, for a copy in another thread that makes its number only when asked too. */
  position(): RecordPosition {
    return { shardIndex: this.numbers.shardIndex, shardCreatedAt: this.numbers.shardCreatedAt, offset: this.offset };
  }
}

/** What a record's sequence number is made from (see ShardSequenceNumbers.at). */
export interface RecordPosition {
  readonly shardIndex: number;
  /** Epoch ms. */
  readonly shardCreatedAt: number;
  readonly offset: number;
}

/** The position of a record read here, or undefined for one read elsewhere (its number is then all there is). */
export function recordPosition(record: StreamRecord): RecordPosition | undefined {
  return record instanceof ShardRecord ? record.position() : undefined;
}

// `length`, not `byteLength`: the same for a Uint8Array, and V8 compiles it to a field load.
const sizeOf = (r: LogRecord): number => r.data.length + r.partitionKey.length;

/**
 * `arrivedBefore`: when the record before `fromOffset` arrived, if the caller read it. A log that looks
 * arrival times up over the network may not answer (a cluster electing a leader); a reader that could not
 * read on is then counted behind from that time, an upper bound, rather than shown as caught up.
 */
export async function readShard(
  stream: Stream,
  shard: Shard,
  fromOffset: number,
  maxRecords: number,
  maxBytes: number,
  now: number,
  account: Account,
  arrivedBefore?: number,
): Promise<ShardRead> {
  const log = shard.log;
  const retentionCutoff = stream.retentionCutoff(now);
  const firstRead = async (from: number): Promise<LogRecord[]> => {
    try {
      return await log.read(from, { maxRecords, maxBytes });
    } catch (e) {
      if (e instanceof DamagedRecordsError) throw damagedRecordsError(account, stream.name, shard, e.range);
      throw e;
    }
  };
  let start = Math.max(fromOffset, log.firstOffset);
  let found: LogRecord[];
  try {
    found = await firstRead(start);
    if (found.length > 0 && found[0]!.arrivalTimestamp < retentionCutoff) {
      // Arrival times never decrease within a shard, so expired records form a prefix: skip past it.
      start = Math.max(start, await log.offsetAtTimestamp(retentionCutoff));
      found = await firstRead(start);
    }
  } catch (e) {
    if (!(e instanceof ShardUnreachableError)) throw e;
    // Nothing read, and the cluster cannot say what lies past here: behind since the last record read
    // (at least 1 ms, never shown as caught up), without asking the cluster again for an arrival time.
    return { records: [], nextOffset: start, bytes: 0, endOfShard: false, millisBehindLatest: Math.max(1, now - (arrivedBefore ?? now)), stalled: true };
  }
  let bytes = 0;
  for (let i = 0; i < found.length; i++) bytes += sizeOf(found[i]!);
  const committed = log.committedOffset;
  // A log may answer short of both limits (a read can stop at a block boundary); fill up from where it stopped.
  while (found.length > 0 && found.length < maxRecords && bytes < maxBytes) {
    const next = found[found.length - 1]!.offset + 1;
    if (next >= committed) break;
    // Up to damage, not into it: the records so far are answered, and the next read fails there.
    const more = await readUpToDamage(log, next, { maxRecords: maxRecords - found.length, maxBytes: maxBytes - bytes });
    let taken = 0;
    for (; taken < more.length; taken++) {
      const size = sizeOf(more[taken]!);
      if (bytes + size > maxBytes) break;
      bytes += size;
    }
    if (taken === 0) break;
    found = found.concat(taken === more.length ? more : more.slice(0, taken));
    if (taken < more.length) break;
  }
  const records: StreamRecord[] = new Array(found.length);
  const sequenceNumbers = shard.sequenceNumbers;
  for (let i = 0; i < found.length; i++) {
    const r = found[i]!;
    records[i] = new ShardRecord(sequenceNumbers, r.offset, r.arrivalTimestamp, r.partitionKey, r.data);
  }
  const nextOffset = found.length > 0 ? found[found.length - 1]!.offset + 1 : start;
  const lastArrival = found.length > 0 ? found[found.length - 1]!.arrivalTimestamp : arrivedBefore;
  const behind = nextOffset >= committed ? 0 : Math.max(0, now - ((await log.arrivalTimestampAt(nextOffset)) ?? lastArrival ?? now));
  return { records, nextOffset, bytes, endOfShard: shard.isEndOf(nextOffset), millisBehindLatest: behind, stalled: false };
}

/** What `log` holds from `from`, or nothing when that is damaged. */
async function readUpToDamage(log: ShardLog, from: number, limits: ReadLimits): Promise<LogRecord[]> {
  if (log.damageAt(from) !== undefined) return [];
  try {
    return await log.read(from, limits);
  } catch (e) {
    // Up to what could be read: the next read starts there (and meets the damage, or asks the cluster again).
    if (e instanceof DamagedRecordsError || e instanceof ShardUnreachableError) return [];
    throw e;
  }
}
