// Every record of a stream, read through an engine's store from each shard's start, as text: what the
// cluster tests check a query's output with. An empty answer ends a shard only when it is caught up: a
// shared store answers nothing, behind, while its cluster cannot answer in time (see read-shard.ts).
import type { Engine } from '../../src/engine/engine.js';
import type { StreamRecord, StreamStore } from '../../src/engine/stream/stream-store.js';

/** Empty answers that are behind, in a row, after which the read gives up (each waits up to ~2 s). */
const MAX_EMPTY_BEHIND = 30;

/** Every record of one shard, from its start to where it is caught up (or its end, if closed). */
export async function shardRecords(store: StreamStore, stream: string, shardId: string): Promise<StreamRecord[]> {
  const out: StreamRecord[] = [];
  let iterator = await store.getShardIterator(stream, shardId, { type: 'TRIM_HORIZON' });
  for (let emptyBehind = 0; ; ) {
    const got = await store.getRecords(iterator, 10_000);
    out.push(...got.records);
    if (got.nextShardIterator === null) break;
    iterator = got.nextShardIterator;
    if (got.records.length > 0) emptyBehind = 0;
    else if (got.millisBehindLatest === 0) break;
    else if (++emptyBehind >= MAX_EMPTY_BEHIND) throw new Error(`${stream} ${shardId}: still behind after ${MAX_EMPTY_BEHIND} empty reads (${out.length} records read)`);
  }
  return out;
}

export async function recordTexts(engine: Engine, stream: string): Promise<string[]> {
  const texts: string[] = [];
  const decoder = new TextDecoder();
  for (const shard of engine.store.describeStream(stream).shards) {
    for (const r of await shardRecords(engine.store, stream, shard.shardId)) texts.push(decoder.decode(r.data));
  }
  return texts;
}

/** The same, each record parsed as JSON. */
export async function recordObjects(engine: Engine, stream: string): Promise<Record<string, unknown>[]> {
  return (await recordTexts(engine, stream)).map((t) => JSON.parse(t) as Record<string, unknown>);
}
