// Shared helpers for the stream store tests: stores on a manual clock, text payloads, whole-shard reads
// and a reader that follows shard lineage the way the KCL does (a shard only after all its parents).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/engine/clock.js';
import { openStreamStore } from '../../../src/engine/stream/open-stream-store.js';
import type { ShardPosition, StreamRecord, StreamStore, StreamStoreOptions } from '../../../src/engine/stream/stream-store.js';

export const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

export async function memoryStore(options: Partial<StreamStoreOptions> = {}): Promise<{ store: StreamStore; clock: ManualClock }> {
  const clock = (options.clock as ManualClock | undefined) ?? new ManualClock(T0);
  const store = await openStreamStore({ shardLimits: false, ...options, clock });
  return { store, clock };
}

const tempDirs: string[] = [];

/** A store in a fresh temporary data directory, on file-backed shard logs. */
export async function diskStore(options: Partial<StreamStoreOptions> = {}): Promise<{ store: StreamStore; clock: ManualClock }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'eddy-store-'));
  tempDirs.push(dataDir);
  return memoryStore({ dataDir, log: { fsync: 'always' }, ...options });
}

/** Removes the data directories diskStore made; call after closing the stores. */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The behaviour tests run against both storage backends. */
export const BACKENDS = [
  { name: 'in memory', open: memoryStore },
  { name: 'on disk', open: diskStore },
] as const;

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (data: Uint8Array): string => new TextDecoder().decode(data);

/** Reads a shard from `position` until it is drained (closed shard) or caught up (open shard). */
export async function readShardAll(
  store: StreamStore,
  streamName: string,
  shardId: string,
  position: ShardPosition = { type: 'TRIM_HORIZON' },
  limit?: number,
): Promise<StreamRecord[]> {
  const out: StreamRecord[] = [];
  let iterator: string | null = await store.getShardIterator(streamName, shardId, position);
  while (iterator !== null) {
    const result = await store.getRecords(iterator, limit);
    out.push(...result.records);
    if (result.records.length === 0 && result.millisBehindLatest === 0 && result.nextShardIterator !== null) break;
    iterator = result.nextShardIterator;
  }
  return out;
}

/** Reads every retained shard, each only after its parents, and returns records in reading order. */
export async function readFollowingLineage(store: StreamStore, streamName: string): Promise<StreamRecord[]> {
  const shards = store.describeStream(streamName).shards;
  const present = new Set(shards.map((s) => s.shardId));
  const done = new Set<string>();
  const out: StreamRecord[] = [];
  while (done.size < shards.length) {
    const ready = shards.find(
      (s) =>
        !done.has(s.shardId) &&
        [s.parentShardId, s.adjacentParentShardId].every((p) => p === undefined || !present.has(p) || done.has(p)),
    );
    if (!ready) throw new Error('lineage has a cycle');
    out.push(...(await readShardAll(store, streamName, ready.shardId)));
    done.add(ready.shardId);
  }
  return out;
}

/** Asserts an async call fails with the given Kinesis error code, and returns the message. */
export async function errorOf(call: () => unknown): Promise<{ code: string; message: string }> {
  try {
    await call();
  } catch (e) {
    return { code: (e as { code: string }).code, message: (e as Error).message };
  }
  throw new Error('expected the call to fail');
}
