// The put path: validate, route each record to its shard, admit it against the shard's write limits,
// and append each shard's records in one log call (the shards' appends run concurrently).

import { appendedOffset } from './log/shard-log.js';
import { ShardSealedError } from './log/shard-sealed-error.js';
import { validatePutRecord, validatePutRecords } from './put-validation.js';
import type { Shard } from './shard.js';
import { asInternalFailure, shardRateMessage, shardThroughputExceeded, type Account } from './stream-errors.js';
import type { PutRecordInput, PutRecordResult, PutRecordsEntry } from './stream-store.js';
import type { Stream } from './stream.js';
import { checkSequenceNumberForOrdering, validateSequenceNumberForOrdering } from './validation.js';

/**
 * The records of one PutRecords call that go to one shard, appended as given with one arrival time, or
 * (`arrivals`, an internal writer's) each with its own.
 */
interface ShardGroup {
  readonly shard: Shard;
  readonly batch: PutRecordInput[];
  readonly positions: number[];
  bytes: number;
  readonly arrival: number;
  readonly arrivals?: number[];
}

/** PutRecord: the whole call fails when its shard is over its rate. */
export async function writeRecord(
  stream: Stream,
  record: PutRecordInput,
  options: { sequenceNumberForOrdering?: string } | undefined,
  now: number,
  throttling: boolean,
  account: Account,
): Promise<PutRecordResult> {
  const explicit = validatePutRecord(record);
  if (options?.sequenceNumberForOrdering !== undefined) {
    validateSequenceNumberForOrdering(options.sequenceNumberForOrdering);
    checkSequenceNumberForOrdering(options.sequenceNumberForOrdering, stream.name, account.accountId, now);
  }
  const shard = explicit === undefined ? stream.router.route(record.partitionKey) : stream.router.routeHashKey(explicit);
  const size = record.data.length + record.partitionKey.length;
  if (throttling && !shard.writeLimiter!.admit(size, now)) {
    shard.metrics.writeProvisionedThroughputExceeded++;
    throw shardThroughputExceeded(account, stream.name, shard.shardId);
  }
  let offset: number;
  const arrival = shard.arrivalTime(now);
  try {
    offset = appendedOffset(await shard.append([record], arrival), 0);
  } catch (e) {
    if (e instanceof ShardSealedError) throw e;
    throw asInternalFailure(e, `writing to ${shard.shardId} of stream ${stream.name}`);
  }
  shard.metrics.incomingRecords++;
  shard.metrics.incomingBytes += size;
  return { shardId: shard.shardId, sequenceNumber: shard.sequenceNumbers.at(offset, arrival) };
}

/** What PutRecords did with each record, and which records found their shard closed by another process. */
export interface WrittenRecords {
  readonly entries: PutRecordsEntry[];
  /** Positions (in the request) of records refused because their shard was sealed; they may be sent again. */
  readonly sealed: readonly number[];
}

/**
 * PutRecords: records over their shard's rate fail on their own with ProvisionedThroughputExceededException,
 * a failed append fails its shard's records with InternalFailure, and every other record is stored.
 * `arrivalTimestamps` (an internal writer's, see InternalPutOptions): each record's arrival time, raised
 * to its shard's last one so that a shard's times never go backwards.
 */
export async function writeRecords(
  stream: Stream,
  records: readonly PutRecordInput[],
  now: number,
  throttling: boolean,
  account: Account,
  arrivalTimestamps?: readonly number[],
): Promise<WrittenRecords> {
  const explicit = validatePutRecords(records);
  const n = records.length;
  const entries: PutRecordsEntry[] = new Array(n);
  const router = stream.router;
  // Records grouped per shard in request order; each group becomes one append. `slotGroups` maps a
  // shard's routing slot to its group during this synchronous pass and is reset before returning.
  const slotGroups = stream.slotGroups();
  const groups: ShardGroup[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const record = records[i]!;
      const hash = explicit?.[i];
      const shard = hash === undefined ? router.route(record.partitionKey) : router.routeHashKey(hash);
      // `length`, not `byteLength`: the same for the Uint8Array validation let through, and cheaper (see put-validation).
      const size = record.data.length + record.partitionKey.length;
      if (throttling && !shard.writeLimiter!.admit(size, now)) {
        shard.metrics.writeProvisionedThroughputExceeded++;
        entries[i] = {
          errorCode: 'ProvisionedThroughputExceededException',
          errorMessage: shardRateMessage(account, stream.name, shard.shardId),
        };
        continue;
      }
      let g = slotGroups[shard.routeSlot]!;
      if (g < 0) {
        g = slotGroups[shard.routeSlot] = groups.length;
        groups.push({
          shard,
          batch: [],
          positions: [],
          bytes: 0,
          arrival: arrivalTimestamps === undefined ? shard.arrivalTime(now) : 0,
          ...(arrivalTimestamps === undefined ? {} : { arrivals: [] }),
        });
      }
      const group = groups[g]!;
      group.arrivals?.push(shard.arrivalTime(arrivalTimestamps![i]!));
      group.batch.push(record);
      group.positions.push(i);
      group.bytes += size;
    }
  } finally {
    for (const group of groups) slotGroups[group.shard.routeSlot] = -1;
  }
  const sealed: number[] = [];
  await Promise.all(
    groups.map(({ shard, batch, positions, bytes, arrival, arrivals }) =>
      (arrivals === undefined ? shard.append(batch, arrival) : shard.append(batch.map((r, k) => ({ partitionKey: r.partitionKey, data: r.data, arrivalTimestamp: arrivals[k]! })))).then(
        (appended) => {
          const sequenceNumbers = shard.sequenceNumbers;
          const shardId = shard.shardId;
          for (let k = 0; k < positions.length; k++) {
            entries[positions[k]!] = { shardId, sequenceNumber: sequenceNumbers.at(appendedOffset(appended, k), arrivals?.[k] ?? arrival) };
          }
          shard.metrics.incomingRecords += positions.length;
          shard.metrics.incomingBytes += bytes;
        },
        (e: unknown) => {
          if (e instanceof ShardSealedError) sealed.push(...positions);
          for (const i of positions) entries[i] = { errorCode: 'InternalFailure', errorMessage: 'Internal service failure.' };
        },
      ),
    ),
  );
  return { entries, sealed };
}
