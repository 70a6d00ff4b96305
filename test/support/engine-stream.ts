// Every record of a stream, read through an engine's store from each shard's start, as text: what the
// cluster tests check a query's output with. An empty answer ends a shard only when it is caught up: a
// shared store answers nothing, behind, while its cluster cannot answer in time (see read-shard.ts).
import type { Engine } from '../../src/engine/engine.js';

/** Empty answers that are behind, in a row, after which the read gives up (each waits up to ~2 s). */
const MAX_EMPTY_BEHIND = 30;

export async function recordTexts(engine: Engine, stream: string): Promise<string[]> {
  const texts: string[] = [];
  const decoder = new TextDecoder();
  for (const shard of engine.store.describeStream(stream).shards) {
    let iterator = await engine.store.getShardIterator(stream, shard.shardId, { type: 'TRIM_HORIZON' });
    for (let emptyBehind = 0; ; ) {
      const got = await engine.store.getRecords(iterator, 10_000);
      for (const r of got.records) texts.push(decoder.decode(r.data));
      if (got.nextShardIterator === null) break;
      iterator = got.nextShardIterator;
      if (got.records.length > 0) emptyBehind = 0;
      else if (got.millisBehindLatest === 0) break;
      else if (++emptyBehind >= MAX_EMPTY_BEHIND) throw new Error(`${stream} ${shard.shardId}: still behind after ${MAX_EMPTY_BEHIND} empty reads`);
    }
  }
  return texts;
}

/** The same, each record parsed as JSON. */
export async function recordObjects(engine: Engine, stream: string): Promise<Record<string, unknown>[]> {
  return (await recordTexts(engine, stream)).map((t) => JSON.parse(t) as Record<string, unknown>);
}
