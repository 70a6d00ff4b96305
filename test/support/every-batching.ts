// Every batching: a continuous query's answer must not depend on how its input records were batched.
// The same records, put one at a time, all at once, in chunks of random sizes, or with the shards'
// records interleaved differently, must give the same result rows (for a changelog: the same rows once
// the changes are applied). Kinesis keeps the order of the records of one shard, and nothing else, so
// every batching here keeps each shard's records in their order and varies everything else.
//
// How a test uses it, for any operator:
//
//   const records = onTime(generated, { delayMs, firstWindowEnd: (t) => … });   // see onTime
//   for (const batching of everyBatching(records, { seed: 7 })) {
//     const stream = `clicks_${batching.id}`;                     // a fresh stream (or server) each time
//     … CREATE STREAM, start the query, subscribe …
//     await putBatching(kinesis, stream, SHARDS, batching);        // the records, batched this way
//     … wait for the query to read them all, then collect its rows …
//   }
//   … expect every batching's rows to equal the first's, and the oracle's (DuckDB over the same rows) …
//
// A record says which shard it goes to (`shard`, an index); putBatching sends it with that shard's
// starting hash key as its ExplicitHashKey, so a stream of `shardCount` shards with no resharding puts
// it there. Shards no record names stay idle.
//
// The results can only agree when no record is late in any batching: a row behind the watermark counts
// as long as the first window it belongs to has not closed, and the watermark a row meets depends on the
// batching (its own shard's earlier records, and, through the minimum over shards, the others'). onTime
// keeps the records that are on time whatever the batching: those whose first window ends after their
// own shard's earlier records have moved that shard's watermark (the combined watermark is never ahead
// of any active shard's).
import { PutRecordCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { expect } from 'vitest';

export interface ShardRecord {
  /** Index of the shard it is put on (0-based, of a stream with uniformly split shards). */
  readonly shard: number;
  /** The record's data, sent as JSON. */
  readonly data: unknown;
  /** Partition key sent with it (the explicit hash key decides the shard); defaults to `k<shard>`. */
  readonly partitionKey?: string;
}

export interface Batching {
  /** What the batching does, for test names and messages. */
  readonly name: string;
  /** A short identifier, usable in stream and query names. */
  readonly id: string;
  /** The put calls in order: one record alone is a PutRecord, several a PutRecords (at most 500). */
  readonly puts: readonly (readonly ShardRecord[])[];
}

/** A small deterministic PRNG (mulberry32), so every run batches the same way. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function chunks<T>(items: readonly T[], size: (i: number) => number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; ) {
    const n = Math.max(1, Math.min(500, size(out.length)));
    out.push(items.slice(i, i + n));
    i += n;
  }
  return out;
}

function byShard(records: readonly ShardRecord[]): ShardRecord[][] {
  const shards = new Map<number, ShardRecord[]>();
  for (const r of records) {
    let list = shards.get(r.shard);
    if (!list) shards.set(r.shard, (list = []));
    list.push(r);
  }
  return [...shards.entries()].sort((a, b) => a[0] - b[0]).map(([, list]) => list);
}

/**
 * The batchings every windowed operator is checked under, each keeping every shard's records in order:
 * all at once, one per put, chunks of random sizes, shard after shard (both ways round), and the
 * shards' records merged at random.
 */
export function everyBatching(records: readonly ShardRecord[], options: { readonly seed?: number } = {}): Batching[] {
  const seed = options.seed ?? 1;
  const next = random(seed);
  const shards = byShard(records);
  // A random merge of the shards' sequences: each shard's order is kept, the interleaving is not.
  const merged: ShardRecord[] = [];
  const cursors = shards.map(() => 0);
  while (merged.length < records.length) {
    const open = shards.map((_, s) => s).filter((s) => cursors[s]! < shards[s]!.length);
    const s = open[Math.floor(next() * open.length)]!;
    merged.push(shards[s]![cursors[s]!++]!);
  }
  return [
    { name: 'all at once', id: 'all', puts: chunks(records, () => 500) },
    { name: 'one record per put', id: 'each', puts: records.map((r) => [r]) },
    { name: `chunks of random sizes (seed ${seed})`, id: 'chunks', puts: chunks(records, () => 1 + Math.floor(next() * 40)) },
    { name: 'shard after shard', id: 'shards', puts: shards.flatMap((list) => chunks(list, () => 100)) },
    { name: 'shard after shard, last shard first', id: 'reversed', puts: [...shards].reverse().flatMap((list) => chunks(list, () => 100)) },
    { name: `shards merged at random (seed ${seed}), in chunks of random sizes`, id: 'merged', puts: chunks(merged, () => 1 + Math.floor(next() * 20)) },
  ];
}

/** The starting hash key of shard `index` of `count` uniformly split shards, as Kinesis splits them. */
export function shardHashKey(index: number, count: number): string {
  return ((2n ** 128n / BigInt(count)) * BigInt(index)).toString();
}

/** Puts the records through the Kinesis API as the batching says, each call checked to succeed. */
export async function putBatching(kinesis: KinesisClient, stream: string, shardCount: number, batching: Batching): Promise<void> {
  const entry = (r: ShardRecord) => ({
    PartitionKey: r.partitionKey ?? `k${r.shard}`,
    ExplicitHashKey: shardHashKey(r.shard, shardCount),
    Data: Buffer.from(JSON.stringify(r.data)),
  });
  for (const put of batching.puts) {
    if (put.length === 1) {
      await kinesis.send(new PutRecordCommand({ StreamName: stream, ...entry(put[0]!) }));
      continue;
    }
    const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: put.map(entry) }));
    expect(out.FailedRecordCount, `${batching.name}: ${JSON.stringify(out.Records?.find((r) => r.ErrorCode))}`).toBe(0);
  }
}

/**
 * The records that are on time in every batching: walking each shard's records in order, a record is
 * kept when the first window it belongs to ends after that shard's watermark so far (its largest event
 * time minus `delayMs`); the others are left out.
 */
export function onTime<T extends ShardRecord>(records: readonly T[], options: { readonly time: (r: T) => number; readonly firstWindowEnd: (t: number) => number; readonly delayMs: number }): T[] {
  const newest = new Map<number, number>();
  return records.filter((r) => {
    const t = options.time(r);
    const max = newest.get(r.shard) ?? -Infinity;
    if (options.firstWindowEnd(t) <= max - options.delayMs) return false;
    newest.set(r.shard, Math.max(max, t));
    return true;
  });
}

/**
 * What a changelog's rows leave when applied in order (plan/changelog.ts): +I and +U add a row, -U and -D
 * remove one equal to it. Fails the test on a -U or -D of a row that is not there, and, unless
 * `unpaired` (a HAVING can drop a +U), on a -U not followed at once by a +U of the same `keys`. Rows come
 * back without their `_op`, in no particular order.
 */
export function applyChangelog(rows: readonly Record<string, unknown>[], keys: readonly string[], options: { readonly unpaired?: boolean } = {}): Record<string, unknown>[] {
  const held = new Map<string, Record<string, unknown>[]>();
  const text = (r: Record<string, unknown>) => JSON.stringify(Object.entries(r).filter(([k]) => k !== '_op').sort(([a], [b]) => a.localeCompare(b)));
  const keyOf = (r: Record<string, unknown>) => JSON.stringify(keys.map((k) => r[k]));
  rows.forEach((row, i) => {
    const { _op: op, ...values } = row;
    const id = text(row);
    const same = held.get(id) ?? [];
    if (op === '+I' || op === '+U') {
      held.set(id, [...same, values]);
      return;
    }
    expect(op === '-U' || op === '-D', `row ${i} has kind ${String(op)}`).toBe(true);
    expect(same.length, `row ${i} (${op} ${id}) withdraws a row that is not there`).toBeGreaterThan(0);
    same.pop();
    if (same.length === 0) held.delete(id);
    if (op === '-U' && options.unpaired !== true) {
      const after = rows[i + 1];
      expect(after?._op, `row ${i}: -U ${id} is not followed by its +U`).toBe('+U');
      if (keys.length > 0) expect(keyOf(after!)).toBe(keyOf(row));
    }
  });
  return [...held.values()].flat();
}
