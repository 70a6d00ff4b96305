// The same records put through the Kinesis API in several batchings, each keeping every shard's records
// in order (all Kinesis promises) and varying everything else: all at once, one per call, random chunks,
// shard after shard, and the shards' records interleaved at random. A query whose answer depends on the
// batching gives different rows for two of them.
// (The same shape as the project's shared every-batching helper, everyBatching/putBatching, so a test can
// move to it by changing its import.)
import { PutRecordCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { expect } from 'vitest';
import { prng } from './e2e-harness.js';

export interface ShardRecord {
  /** Index of the shard it goes to, of a stream whose shards split the hash keys evenly. */
  readonly shard: number;
  readonly data: unknown;
  readonly partitionKey?: string;
}

export interface Batching {
  readonly name: string;
  /** Short, for stream names. */
  readonly id: string;
  /** The put calls, in order: one record alone is a PutRecord, more a PutRecords. */
  readonly puts: readonly (readonly ShardRecord[])[];
}

function chunks<T>(items: readonly T[], size: () => number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; ) {
    const n = Math.max(1, Math.min(500, size()));
    out.push(items.slice(i, i + n));
    i += n;
  }
  return out;
}

export function everyBatching(records: readonly ShardRecord[], options: { readonly seed?: number } = {}): Batching[] {
  const random = prng(options.seed ?? 1);
  const shards = [...new Set(records.map((r) => r.shard))].sort((a, b) => a - b).map((s) => records.filter((r) => r.shard === s));
  const merged: ShardRecord[] = [];
  const at = shards.map(() => 0);
  while (merged.length < records.length) {
    const open = shards.flatMap((list, s) => (at[s]! < list.length ? [s] : []));
    const s = open[Math.floor(random() * open.length)]!;
    merged.push(shards[s]![at[s]!++]!);
  }
  return [
    { name: 'all at once', id: 'all', puts: chunks(records, () => 500) },
    { name: 'one record per call', id: 'each', puts: records.map((r) => [r]) },
    { name: 'chunks of random sizes', id: 'chunks', puts: chunks(records, () => 1 + Math.floor(random() * 40)) },
    { name: 'shard after shard, last shard first', id: 'shards', puts: [...shards].reverse().flatMap((list) => chunks(list, () => 100)) },
    { name: 'shards interleaved at random, in random chunks', id: 'merged', puts: chunks(merged, () => 1 + Math.floor(random() * 20)) },
  ];
}

/** The first hash key of shard `index` of `count` evenly split shards. */
export function shardHashKey(index: number, count: number): string {
  return ((2n ** 128n / BigInt(count)) * BigInt(index)).toString();
}

export async function putBatching(kinesis: KinesisClient, stream: string, shardCount: number, batching: Batching): Promise<void> {
  const entry = (r: ShardRecord) => ({ PartitionKey: r.partitionKey ?? `k${r.shard}`, ExplicitHashKey: shardHashKey(r.shard, shardCount), Data: Buffer.from(JSON.stringify(r.data)) });
  for (const put of batching.puts) {
    if (put.length === 1) {
      await kinesis.send(new PutRecordCommand({ StreamName: stream, ...entry(put[0]!) }));
      continue;
    }
    const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: put.map(entry) }));
    expect(out.FailedRecordCount, batching.name).toBe(0);
  }
}

/**
 * The records no batching can make late: a record's time is at or after its own shard's watermark so
 * far (the largest time of the shard's earlier records less the delay), and the combined watermark a
 * record meets is never ahead of its own shard's.
 */
export function onTime<T extends ShardRecord>(records: readonly T[], time: (r: T) => number, delayMs: number): T[] {
  const newest = new Map<number, number>();
  return records.filter((r) => {
    const t = time(r);
    const max = newest.get(r.shard) ?? -Infinity;
    if (t < max - delayMs) return false;
    newest.set(r.shard, Math.max(max, t));
    return true;
  });
}

/**
 * The rows a changelog or upsert stream leaves: the last row per key, rows marked `_op` -U or -D taking
 * theirs away (with or without an `_op` column, so it reads both).
 */
export function finalRows(rows: readonly Record<string, unknown>[], keys: readonly string[]): Record<string, unknown>[] {
  const last = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const { _op: op, ...values } = row;
    const key = JSON.stringify(keys.map((k) => values[k]));
    if (op === '-U' || op === '-D') last.delete(key);
    else last.set(key, values);
  }
  return [...last.values()];
}
